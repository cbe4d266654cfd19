// `shammie bench ppo`: episodes/s of the PPO loop (rollout → score →
// advantages → update) on randomly initialised models of a given shape, and
// the seconds per step in rollout, scoring and update, next to the Python
// reference of the same loop (bench/reference/ppo_reference.py) measured in
// the same run. Torch-free header.
#ifndef SHAMMIE_BENCH_PPO_BENCH_H_
#define SHAMMIE_BENCH_PPO_BENCH_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace shammie::bench {

struct PpoBenchOptions {
  int64_t layers = 4;
  int64_t d_model = 256;
  int64_t heads = 4;
  int64_t batch = 32;          // episodes per step
  int64_t prompt_len = 64;
  int64_t response_len = 64;   // every response has exactly this many tokens
  int64_t minibatch = 8;
  int64_t ppo_epochs = 1;
  int64_t steps = 3;           // timed steps, after one warm-up step
  int64_t vocab = 257;
  int64_t threads = 0;         // at::set_num_threads for the C++ side; 0 = torch's default
  bool reference = true;       // also run the Python reference
};

// One JSON line. INVALID_ARGUMENT for nonsense sizes; UNAVAILABLE when the
// reference cannot run.
absl::StatusOr<std::string> RunPpoBench(const PpoBenchOptions& options);

}  // namespace shammie::bench

#endif  // SHAMMIE_BENCH_PPO_BENCH_H_
