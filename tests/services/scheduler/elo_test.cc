#include "services/scheduler/elo.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace shammie::scheduler {
namespace {

// Expected win counts for known Elo scores: the MLE of exact expectations is
// the truth itself, so the fit must recover it to numerical precision.
std::vector<PairCount> ExpectedCounts(const std::map<std::string, double>& truth, double games) {
  std::vector<PairCount> out;
  for (const auto& [a, ea] : truth) {
    for (const auto& [b, eb] : truth) {
      if (a >= b) continue;
      double p = 1.0 / (1.0 + std::pow(10.0, -(ea - eb) / 400.0));
      out.push_back({a, b, games * p});
      out.push_back({b, a, games * (1 - p)});
    }
  }
  return out;
}

TEST(EloTest, WinProbabilityMatchesTheEloFormula) {
  EXPECT_DOUBLE_EQ(EloWinProbability(0), 0.5);
  EXPECT_NEAR(EloWinProbability(400), 10.0 / 11.0, 1e-12);
  EXPECT_NEAR(EloWinProbability(-400), 1.0 / 11.0, 1e-12);
}

TEST(EloTest, RecoversKnownScoresFromExpectedCounts) {
  std::map<std::string, double> truth = {{"p0", 0}, {"p1", 120}, {"p2", 310}, {"p3", -90}};
  EloOptions opts;
  opts.prior_sd = 0;
  auto fit = FitElo({"p0", "p1", "p2", "p3"}, ExpectedCounts(truth, 200), opts);
  ASSERT_TRUE(fit.ok()) << fit.status();
  for (const auto& [name, elo] : truth) {
    EXPECT_NEAR(fit->at(name).elo, elo, 1e-4) << name;
    EXPECT_EQ(fit->at(name).games, 600);
  }
  EXPECT_EQ(fit->at("p0").stderr_elo, 0);  // the anchor
  EXPECT_GT(fit->at("p2").stderr_elo, 0);
}

TEST(EloTest, ConfidenceIntervalMatchesFisherInformationForTwoPlayers) {
  // Two players, n games, p = P(B beats A): Var(ΔElo) = 1 / (n p (1−p) s²),
  // s = ln 10 / 400.
  const double n = 400, delta = 100;
  auto fit = FitElo({"a", "b"}, ExpectedCounts({{"a", 0}, {"b", delta}}, n), {/*prior_sd=*/0});
  ASSERT_TRUE(fit.ok()) << fit.status();
  double p = EloWinProbability(delta), s = std::log(10.0) / 400;
  double se = 1 / std::sqrt(n * p * (1 - p) * s * s);
  EXPECT_NEAR(fit->at("b").elo, delta, 1e-6);
  EXPECT_NEAR(fit->at("b").stderr_elo, se, 1e-6);
  EXPECT_NEAR(fit->at("b").ci_high - fit->at("b").elo, 1.96 * se, 0.01 * se);
  EXPECT_NEAR(fit->at("b").elo - fit->at("b").ci_low, 1.96 * se, 0.01 * se);
}

TEST(EloTest, SampledGamesLandInsideTheInterval) {
  // Simulated binomial outcomes: each estimate within its own 99.9% interval.
  std::map<std::string, double> truth = {{"s0", 0}, {"s1", 150}, {"s2", 260}};
  std::mt19937_64 rng(7);
  std::vector<PairCount> counts;
  for (const auto& [a, ea] : truth) {
    for (const auto& [b, eb] : truth) {
      if (a >= b) continue;
      std::binomial_distribution<int> wins(300, EloWinProbability(ea - eb));
      int w = wins(rng);
      counts.push_back({a, b, double(w)});
      counts.push_back({b, a, double(300 - w)});
    }
  }
  EloOptions opts;
  opts.confidence = 0.999;
  auto fit = FitElo({"s0", "s1", "s2"}, counts, opts);
  ASSERT_TRUE(fit.ok()) << fit.status();
  for (const auto& [name, elo] : truth) {
    EXPECT_LE(fit->at(name).ci_low, elo) << name;
    EXPECT_GE(fit->at(name).ci_high, elo) << name;
  }
  EXPECT_LT(fit->at("s1").elo, fit->at("s2").elo);
}

TEST(EloTest, AnchorIsTheFirstSnapshotInOrderThatHasGames) {
  auto fit = FitElo({"never-played", "new", "old"},
                    ExpectedCounts({{"old", 0}, {"new", 200}}, 100), {/*prior_sd=*/0});
  ASSERT_TRUE(fit.ok());
  EXPECT_EQ(fit->count("never-played"), 0);
  EXPECT_NEAR(fit->at("new").elo, 0, 1e-9);
  EXPECT_NEAR(fit->at("old").elo, -200, 1e-4);
}

TEST(EloTest, UnidentifiableWithoutPriorIsFailedPrecondition) {
  std::vector<PairCount> sweep = {{"b", "a", 10}};  // b won every game
  auto fit = FitElo({"a", "b"}, sweep, {/*prior_sd=*/0});
  EXPECT_EQ(fit.status().code(), absl::StatusCode::kFailedPrecondition);
  // The default weak prior keeps it finite and ordered.
  auto with_prior = FitElo({"a", "b"}, sweep);
  ASSERT_TRUE(with_prior.ok()) << with_prior.status();
  EXPECT_GT(with_prior->at("b").elo, 300);
  EXPECT_TRUE(std::isfinite(with_prior->at("b").ci_high));
}

TEST(EloTest, SplitGraphWithoutPriorIsFailedPrecondition) {
  std::vector<PairCount> split = {{"a", "b", 3}, {"b", "a", 2}, {"c", "d", 3}, {"d", "c", 4}};
  EXPECT_EQ(FitElo({"a", "b", "c", "d"}, split, {0}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(EloTest, BadCountsAreInvalidArgument) {
  EXPECT_EQ(FitElo({}, {{"a", "a", 1}}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FitElo({}, {{"a", "b", -1}}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EloTest, PairFromComparisonUsesPreferenceAndSkipsSameSnapshot) {
  v1::Comparison c;
  c.mutable_response_a()->set_policy("policy-0001");
  c.mutable_response_b()->set_policy("policy-0002");
  c.set_preference(3);
  PairCount p;
  ASSERT_TRUE(PairFromComparison(c, &p));
  EXPECT_EQ(p.winner, "policy-0001");
  c.set_preference(5);
  ASSERT_TRUE(PairFromComparison(c, &p));
  EXPECT_EQ(p.winner, "policy-0002");
  EXPECT_EQ(p.loser, "policy-0001");
  c.mutable_response_b()->set_policy("policy-0001");
  EXPECT_FALSE(PairFromComparison(c, &p));
  c.mutable_response_b()->clear_policy();
  EXPECT_FALSE(PairFromComparison(c, &p));
}

}  // namespace
}  // namespace shammie::scheduler
