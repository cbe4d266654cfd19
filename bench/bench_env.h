// What every Shammie benchmark shares: a float32 matmul peak measured in the
// same run, a wall-clock timer loop, and the Python reference runner.
//
// The reference implementations live in bench/reference/ and run with
// /usr/bin/python3 (Debian's python3-torch: the same 1.13 kernels as our
// LibTorch) under OMP_WAIT_POLICY=PASSIVE. Each prints one JSON line.
// Torch-free header. Not thread-safe (benchmarks run one at a time).
#ifndef SHAMMIE_BENCH_BENCH_ENV_H_
#define SHAMMIE_BENCH_BENCH_ENV_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace shammie::bench {

// GFLOP/s of a float32 (n × n)·(n × n) torch::mm, best of several runs
// lasting about `seconds` in total.
double MatmulPeakGflops(int n = 2048, double seconds = 1.0);

// Wall-clock and process CPU time (all threads): on a shared, oversubscribed
// machine the wall clock measures the neighbours; CPU time measures the work.
struct Timing {
  int runs = 0;
  double seconds = 0;      // wall clock, total over `runs`
  double cpu_seconds = 0;  // process CPU time (user + system, all threads)
  double per_run() const { return runs > 0 ? seconds / runs : 0; }
  double cpu_per_run() const { return runs > 0 ? cpu_seconds / runs : 0; }
};

// Calls fn() `warmup` times untimed, then repeatedly until at least
// `seconds` have passed and at least `min_runs` runs were made.
Timing TimeLoop(const std::function<void()>& fn, double seconds, int warmup = 1, int min_runs = 2);

// Folder of the reference scripts: $SHAMMIE_SOURCE_DIR/bench/reference if
// set, else the source tree this binary was built from.
std::string ReferenceDir();

// Runs `script` from ReferenceDir() with /usr/bin/python3 and
// OMP_WAIT_POLICY=PASSIVE for each thread count in `threads` (passed as
// --threads N) and returns the field `field` of the best JSON line.
// UNAVAILABLE when python or torch is missing; INTERNAL on a bad line.
struct ReferenceResult {
  double value = 0;
  double cpu_value = 0;  // the same rate per CPU second ("cpu_" + field)
  int threads = 0;
  std::string json;  // the best run's line
};
absl::StatusOr<ReferenceResult> RunReference(const std::string& script, const std::string& args,
                                             const std::vector<int>& threads,
                                             const std::string& field);

// Adds the reference's numbers and our ratios to a benchmark's JSON line:
// reference_<unit>, reference_cpu_<unit>, reference_threads, speedup (wall
// clock) and cpu_speedup (per CPU second, the fairer one on a shared machine).
void AddReferenceFields(nlohmann::json& j, const ReferenceResult& ref, const std::string& unit,
                        double ours, double ours_cpu);

}  // namespace shammie::bench

#endif  // SHAMMIE_BENCH_BENCH_ENV_H_
