// The benchmarks are measured, not asserted on speed: these tests check that
// `shammie bench` runs end to end (a real process) and reports consistent
// numbers, and that the FLOP count is the documented formula.
#include "bench/train_bench.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "gtest/gtest.h"

namespace shammie::bench {
namespace {

// Runs `shammie <args>`; returns (exit code, stdout).
std::pair<int, std::string> Shammie(const std::string& args) {
  const char* bin = std::getenv("SHAMMIE_BIN_DIR");
  const std::string cmd = std::string(bin ? bin : ".") + "/shammie " + args + " 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (pipe && fgets(buf, sizeof buf, pipe)) out += buf;
  const int status = pipe ? pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(TrainBenchTest, FlopsPerTokenIsTheDocumentedFormula) {
  TrainBenchOptions o;
  o.layers = 2, o.d_model = 128, o.seq = 128, o.vocab = 257;
  // 6 · (2 · 12 · 128² + 257 · 128) + 12 · 2 · 128 · 128
  EXPECT_DOUBLE_EQ(TrainFlopsPerToken(o), 6.0 * (2 * 12 * 16384 + 257 * 128) + 12.0 * 2 * 128 * 128);
}

TEST(TrainBenchTest, ShammieBenchTrainPrintsOneConsistentJsonLine) {
  auto [code, out] = Shammie(
      "bench train --layers 1 --d-model 32 --heads 2 --seq 16 --batch 2 --seconds 0.05 "
      "--rounds 1 --no-reference");
  ASSERT_EQ(code, 0) << out;
  nlohmann::json j = nlohmann::json::parse(out);
  TrainBenchOptions o;
  o.layers = 1, o.d_model = 32, o.seq = 16, o.vocab = 257;
  EXPECT_GT(j["tokens_per_s"].get<double>(), 0);
  EXPECT_NEAR(j["gflops"].get<double>(),
              j["tokens_per_s"].get<double>() * TrainFlopsPerToken(o) / 1e9, 1e-9);
  EXPECT_GT(j["matmul_peak_gflops"].get<double>(), 0);
  EXPECT_NEAR(j["peak_fraction"].get<double>(),
              j["gflops"].get<double>() / j["matmul_peak_gflops"].get<double>(), 1e-9);
  EXPECT_FALSE(j.contains("speedup"));  // no reference was run
}

TEST(TrainBenchTest, ShammieBenchGenerateRunsWithTheReference) {
  auto [code, out] = Shammie(
      "bench generate --layers 1 --d-model 32 --heads 2 --batch 2 --prompt-len 4 "
      "--new-tokens 4 --seconds 0.05 --rounds 1");
  ASSERT_EQ(code, 0) << out;
  nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_GT(j["tokens_per_s"].get<double>(), 0);
  EXPECT_GT(j["no_cache_tokens_per_s"].get<double>(), 0);
  EXPECT_GT(j["reference_tokens_per_s"].get<double>(), 0);
  EXPECT_NEAR(j["speedup"].get<double>(),
              j["tokens_per_s"].get<double>() / j["reference_tokens_per_s"].get<double>(), 1e-9);
}

TEST(TrainBenchTest, BadFlagsAreUsageErrors) {
  EXPECT_EQ(Shammie("bench train --layers 2 --d-model 100 --heads 3 --no-reference").first, 2);
  EXPECT_EQ(Shammie("bench train --no-such-flag 1").first, 2);
  EXPECT_EQ(Shammie("bench nope").first, 2);
}

}  // namespace
}  // namespace shammie::bench
