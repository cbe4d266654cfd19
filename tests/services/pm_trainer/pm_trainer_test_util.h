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
#include "sim/comparison_pairs.h"
#include "sim/simulated_labeler.h"

namespace shammie::testing {

// Imports `n` labeled synthetic comparisons (all-or-nothing) as `token`.
inline v1::ImportSummary ImportSyntheticComparisons(v1::ComparisonService::Stub* stub,
                                                    const std::string& token, int n,
                                                    uint64_t seed) {
  sim::PairGenerator gen(seed);
  sim::SimulatedLabeler labeler({sim::kDefaultLabelerTemperature, seed});
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token);
  v1::ImportSummary summary;
  auto writer = stub->ImportComparisons(&ctx, &summary);
  for (int i = 0; i < n; ++i) {
    sim::ComparisonPair p = gen.Next();
    v1::Comparison c;
    // The sim context is "\n\nHuman: <text>\n\nAssistant:"; store the turn.
    std::string human = p.context.substr(9, p.context.size() - 9 - 12);
    auto* turn = c.mutable_context()->add_turns();
    turn->set_role(v1::HUMAN);
    turn->set_text(human);
    c.mutable_response_a()->set_text(p.a);
    c.mutable_response_b()->set_text(p.b);
    c.set_preference(labeler.ChooseByGold(p.gold_a, p.gold_b));
    c.set_labeler(absl::StrCat("sim-", i % 3));
    c.set_client_request_id(absl::StrCat("import-", seed, "-", i));
    EXPECT_TRUE(writer->Write(c));
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  EXPECT_TRUE(s.ok()) << s.error_message();
  return summary;
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
