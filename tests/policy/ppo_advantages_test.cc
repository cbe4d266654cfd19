#include "policy/ppo_advantages.h"

#include "gtest/gtest.h"

namespace shammie::policy {
namespace {

torch::Tensor T2(std::vector<std::vector<double>> rows) {
  std::vector<torch::Tensor> ts;
  for (auto& r : rows) ts.push_back(torch::tensor(r, torch::kDouble));
  return torch::stack(ts);  // (B, T)
}

void ExpectNear(const torch::Tensor& got, const torch::Tensor& want, double tol = 1e-9) {
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_TRUE(torch::allclose(got, want, /*rtol=*/0, /*atol=*/tol))
      << "got\n" << got << "\nwant\n" << want;
}

// Hand-computed, γ = 1, λ = 0.95.
//   row 0: r = [0, 0, 1], V = [.5, .6, .7], all real.
//     δ2 = 1 − .7 = .3;           A2 = .3
//     δ1 = .7 − .6 = .1;          A1 = .1 + .95·.3   = .385
//     δ0 = .6 − .5 = .1;          A0 = .1 + .95·.385 = .46575
//   row 1: r = [0, 2, 9], V = [1, .5, 7], last token is padding (its 9 and 7
//     must be ignored).  δ1 = 2 − .5 = 1.5;  A1 = 1.5;  δ0 = .5 − 1 = −.5;
//     A0 = −.5 + .95·1.5 = .925
TEST(GaeTest, MatchesHandComputedValuesWithPadding) {
  Advantages a = ComputeGae(T2({{0, 0, 1}, {0, 2, 9}}), T2({{.5, .6, .7}, {1, .5, 7}}),
                            T2({{1, 1, 1}, {1, 1, 0}}), /*gamma=*/1.0, /*lam=*/0.95);
  ExpectNear(a.advantages, T2({{.46575, .385, .3}, {.925, 1.5, 0}}));
  ExpectNear(a.returns, T2({{.96575, .985, 1.0}, {1.925, 2.0, 0}}));
}

// γ = .9: δ1 = .9·.7 − .6 = .03;  A1 = .03 + .9·.95·.3 = .2865;
//         δ0 = .9·.6 − .5 = .04;  A0 = .04 + .855·.2865 = .2849575
TEST(GaeTest, AppliesGammaToBootstrapAndTrace) {
  Advantages a = ComputeGae(T2({{0, 0, 1}}), T2({{.5, .6, .7}}), T2({{1, 1, 1}}), 0.9, 0.95);
  ExpectNear(a.advantages, T2({{.2849575, .2865, .3}}));
}

// λ = 1, γ = 1: the advantage is the Monte-Carlo return minus the value.
TEST(GaeTest, LambdaOneIsReturnMinusValue) {
  torch::Tensor r = T2({{0.5, -1, 2, 0}});
  torch::Tensor v = T2({{0.1, 0.2, 0.3, 0.4}});
  Advantages a = ComputeGae(r, v, torch::ones_like(r), 1.0, 1.0);
  ExpectNear(a.returns, T2({{1.5, 1, 2, 0}}));
}

TEST(GaeTest, RejectsMismatchedShapes) {
  EXPECT_THROW(ComputeGae(torch::zeros({2, 3}), torch::zeros({2, 4}), torch::ones({2, 3}), 1, .95),
               c10::Error);
}

// Real tokens 1, 2, 3, 4: mean 2.5, population variance 1.25.
TEST(WhitenTest, ZeroMeanUnitVarianceOverRealTokensOnly) {
  torch::Tensor x = T2({{1, 2, 3}, {4, 100, -50}});
  torch::Tensor mask = T2({{1, 1, 1}, {1, 0, 0}});
  torch::Tensor w = Whiten(x, mask);
  const double s = std::sqrt(1.25 + 1e-8);
  ExpectNear(w, T2({{-1.5 / s, -0.5 / s, 0.5 / s}, {1.5 / s, 0, 0}}));
  EXPECT_NEAR(MaskedMean(w, mask).item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(MaskedVar(w, mask).item<double>(), 1.0, 1e-6);
}

TEST(WhitenTest, KeepsMeanWhenAsked) {
  torch::Tensor x = T2({{1, 2, 3, 4}});
  torch::Tensor w = Whiten(x, torch::ones_like(x), /*shift_mean=*/false);
  EXPECT_NEAR(w.mean().item<double>(), 2.5, 1e-12);
  EXPECT_NEAR(MaskedVar(w, torch::ones_like(x)).item<double>(), 1.0, 1e-6);
}

}  // namespace
}  // namespace shammie::policy
