// `shammie bench generate`: batched sampling throughput (generated tokens/s)
// of policy::Sampler with and without the KV cache, against the Python
// reference's KV-cache loop (bench/reference/generate_bench.py), measured in
// the same run. Torch-free header.
#ifndef SHAMMIE_BENCH_GENERATE_BENCH_H_
#define SHAMMIE_BENCH_GENERATE_BENCH_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace shammie::bench {

struct GenerateBenchOptions {
  int64_t layers = 4;
  int64_t d_model = 256;
  int64_t heads = 4;
  int64_t batch = 32;
  int64_t prompt_len = 64;
  int64_t new_tokens = 64;
  int64_t vocab = 257;
  double seconds = 3.0;  // timed duration of each side per round
  int rounds = 2;        // alternating reference/ours rounds; best of each
  bool reference = true;
  bool no_cache = true;  // also time generation without the KV cache
};

// One-line JSON: {"bench":"generate", config…, "tokens_per_s" (KV cache),
// "no_cache_tokens_per_s", "reference_tokens_per_s", "reference_threads",
// "speedup"}. INVALID_ARGUMENT for a bad shape.
absl::StatusOr<std::string> RunGenerateBench(const GenerateBenchOptions& options);

}  // namespace shammie::bench

#endif  // SHAMMIE_BENCH_GENERATE_BENCH_H_
