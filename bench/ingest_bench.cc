#include "bench/ingest_bench.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "common/subprocess.h"
#include "shammie/v1/collector.grpc.pb.h"

namespace shammie::bench {

namespace {

using Clock = std::chrono::steady_clock;

std::string TempDirFor(const char* tag) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = absl::StrCat(base && *base ? base : "/tmp", "/shammie-", tag, "-XXXXXX");
  return ::mkdtemp(tmpl.data()) ? tmpl : std::string();
}

// Single-writer synced appends per second in `dir` (the reference).
double MeasureFsyncRate(const std::string& dir, double seconds) {
  const std::string path = dir + "/fsync-probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return 0;
  const std::string record(200, 'x');  // about one serialized comparison
  const auto start = Clock::now();
  uint64_t n = 0;
  while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    if (::write(fd, record.data(), record.size()) < 0 || ::fdatasync(fd) != 0) break;
    ++n;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);
  ::unlink(path.c_str());
  return n / elapsed;
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return ctx;
}

// The collector under test when the benchmark starts its own.
struct StartedCollector {
  std::string dir;
  std::optional<common::Subprocess> process;
  ~StartedCollector() {
    if (process) {
      process->Signal(SIGTERM);
      (void)process->Wait(absl::Seconds(10));
    }
    if (!dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
};

absl::Status StartCollector(bool sync, StartedCollector* c, std::string* server, std::string* token) {
  c->dir = TempDirFor("bench-ingest");
  if (c->dir.empty()) return absl::InternalError("mkdtemp failed");
  std::vector<std::string> argv = {common::ExecutableDir() + "/shammie-collector", "--data-dir",
                                   c->dir + "/data", "--listen", "127.0.0.1:0", "--port-file",
                                   c->dir + "/port"};
  if (!sync) argv.push_back("--no-sync");
  SHAMMIE_ASSIGN_OR_RETURN(common::Subprocess p, common::Subprocess::Start(argv));
  c->process.emplace(std::move(p));
  SHAMMIE_ASSIGN_OR_RETURN(std::string port, common::WaitForFile(c->dir + "/port", absl::Seconds(30)));
  SHAMMIE_ASSIGN_OR_RETURN(std::string secret,
                           common::WaitForFile(c->dir + "/data/operator.token", absl::Seconds(5)));
  *server = absl::StrCat("127.0.0.1:", absl::StripAsciiWhitespace(port));
  *token = std::string(absl::StripAsciiWhitespace(secret));
  return absl::OkStatus();
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * v.size()));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

}  // namespace

std::string IngestBenchResult::ToJson() const {
  return absl::StrFormat(
      "{\"bench\": \"ingest\", \"server\": \"%s\", \"started_collector\": %s, \"durable\": %s, "
      "\"clients\": %d, \"inflight_per_client\": %d, \"seconds\": %.1f, \"acked\": %d, \"errors\": %d, "
      "\"acked_per_s\": %.0f, \"p50_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f, "
      "\"ref_fsyncs_per_s\": %.0f, \"acked_per_fsync\": %.1f}",
      server, started ? "true" : "false", durable < 0 ? "null" : (durable ? "true" : "false"), clients,
      inflight, seconds, acked, errors, acked_per_s, p50_ms, p99_ms, max_ms, ref_fsyncs_per_s,
      ref_fsyncs_per_s > 0 ? acked_per_s / ref_fsyncs_per_s : 0.0);
}

absl::StatusOr<IngestBenchResult> RunIngestBench(const IngestBenchOptions& options) {
  if (options.clients < 1 || options.inflight < 1 || options.seconds <= 0) {
    return absl::InvalidArgumentError("clients, inflight and seconds must be positive");
  }
  IngestBenchResult result;
  result.clients = options.clients;
  result.inflight = options.inflight;
  StartedCollector started;
  std::string server = options.server, token = options.token;
  std::string probe_dir;
  if (server.empty()) {
    SHAMMIE_RETURN_IF_ERROR(StartCollector(options.sync, &started, &server, &token));
    result.started = true;
    result.durable = options.sync ? 1 : 0;
    probe_dir = started.dir;
  } else if (token.empty()) {
    return absl::InvalidArgumentError("an operator token is needed with --server");
  }
  result.server = server;

  // Setup: a labeler token and one task per client (labels beyond a task's
  // overlap are still stored, so one task serves a whole run).
  auto admin = v1::ComparisonService::NewStub(grpc::CreateChannel(server, grpc::InsecureChannelCredentials()));
  v1::CreateTokenRequest token_req;
  token_req.set_name(absl::StrCat("bench-", absl::ToUnixNanos(absl::Now())));
  token_req.set_role(v1::LABELER);
  v1::Token labeler;
  grpc::Status s = admin->CreateToken(Ctx(token).get(), token_req, &labeler);
  if (!s.ok()) return absl::UnavailableError(absl::StrCat("creating the bench token: ", s.error_message()));
  std::vector<std::string> task_ids;
  for (int i = 0; i < options.clients; ++i) {
    v1::CreateTaskRequest req;
    auto* turn = req.mutable_context()->add_turns();
    turn->set_role(v1::HUMAN);
    turn->set_text(absl::StrCat("Benchmark prompt ", i, ": which answer is more helpful?"));
    req.add_candidates("A reasonably long candidate response, about as long as a short real answer.");
    req.add_candidates("Another candidate response of similar length, so records are realistic.");
    req.set_overlap(1000);
    v1::LabelingTask task;
    s = admin->CreateTask(Ctx(token).get(), req, &task);
    if (!s.ok()) return absl::UnavailableError(absl::StrCat("creating a bench task: ", s.error_message()));
    task_ids.push_back(task.id());
  }

  // Clients: closed loop; latencies recorded only inside the window.
  const auto warm_end = Clock::now() + std::chrono::seconds(1);
  const auto end = warm_end + std::chrono::microseconds(static_cast<int64_t>(options.seconds * 1e6));
  const int threads_n = options.clients * options.inflight;
  std::vector<std::vector<double>> latencies(threads_n);
  std::atomic<uint64_t> errors{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < options.clients; ++c) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection per client
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateCustomChannel(server, grpc::InsecureChannelCredentials(), args);
    for (int k = 0; k < options.inflight; ++k) {
      const int t = c * options.inflight + k;
      threads.emplace_back([&, channel, c, t] {
        auto stub = v1::ComparisonService::NewStub(channel);
        v1::SubmitComparisonRequest req;
        req.set_task_id(task_ids[c]);
        for (uint64_t i = 0;; ++i) {
          const auto t0 = Clock::now();
          if (t0 >= end) break;
          req.set_preference(1 + static_cast<int>(i % 8));
          req.set_client_request_id(absl::StrCat(t, "-", i));
          v1::Comparison resp;
          grpc::Status st = stub->SubmitComparison(Ctx(labeler.secret()).get(), req, &resp);
          const auto t1 = Clock::now();
          if (t0 < warm_end || t1 > end) continue;
          if (!st.ok()) {
            ++errors;
            continue;
          }
          latencies[t].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
      });
    }
  }
  for (auto& th : threads) th.join();

  std::vector<double> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  result.seconds = options.seconds;
  result.acked = all.size();
  result.errors = errors;
  result.acked_per_s = all.size() / options.seconds;
  result.p50_ms = Percentile(all, 0.50);
  result.p99_ms = Percentile(all, 0.99);
  result.max_ms = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  // The reference, measured after the run so it does not compete with it.
  if (probe_dir.empty()) probe_dir = TempDirFor("bench-fsync");
  result.ref_fsyncs_per_s = MeasureFsyncRate(probe_dir, 2.0);
  if (!result.started) ::rmdir(probe_dir.c_str());
  return result;
}

}  // namespace shammie::bench
