#include "policy/ppo_rewards.h"

#include "gtest/gtest.h"

namespace shammie::policy {
namespace {

torch::Tensor T2(std::vector<std::vector<double>> rows) {
  std::vector<torch::Tensor> ts;
  for (auto& r : rows) ts.push_back(torch::tensor(r, torch::kDouble));
  return torch::stack(ts);  // (B, T)
}

// β = 0.1. row 0 (3 real tokens): kl = [.5, 0, −1] → r = [−.05, 0, .1 + 2].
// row 1 (2 real tokens): kl = [−.5, 0, (pad)] → r = [.05, 0 + (−1), 0].
TEST(KlPenalizedRewardsTest, PenaltyOnEveryTokenScoreOnLastRealToken) {
  KlPenalizedRewards r = ComputeKlPenalizedRewards(
      torch::tensor({2.0, -1.0}, torch::kDouble), T2({{-1, -2, -3}, {-1, -1, -5}}),
      T2({{-1.5, -2, -2}, {-0.5, -1, 0}}), T2({{1, 1, 1}, {1, 1, 0}}), /*beta=*/0.1);
  EXPECT_TRUE(torch::allclose(r.rewards, T2({{-0.05, 0, 2.1}, {0.05, -1, 0}}), 0, 1e-12))
      << r.rewards;
  EXPECT_TRUE(torch::allclose(r.kl, T2({{0.5, 0, -1}, {-0.5, 0, 0}}), 0, 1e-12)) << r.kl;
  EXPECT_TRUE(torch::allclose(r.episode_kl, torch::tensor({-0.5, -0.5}, torch::kDouble), 0, 1e-12));
}

TEST(KlPenalizedRewardsTest, ZeroBetaLeavesOnlyTheScore) {
  KlPenalizedRewards r = ComputeKlPenalizedRewards(
      torch::tensor({3.0}, torch::kDouble), T2({{-1, -9}}), T2({{-2, -1}}), T2({{1, 1}}), 0.0);
  EXPECT_TRUE(torch::allclose(r.rewards, T2({{0, 3}}), 0, 1e-12)) << r.rewards;
}

TEST(KlPenalizedRewardsTest, RejectsEmptyResponseAndBadShapes) {
  EXPECT_THROW(ComputeKlPenalizedRewards(torch::zeros({1}, torch::kDouble), T2({{0, 0}}),
                                         T2({{0, 0}}), T2({{0, 0}}), 0.1),
               c10::Error);
  EXPECT_THROW(ComputeKlPenalizedRewards(torch::zeros({2}, torch::kDouble), T2({{0, 0}}),
                                         T2({{0, 0}}), T2({{1, 1}}), 0.1),
               c10::Error);
}

}  // namespace
}  // namespace shammie::policy
