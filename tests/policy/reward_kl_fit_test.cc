#include "policy/reward_kl_fit.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace shammie::policy {
namespace {

TEST(RewardKlFitTest, RecoversExactLine) {
  std::vector<RewardKlPoint> pts;
  for (double kl : {0.0, 0.25, 1.0, 4.0, 9.0}) pts.push_back({kl, 1.0 + 2.0 * std::sqrt(kl)});
  absl::StatusOr<RewardKlFit> f = FitRewardVsSqrtKl(pts);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_NEAR(f->a, 1.0, 1e-12);
  EXPECT_NEAR(f->b, 2.0, 1e-12);
  EXPECT_NEAR(f->r2, 1.0, 1e-12);
  EXPECT_EQ(f->points, 5);
}

// sqrt(KL) = 0, 1, 2 and reward 0, 2, 3: b = Sxy/Sxx = 3/2, a = 5/3 − 3/2 = 1/6,
// SS_res = 1/6, SS_tot = 14/3 → R² = 1 − 1/28.
TEST(RewardKlFitTest, MatchesHandComputedLeastSquares) {
  absl::StatusOr<RewardKlFit> f = FitRewardVsSqrtKl({{0, 0}, {1, 2}, {4, 3}});
  ASSERT_TRUE(f.ok());
  EXPECT_NEAR(f->a, 1.0 / 6, 1e-12);
  EXPECT_NEAR(f->b, 1.5, 1e-12);
  EXPECT_NEAR(f->r2, 1.0 - 1.0 / 28, 1e-12);
}

TEST(RewardKlFitTest, SkipsNonFiniteAndClampsNegativeKl) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  absl::StatusOr<RewardKlFit> f = FitRewardVsSqrtKl({{-0.01, 0}, {1, 2}, {nan, 5}, {4, 4}});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->points, 3);
  EXPECT_NEAR(f->b, 2.0, 1e-12);
  EXPECT_NEAR(f->a, 0.0, 1e-12);
}

TEST(RewardKlFitTest, TooFewPointsOrNoSpreadIsFailedPrecondition) {
  EXPECT_EQ(FitRewardVsSqrtKl({{1, 1}}).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FitRewardVsSqrtKl({{1, 1}, {1, 2}}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace shammie::policy
