#include "sim/simulated_labeler.h"

#include <map>

#include "gtest/gtest.h"

namespace shammie::sim {
namespace {

double MeasuredAgreement(SimulatedLabeler& labeler, const std::vector<ComparisonPair>& pairs) {
  int agree = 0;
  for (const ComparisonPair& p : pairs) {
    const int pref = labeler.Choose(p.context, p.a, p.b);
    EXPECT_GE(pref, 1);
    EXPECT_LE(pref, 8);
    agree += SimulatedLabeler::PrefersA(pref) == (p.gold_a > p.gold_b);
  }
  return static_cast<double>(agree) / pairs.size();
}

TEST(SimulatedLabelerTest, AgreesWithGoldAboutSeventyPercent) {
  // Pairs from a seed other than the calibration seed.
  const auto pairs = PairGenerator(/*seed=*/2).Take(20000);
  SimulatedLabeler labeler({kDefaultLabelerTemperature, /*seed=*/5});
  const double agreement = MeasuredAgreement(labeler, pairs);
  std::printf("{\"labeler_agreement\": %.4f}\n", agreement);
  EXPECT_NEAR(agreement, 0.70, 0.015);
  EXPECT_NEAR(ExpectedAgreement(pairs, kDefaultLabelerTemperature), 0.70, 0.01);
}

TEST(SimulatedLabelerTest, TemperatureControlsNoise) {
  const auto pairs = PairGenerator(3).Take(5000);
  SimulatedLabeler sharp({0.01, 1});
  EXPECT_GT(MeasuredAgreement(sharp, pairs), 0.99);
  SimulatedLabeler coin({1000.0, 1});
  EXPECT_NEAR(MeasuredAgreement(coin, pairs), 0.5, 0.03);
}

TEST(SimulatedLabelerTest, CalibrationFindsTheDefaultTemperature) {
  const auto pairs = PairGenerator(1).Take(20000);
  const double t = CalibrateTemperature(pairs, 0.70);
  EXPECT_NEAR(t, kDefaultLabelerTemperature, 0.01);
  EXPECT_NEAR(ExpectedAgreement(pairs, t), 0.70, 1e-6);
}

TEST(SimulatedLabelerTest, StrengthFollowsConfidenceAndSeedRepeats) {
  SimulatedLabeler a({1.0, 7}), b({1.0, 7});
  std::map<int, int> counts;
  for (int i = 0; i < 2000; ++i) {
    const int pa = a.ChooseByGold(1.0, -1.25);  // p(A) = σ(2.25) ≈ 0.905
    EXPECT_EQ(pa, b.ChooseByGold(1.0, -1.25));
    ++counts[pa];
  }
  // Picking A is "much better" (1); picking B against the odds only "slightly" (5).
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_NEAR(counts[1] / 2000.0, 0.905, 0.02);
  EXPECT_NEAR(counts[5] / 2000.0, 0.095, 0.02);
  EXPECT_DOUBLE_EQ(SimulatedLabeler::ProbabilityAPreferred(0.5, 0.5, 1.0), 0.5);
}

}  // namespace
}  // namespace shammie::sim
