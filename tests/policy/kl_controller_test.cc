#include "policy/kl_controller.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace shammie::policy {
namespace {

TEST(KlControllerTest, FixedNeverMoves) {
  KlController c({/*initial_beta=*/0.1, /*kl_target=*/0, /*horizon=*/10000});
  EXPECT_FALSE(c.adaptive());
  c.Update(/*kl=*/50, /*n_episodes=*/256);
  EXPECT_DOUBLE_EQ(c.beta(), 0.1);
}

// β ← β·(1 + clip(KL/target − 1, ±0.2)·n/horizon), target 6, n 256, horizon 1e4.
TEST(KlControllerTest, AdaptiveFollowsZieglerFormulaWithClip) {
  KlController c({0.1, 6.0, 10000});
  c.Update(6.6, 256);  // e = 0.1
  double want = 0.1 * (1 + 0.1 * 256 / 10000.0);
  EXPECT_NEAR(c.beta(), want, 1e-15);
  c.Update(60, 256);   // e = 9 → clipped to 0.2
  want *= 1 + 0.2 * 256 / 10000.0;
  EXPECT_NEAR(c.beta(), want, 1e-15);
  c.Update(0, 1000);   // e = −1 → clipped to −0.2
  want *= 1 - 0.2 * 1000 / 10000.0;
  EXPECT_NEAR(c.beta(), want, 1e-15);
  c.Update(6, 1000);   // on target: e = 0
  EXPECT_NEAR(c.beta(), want, 1e-15);
  c.Update(std::numeric_limits<double>::quiet_NaN(), 1000);
  EXPECT_NEAR(c.beta(), want, 1e-15);
}

TEST(KlControllerTest, ValidateNamesTheField) {
  absl::Status s = KlController::Validate({-1, 0, 10000});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("kl_coef"), std::string::npos);
  s = KlController::Validate({0.1, 6, 0});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("kl_horizon"), std::string::npos);
  s = KlController::Validate({0.1, std::numeric_limits<double>::infinity(), 100});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("kl_target"), std::string::npos);
  EXPECT_TRUE(KlController::Validate({0.1, 0, 0}).ok());  // fixed β ignores the horizon
}

}  // namespace
}  // namespace shammie::policy
