// `shammie bench pm`: PM training throughput — comparisons/s through the
// real PmTrainer (encode → 2B rows of `seq` tokens → trunk + head →
// Bradley–Terry loss → backward → clip → AdamW) on a randomly initialised
// trunk of the given shape, and the achieved GFLOP/s against a float32
// matmul peak measured in the same run. Torch-free header.
#ifndef SHAMMIE_BENCH_PM_BENCH_H_
#define SHAMMIE_BENCH_PM_BENCH_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace shammie::bench {

struct PmBenchOptions {
  int64_t layers = 4;
  int64_t d_model = 256;
  int64_t heads = 4;
  int64_t seq = 256;    // tokens per row (context + response + eos)
  int64_t batch = 16;   // comparisons per step (2·batch rows)
  int64_t steps = 4;    // timed steps, after one warm-up step
};

// Training FLOPs per step: rows·seq tokens × (6·L·12·C² + 12·L·seq·C)
// (matmuls forward + backward, and attention scores; no vocabulary
// projection: the PM reads a scalar head).
double PmFlopsPerStep(const PmBenchOptions& o);

// One JSON line: {"bench":"pm", config…, "comparisons_per_s", "gflops",
// "matmul_peak_gflops", "peak_fraction", "step_seconds"}.
// INVALID_ARGUMENT for nonsense sizes (d_model % heads, seq < 4, ≤ 0).
absl::StatusOr<std::string> RunPmBench(const PmBenchOptions& options);

}  // namespace shammie::bench

#endif  // SHAMMIE_BENCH_PM_BENCH_H_
