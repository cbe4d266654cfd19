// The reference runs as a child process so its interpreter overhead, thread
// settings and allocator are its own, exactly as a user would run it.
#include "bench/bench_env.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace shammie::bench {

double MatmulPeakGflops(int n, double seconds) {
  c10::InferenceMode guard;
  torch::manual_seed(0);
  torch::Tensor a = torch::randn({n, n});  // (n, n)
  torch::Tensor b = torch::randn({n, n});  // (n, n)
  torch::Tensor c = torch::empty({n, n});  // (n, n)
  torch::mm_out(c, a, b);                  // warm up
  double best = 1e30;
  auto start = std::chrono::steady_clock::now();
  int runs = 0;
  while (true) {
    auto t0 = std::chrono::steady_clock::now();
    torch::mm_out(c, a, b);
    auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
    ++runs;
    if (runs >= 3 && std::chrono::duration<double>(t1 - start).count() >= seconds) break;
  }
  return 2.0 * n * n * static_cast<double>(n) / best / 1e9;
}

namespace {
double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
}  // namespace

Timing TimeLoop(const std::function<void()>& fn, double seconds, int warmup, int min_runs) {
  for (int i = 0; i < warmup; ++i) fn();
  Timing t;
  auto start = std::chrono::steady_clock::now();
  const double cpu_start = ProcessCpuSeconds();
  while (true) {
    fn();
    ++t.runs;
    t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (t.runs >= min_runs && t.seconds >= seconds) break;
  }
  t.cpu_seconds = ProcessCpuSeconds() - cpu_start;
  return t;
}

std::string ReferenceDir() {
  const char* src = std::getenv("SHAMMIE_SOURCE_DIR");
  return absl::StrCat(src != nullptr ? src : SHAMMIE_BUILD_SOURCE_DIR, "/bench/reference");
}

absl::StatusOr<ReferenceResult> RunReference(const std::string& script, const std::string& args,
                                             const std::vector<int>& threads,
                                             const std::string& field) {
  ReferenceResult best;
  for (int n : threads) {
    const std::string cmd =
        absl::StrCat("cd '", ReferenceDir(), "' && OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 ",
                     script, " ", args, " --threads ", n, " 2>&1");
    FILE* pipe = popen(cmd.c_str(), "r");
    if (pipe == nullptr) return absl::UnavailableError(absl::StrCat("cannot run: ", cmd));
    std::string out, last;
    char buf[4096];
    while (fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
    const int rc = pclose(pipe);
    if (rc != 0) {
      return absl::UnavailableError(absl::StrCat("reference failed (", rc, "): ", cmd, "\n", out));
    }
    // The last non-empty line is the JSON result.
    size_t end = out.find_last_not_of("\n");
    size_t begin = out.rfind('\n', end);
    last = out.substr(begin == std::string::npos ? 0 : begin + 1, end - (begin == std::string::npos ? 0 : begin + 1) + 1);
    nlohmann::json j = nlohmann::json::parse(last, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.contains(field) || !j[field].is_number()) {
      return absl::InternalError(absl::StrCat("reference printed no \"", field, "\": ", last));
    }
    const double v = j[field].get<double>();
    const std::string cpu_field = "cpu_" + field;
    const double cpu = j.contains(cpu_field) && j[cpu_field].is_number() ? j[cpu_field].get<double>() : 0;
    if (v > best.value) best.value = v, best.threads = n, best.json = last;
    best.cpu_value = std::max(best.cpu_value, cpu);
  }
  return best;
}

void AddReferenceFields(nlohmann::json& j, const ReferenceResult& ref, const std::string& unit,
                        double ours, double ours_cpu) {
  j["reference_" + unit] = ref.value;
  j["reference_threads"] = ref.threads;
  j["speedup"] = ours / ref.value;
  j["reference_cpu_" + unit] = ref.cpu_value;
  j["cpu_speedup"] = ref.cpu_value > 0 ? ours_cpu / ref.cpu_value : 0.0;
}

}  // namespace shammie::bench
