#include "bench/pm_bench.h"

#include <chrono>
#include <random>

#include "absl/strings/str_format.h"
#include "bench/bench_env.h"
#include "common/torch_boundary.h"
#include "reward_model/pm_trainer.h"

namespace shammie::bench {
namespace {

std::string RandomText(std::mt19937_64& rng, int64_t n) {
  std::string s(n, ' ');
  for (char& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

}  // namespace

double PmFlopsPerStep(const PmBenchOptions& o) {
  const double tokens = 2.0 * o.batch * o.seq;
  const double L = o.layers, C = o.d_model, T = o.seq;
  return tokens * (6.0 * L * 12.0 * C * C + 12.0 * L * T * C);
}

absl::StatusOr<std::string> RunPmBench(const PmBenchOptions& o) {
  if (o.layers <= 0 || o.d_model <= 0 || o.heads <= 0 || o.batch <= 0 || o.steps <= 0 ||
      o.seq < 4 || o.d_model % o.heads != 0) {
    return absl::InvalidArgumentError(
        "layers, d-model, heads, batch, steps must be > 0, seq >= 4, d-model % heads == 0");
  }
  const double peak = MatmulPeakGflops();
  return common::GuardTorch("bench pm", [&]() -> absl::StatusOr<std::string> {
    torch::manual_seed(0);
    policy::GptConfig c;
    c.n_layer = o.layers;
    c.n_head = o.heads;
    c.n_embd = o.d_model;
    c.n_positions = o.seq;
    reward_model::PreferenceModel model{policy::Gpt(c)};
    // Rows of exactly `seq` tokens: context + response + eos.
    std::mt19937_64 rng(1);
    std::vector<reward_model::PmPair> pairs;
    const int64_t steps = o.steps + 1;  // one warm-up step
    for (int64_t i = 0; i < o.batch * steps; ++i) {
      reward_model::PmPair p;
      p.context = RandomText(rng, o.seq / 2);
      p.response_a = RandomText(rng, o.seq - 1 - o.seq / 2);
      p.response_b = RandomText(rng, o.seq - 1 - o.seq / 2);
      p.a_preferred = i % 2 == 0;
      pairs.push_back(std::move(p));
    }
    reward_model::PmTrainOptions to;
    to.batch_size = o.batch;
    to.learning_rate = 1e-4;
    auto trainer = reward_model::PmTrainer::Create(model, reward_model::EncodeBytes, c.eos_token_id,
                                                   std::move(pairs), to);
    if (!trainer.ok()) return trainer.status();
    using Clock = std::chrono::steady_clock;
    Clock::time_point timed_start;
    reward_model::PmTrainer::Hooks hooks;
    hooks.on_step = [&](const reward_model::PmStepStats& s) {
      if (s.step == 1) timed_start = Clock::now();  // after the warm-up step
    };
    if (auto s = (*trainer)->Train(hooks); !s.ok()) return s;
    const double secs = std::chrono::duration<double>(Clock::now() - timed_start).count();
    const double step_s = secs / o.steps;
    const double gflops = PmFlopsPerStep(o) / step_s / 1e9;
    return absl::StrFormat(
        "{\"bench\":\"pm\",\"layers\":%d,\"d_model\":%d,\"heads\":%d,\"seq\":%d,\"batch\":%d,"
        "\"steps\":%d,\"comparisons_per_s\":%.2f,\"step_seconds\":%.4f,\"gflops\":%.2f,"
        "\"matmul_peak_gflops\":%.2f,\"peak_fraction\":%.3f}",
        o.layers, o.d_model, o.heads, o.seq, o.batch, o.steps, o.batch / step_s, step_s, gflops,
        peak, gflops / peak);
  });
}

}  // namespace shammie::bench
