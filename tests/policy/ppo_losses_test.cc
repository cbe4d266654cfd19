#include "policy/ppo_losses.h"

#include <cmath>

#include "gtest/gtest.h"

namespace shammie::policy {
namespace {

// Four tokens, ε = 0.2, ρ = exp(logp − old):
//   A = +1, ρ = 1.5: −1.5 vs −1.2 → −1.2 (clipped: no gradient)
//   A = +1, ρ = 0.5: −0.5 vs −0.8 → −0.5 (unclipped)
//   A = −1, ρ = 1.5:  1.5 vs  1.2 →  1.5 (unclipped)
//   A = −1, ρ = 0.5:  0.5 vs  0.8 →  0.8 (clipped: no gradient)
// loss = (−1.2 − 0.5 + 1.5 + 0.8) / 4 = 0.15; clip fraction 0.5;
// ∂loss/∂logp = −A·ρ/4 on unclipped tokens: [0, −0.125, 0.375, 0].
TEST(ClippedPolicyLossTest, ClipsBothSidesAndStopsGradient) {
  torch::Tensor old = torch::zeros({1, 4}, torch::kDouble);  // (B, T)
  torch::Tensor logp = torch::tensor({{std::log(1.5), std::log(0.5), std::log(1.5), std::log(0.5)}},
                                     torch::kDouble)
                           .requires_grad_(true);  // (B, T)
  torch::Tensor adv = torch::tensor({{1.0, 1.0, -1.0, -1.0}}, torch::kDouble);  // (B, T)
  PolicyLoss l = ClippedPolicyLoss(logp, old, adv, torch::ones_like(adv), 0.2);
  EXPECT_NEAR(l.loss.item<double>(), 0.15, 1e-12);
  EXPECT_NEAR(l.clip_fraction.item<double>(), 0.5, 1e-12);
  // (ρ − 1) − log ρ: 0.5 − ln 1.5 and −0.5 + ln 2, twice each.
  EXPECT_NEAR(l.approx_kl.item<double>(),
              ((0.5 - std::log(1.5)) + (-0.5 + std::log(2.0))) / 2, 1e-12);
  l.loss.backward();
  EXPECT_TRUE(torch::allclose(logp.grad(), torch::tensor({{0.0, -0.125, 0.375, 0.0}}, torch::kDouble),
                              0, 1e-12))
      << logp.grad();
}

TEST(ClippedPolicyLossTest, PaddingDoesNotCount) {
  torch::Tensor old = torch::zeros({1, 2}, torch::kDouble);
  torch::Tensor logp = torch::tensor({{0.0, 5.0}}, torch::kDouble);
  torch::Tensor adv = torch::tensor({{2.0, 100.0}}, torch::kDouble);
  torch::Tensor mask = torch::tensor({{1.0, 0.0}}, torch::kDouble);
  PolicyLoss l = ClippedPolicyLoss(logp, old, adv, mask, 0.2);
  EXPECT_NEAR(l.loss.item<double>(), -2.0, 1e-12);
  EXPECT_NEAR(l.clip_fraction.item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(l.approx_kl.item<double>(), 0.0, 1e-12);
}

// V_old = 0, R = 1, ε_v = 0.2:
//   V = 0.5:  (−.5)² = .25 vs (.2 − 1)² = .64  → .64 (clipped: no gradient)
//   V = −0.1: 1.21 vs 1.21 (inside the clip)    → 1.21
//   V = 1.0:  0 vs .64                          → .64 (clipped)
//   V = 0.1:  .81 vs .81                         → .81
// loss = ½·(.64 + 1.21 + .64 + .81)/4 = .4125; clip fraction .5;
// ∂loss/∂V(−0.1) = ½·2·(−1.1)/4 = −.275, ∂loss/∂V(0.1) = −.225.
TEST(ClippedValueLossTest, ClipsAroundOldValue) {
  torch::Tensor v = torch::tensor({{0.5, -0.1, 1.0, 0.1}}, torch::kDouble).requires_grad_(true);
  torch::Tensor old = torch::zeros({1, 4}, torch::kDouble);
  torch::Tensor ret = torch::ones({1, 4}, torch::kDouble);
  ValueLoss l = ClippedValueLoss(v, old, ret, torch::ones_like(ret), 0.2);
  EXPECT_NEAR(l.loss.item<double>(), 0.4125, 1e-12);
  EXPECT_NEAR(l.clip_fraction.item<double>(), 0.5, 1e-12);
  l.loss.backward();
  EXPECT_TRUE(torch::allclose(v.grad(), torch::tensor({{0.0, -0.275, 0.0, -0.225}}, torch::kDouble),
                              0, 1e-12))
      << v.grad();
}

TEST(ExplainedVarianceTest, OneForPerfectZeroForConstantNanForFlatReturns) {
  torch::Tensor ret = torch::tensor({{1.0, 2.0, 3.0, 40.0}}, torch::kDouble);
  torch::Tensor mask = torch::tensor({{1.0, 1.0, 1.0, 0.0}}, torch::kDouble);
  EXPECT_NEAR(ExplainedVariance(ret, ret, mask).item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(ExplainedVariance(torch::full_like(ret, 7.0), ret, mask).item<double>(), 0.0, 1e-12);
  // V = R/2: Var[R − V] = Var[R]/4 = 1/6, Var[R] = 2/3 → 1 − (1/6)/(2/3) = .75.
  EXPECT_NEAR(ExplainedVariance(ret * 0.5, ret, mask).item<double>(), 0.75, 1e-12);
  EXPECT_TRUE(std::isnan(ExplainedVariance(ret, torch::ones_like(ret), mask).item<double>()));
}

TEST(MeanEntropyTest, AveragesRealTokens) {
  torch::Tensor h = torch::tensor({{1.0, 3.0}, {2.0, 100.0}}, torch::kDouble);
  torch::Tensor mask = torch::tensor({{1.0, 1.0}, {1.0, 0.0}}, torch::kDouble);
  EXPECT_NEAR(MeanEntropy(h, mask).item<double>(), 2.0, 1e-12);
}

}  // namespace
}  // namespace shammie::policy
