// `shammie bench train`: training-step throughput of the GPT and SFT loop,
// against the Python reference (bench/reference/train_bench.py) and a float32
// matmul peak, all measured in the same run. Torch-free header.
#ifndef SHAMMIE_BENCH_TRAIN_BENCH_H_
#define SHAMMIE_BENCH_TRAIN_BENCH_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace shammie::bench {

struct TrainBenchOptions {
  int64_t layers = 6;
  int64_t d_model = 512;
  int64_t heads = 8;
  int64_t seq = 256;
  int64_t batch = 8;
  int64_t vocab = 257;      // the byte tokenizer's vocabulary
  double seconds = 3.0;     // timed duration of each side per round
  int rounds = 2;           // alternating reference/ours rounds; best of each
  bool reference = true;    // run the Python reference too
};

// Model FLOPs per trained token (forward + backward): 6·N_matmul + 12·L·T·C,
// with N_matmul = L·12·C² + V·C (the tied output projection is a matmul).
double TrainFlopsPerToken(const TrainBenchOptions& o);

// Runs the benchmark; returns its one-line JSON:
// {"bench":"train", config…, "tokens_per_s", "gflops", "matmul_peak_gflops",
//  "peak_fraction", "reference_tokens_per_s", "reference_threads", "speedup"}.
// INVALID_ARGUMENT for a bad shape (d_model % heads, non-positive sizes).
absl::StatusOr<std::string> RunTrainBench(const TrainBenchOptions& options);

}  // namespace shammie::bench

#endif  // SHAMMIE_BENCH_TRAIN_BENCH_H_
