#include "sim/gold_evaluation.h"

#include "gtest/gtest.h"
#include "sim/gold_reward.h"
#include "sim/prompt.h"
#include "sim/task_generator.h"

namespace shammie::sim {
namespace {

TEST(GoldEvaluationTest, BestRepliesScoreTheBestRewardAndEmptyOnesMinusOne) {
  TaskGenerator oracle(0);
  auto best = [&](const std::string& dialog, uint64_t) -> absl::StatusOr<std::string> {
    auto human = LastHumanTurn(dialog);
    auto spec = ParsePrompt(*human);
    Prompt p{*spec, *human, dialog};
    return oracle.BestResponse(p);
  };
  auto mean = MeanGoldReward(best, {64, 1, 3});
  ASSERT_TRUE(mean.ok()) << mean.status();
  EXPECT_NEAR(*mean, kBestGoldReward, 1e-9);
  auto empty = MeanGoldReward([](const std::string&, uint64_t) -> absl::StatusOr<std::string> { return ""; },
                              {64, 1, 3});
  EXPECT_NEAR(*empty, -1.0, 1e-9);
}

TEST(GoldEvaluationTest, SamePromptsEveryCallAndErrorsPassThrough) {
  std::vector<std::string> first, second;
  auto record = [](std::vector<std::string>* out) {
    return [out](const std::string& dialog, uint64_t) -> absl::StatusOr<std::string> {
      out->push_back(dialog);
      return " ok.";
    };
  };
  ASSERT_TRUE(MeanGoldReward(record(&first), {16, 2, 9}).ok());
  ASSERT_TRUE(MeanGoldReward(record(&second), {16, 2, 9}).ok());
  EXPECT_EQ(first.size(), 32u);
  EXPECT_EQ(first, second);
  auto failing = [](const std::string&, uint64_t) -> absl::StatusOr<std::string> {
    return absl::UnavailableError("model gone");
  };
  EXPECT_EQ(MeanGoldReward(failing).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace shammie::sim
