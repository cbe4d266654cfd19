// Evaluation arithmetic on inputs whose answers were worked out by hand.
#include "reward_model/pm_evaluation.h"

#include <cmath>

#include "gtest/gtest.h"

namespace shammie::reward_model {
namespace {

std::vector<ScoredPair> FourPairs() {
  return {
      {0.0, 0.0, true, "x", "simulated", 0},    // P(A>B)=0.5, tie: half right
      {2.0, 0.0, true, "x", "simulated", +1},   // P=σ(2)=0.8808, right
      {2.0, 0.0, false, "y", "human", +1},      // P=0.8808, wrong (gold right)
      {-1.0, 0.0, false, "y", "human", -1},     // P=σ(−1)=0.2689, right
  };
}

TEST(EvaluateTest, AccuracyLossAndGroups) {
  v1::PmReport r;
  Evaluate(FourPairs(), &r);
  EXPECT_EQ(r.test_comparisons(), 4u);
  EXPECT_DOUBLE_EQ(r.test_accuracy(), 0.625);
  // (log 2 + softplus(−2) + softplus(2) + softplus(−1)) / 4
  EXPECT_NEAR(r.test_loss(), 0.8150662225410283, 1e-9);
  EXPECT_DOUBLE_EQ(r.accuracy_by_labeler().at("x"), 0.75);
  EXPECT_DOUBLE_EQ(r.accuracy_by_labeler().at("y"), 0.5);
  EXPECT_DOUBLE_EQ(r.accuracy_by_source().at("simulated"), 0.75);
  EXPECT_DOUBLE_EQ(r.accuracy_by_source().at("human"), 0.5);
  EXPECT_DOUBLE_EQ(r.gold_accuracy(), 1.0);  // pair 1 has no gold order
}

TEST(EvaluateTest, EceAndReliabilityTable) {
  v1::PmReport r;
  Evaluate(FourPairs(), &r);
  ASSERT_EQ(r.reliability_size(), 10);
  // Bin 5 [0.5, 0.6): one pair, predicted 0.5, observed 1.
  EXPECT_EQ(r.reliability(5).count(), 1u);
  EXPECT_DOUBLE_EQ(r.reliability(5).predicted_low(), 0.5);
  EXPECT_DOUBLE_EQ(r.reliability(5).observed(), 1.0);
  // Bin 8 [0.8, 0.9): two pairs at σ(2), one chose A.
  EXPECT_EQ(r.reliability(8).count(), 2u);
  EXPECT_NEAR(r.reliability(8).mean_predicted(), 0.8807970779778823, 1e-12);
  EXPECT_DOUBLE_EQ(r.reliability(8).observed(), 0.5);
  // Bin 2 [0.2, 0.3): one pair at σ(−1), chose B.
  EXPECT_EQ(r.reliability(2).count(), 1u);
  EXPECT_DOUBLE_EQ(r.reliability(2).observed(), 0.0);
  EXPECT_EQ(r.reliability(0).count(), 0u);
  EXPECT_TRUE(std::isnan(r.reliability(0).observed()));
  // (1·0.5 + 2·0.3808 + 1·0.2689) / 4
  EXPECT_NEAR(r.ece(), 0.3826338943314399, 1e-9);
}

TEST(EvaluateTest, PerfectlyCalibratedHasZeroEce) {
  // σ(0) = 0.5 and half the labels choose A; σ(ln 3) = 0.75 and 3 of 4 do.
  std::vector<ScoredPair> pairs = {
      {0, 0, true}, {0, 0, false},
      {std::log(3.0), 0, true}, {std::log(3.0), 0, true},
      {std::log(3.0), 0, true}, {std::log(3.0), 0, false},
  };
  v1::PmReport r;
  Evaluate(pairs, &r);
  EXPECT_NEAR(r.ece(), 0.0, 1e-12);
  EXPECT_EQ(r.reliability(7).count(), 4u);
  EXPECT_DOUBLE_EQ(r.reliability(7).observed(), 0.75);
}

TEST(EvaluateTest, CertainPredictionsLandInTheLastBin) {
  v1::PmReport r;
  Evaluate({{100.0, 0.0, true}}, &r);
  EXPECT_EQ(r.reliability(9).count(), 1u);
  EXPECT_NEAR(r.ece(), 0.0, 1e-12);
  EXPECT_NEAR(r.test_loss(), 0.0, 1e-12);
}

TEST(EvaluateTest, EmptyInputGivesNaNNotZero) {
  v1::PmReport r;
  Evaluate({}, &r);
  EXPECT_EQ(r.test_comparisons(), 0u);
  EXPECT_TRUE(std::isnan(r.test_accuracy()));
  EXPECT_TRUE(std::isnan(r.ece()));
  EXPECT_TRUE(std::isnan(r.gold_accuracy()));
}

TEST(SigmoidTest, StableAtTheExtremes) {
  EXPECT_DOUBLE_EQ(Sigmoid(0), 0.5);
  EXPECT_NEAR(Sigmoid(-1000), 0.0, 1e-300);
  EXPECT_NEAR(NegLogSigmoid(-1000), 1000.0, 1e-9);
  EXPECT_NEAR(NegLogSigmoid(1000), 0.0, 1e-12);
  EXPECT_NEAR(NegLogSigmoid(0), std::log(2.0), 1e-15);
}

TEST(ScoreOffsetTest, MeanOfTheBasePolicyScores) {
  EXPECT_DOUBLE_EQ(ScoreOffset({1.0, 2.0, 6.0}), 3.0);
  EXPECT_DOUBLE_EQ(ScoreOffset({}), 0.0);
}

}  // namespace
}  // namespace shammie::reward_model
