// Each loss against values computed by hand (softplus(x) = log(1 + e^x)).
#include "reward_model/pm_losses.h"

#include "gtest/gtest.h"

namespace shammie::reward_model {
namespace {

double Item(const torch::Tensor& t) { return t.item<double>(); }

TEST(RankedLossTest, MatchesHandComputedBradleyTerry) {
  // mean(softplus(−2), softplus(0)) = (0.126928 + 0.693147) / 2
  auto loss = RankedLoss(torch::tensor({2.0, 0.0}), torch::tensor({0.0, 0.0}));
  EXPECT_NEAR(Item(loss), 0.4100375958014589, 1e-6);
}

TEST(RankedLossTest, WeightsByStrength) {
  // (3·softplus(−2) + 1·softplus(0)) / 4
  auto loss = RankedLoss(torch::tensor({2.0, 0.0}), torch::tensor({0.0, 0.0}),
                         StrengthWeights({3, 1}));
  EXPECT_NEAR(Item(loss), 0.2684828034222157, 1e-6);
}

TEST(RankedLossTest, StableForHugeMargins) {
  auto loss = RankedLoss(torch::tensor({-200.0}), torch::tensor({200.0}));
  EXPECT_NEAR(Item(loss), 400.0, 1e-3);
  EXPECT_NEAR(Item(RankedLoss(torch::tensor({200.0}), torch::tensor({-200.0}))), 0.0, 1e-9);
}

TEST(RankedLossTest, GradientPushesGoodUpAndBadDown) {
  auto good = torch::tensor({0.5}, torch::requires_grad());
  auto bad = torch::tensor({0.5}, torch::requires_grad());
  RankedLoss(good, bad).backward();
  // d/dr_good = −σ(r_bad − r_good) = −0.5
  EXPECT_NEAR(Item(good.grad()[0]), -0.5, 1e-6);
  EXPECT_NEAR(Item(bad.grad()[0]), 0.5, 1e-6);
}

TEST(KwiseLossTest, AveragesAllPairsOfARanking) {
  // ranking scores 3 > 1 > 0: pairs margins 2, 3, 1.
  auto loss = KwiseLoss(torch::tensor({{3.0, 1.0, 0.0}}));
  EXPECT_NEAR(Item(loss), 0.16292568337831248, 1e-6);
}

TEST(KwiseLossTest, PaddingIsIgnored) {
  auto valid = torch::tensor({{true, true, false}});
  auto loss = KwiseLoss(torch::tensor({{3.0, 1.0, 100.0}}), valid);
  EXPECT_NEAR(Item(loss), 0.1269280110429725, 1e-6);  // softplus(−2)
}

TEST(KwiseLossTest, TwoResponsesEqualTheRankedLoss) {
  auto scores = torch::tensor({{0.3, 1.2}, {2.0, -1.0}});
  EXPECT_NEAR(Item(KwiseLoss(scores)),
              Item(RankedLoss(scores.select(1, 0), scores.select(1, 1))), 1e-6);
}

TEST(KwiseLossTest, EachRankingWeighsTheSameWhateverItsLength) {
  // Element 0: 2 valid responses (1 pair); element 1: 3 (3 pairs).
  auto scores = torch::tensor({{1.0, 0.0, 0.0}, {3.0, 1.0, 0.0}});
  auto valid = torch::tensor({{true, true, false}, {true, true, true}});
  const double expected = 0.5 * (std::log1p(std::exp(-1.0)) + 0.16292568337831248);
  EXPECT_NEAR(Item(KwiseLoss(scores, valid)), expected, 1e-6);
}

TEST(BinaryDiscriminationLossTest, ClassifiesEachResponseAlone) {
  // 0.5·(softplus(−1) + softplus(−1))
  auto loss = BinaryDiscriminationLoss(torch::tensor({1.0}), torch::tensor({-1.0}));
  EXPECT_NEAR(Item(loss), 0.31326168751822286, 1e-6);
  // Unlike the ranked loss, shifting both scores changes it.
  auto shifted = BinaryDiscriminationLoss(torch::tensor({3.0}), torch::tensor({1.0}));
  EXPECT_GT(std::abs(Item(shifted) - Item(loss)), 0.1);
}

TEST(ImitationLossTest, CrossEntropyOnMaskedTokensOnly) {
  // Uniform logits over V = 4: −log(1/4) on every counted token.
  auto logits = torch::zeros({1, 3, 4});
  logits[0][0][2] = 100.0;  // a confident wrong guess at a masked-out position
  auto targets = torch::tensor({{1L, 3L, 0L}});
  auto mask = torch::tensor({{0.0, 1.0, 1.0}});
  EXPECT_NEAR(Item(ImitationLoss(logits, targets, mask)), std::log(4.0), 1e-6);
}

TEST(ImitationLossTest, PerfectPredictionCostsNothing) {
  auto logits = torch::full({1, 2, 3}, -50.0);
  logits[0][0][1] = 50.0;
  logits[0][1][2] = 50.0;
  auto loss = ImitationLoss(logits, torch::tensor({{1L, 2L}}), torch::ones({1, 2}));
  EXPECT_NEAR(Item(loss), 0.0, 1e-6);
}

}  // namespace
}  // namespace shammie::reward_model
