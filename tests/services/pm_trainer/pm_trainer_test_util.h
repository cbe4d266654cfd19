// Shared by the PM trainer's service and crash tests: synthetic comparisons
// imported into a real collector over gRPC, and a tiny base policy folder.
#ifndef SHAMMIE_TESTS_SERVICES_PM_TRAINER_PM_TRAINER_TEST_UTIL_H_
#define SHAMMIE_TESTS_SERVICES_PM_TRAINER_PM_TRAINER_TEST_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "reward_model/pm_checkpoint.h"
#include "shammie/v1/collector.grpc.pb.h"
#include "sim/starter_comparisons.h"

namespace shammie::testing {

// Imports `n` labeled synthetic comparisons (all-or-nothing) as `token`.
inline v1::ImportSummary ImportSyntheticComparisons(v1::ComparisonService::Stub* stub,
                                                    const std::string& token, int n,
                                                    uint64_t seed) {
  auto summary = sim::ImportStarterComparisons(stub, token, n, seed);
  EXPECT_TRUE(summary.ok()) << summary.status();
  return summary.value_or(v1::ImportSummary());
}

// A tiny byte-level base policy (random weights) in `dir`.
inline void WriteTinyBasePolicy(const std::string& dir) {
  policy::GptConfig config;
  config.n_layer = 1;
  config.n_head = 2;
  config.n_embd = 32;
  config.n_positions = 128;
  torch::manual_seed(7);
  policy::Gpt model(config);
  ASSERT_TRUE(reward_model::SaveBasePolicy(model, dir).ok());
}

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_SERVICES_PM_TRAINER_PM_TRAINER_TEST_UTIL_H_
