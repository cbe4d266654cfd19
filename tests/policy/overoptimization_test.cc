#include "policy/overoptimization.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace shammie::policy {
namespace {

// window 1, patience 3, tolerance .05. Train rises 0.1 per step; test peaks
// at step 4 (0.4) and falls. Step 7 is the first with 3 steps since the peak,
// test 0.1 <= 0.35 and train 0.7 >= 0.45.
TEST(OverOptimizationTest, FiresWhenTestFallsWhileTrainRises) {
  OverOptimizationDetector d({/*window=*/1, /*patience=*/3, /*tolerance=*/0.05});
  const double test[] = {0.1, 0.2, 0.3, 0.4, 0.3, 0.2, 0.1, 0.0};
  uint32_t fired_at = 0;
  for (uint32_t s = 1; s <= 8; ++s) {
    if (d.Add(s, 0.1 * s, test[s - 1])) fired_at = s;
  }
  EXPECT_EQ(fired_at, 7u);
  EXPECT_TRUE(d.fired());
  EXPECT_EQ(d.parting_step(), 4u);
  EXPECT_EQ(d.detected_step(), 7u);
}

TEST(OverOptimizationTest, QuietWhileBothRiseOrBothFall) {
  OverOptimizationDetector both_rise({1, 3, 0.05});
  OverOptimizationDetector both_fall({1, 3, 0.05});
  for (uint32_t s = 1; s <= 20; ++s) {
    EXPECT_FALSE(both_rise.Add(s, 0.1 * s, 0.08 * s));
    // Test falls, but so does train: a worse policy, not over-optimization.
    EXPECT_FALSE(both_fall.Add(s, -0.1 * s, -0.1 * s + (s == 1 ? 1 : 0)));
  }
  EXPECT_FALSE(both_rise.fired());
  EXPECT_FALSE(both_fall.fired());
}

// Window 3 smooths a one-step dip that window 1 would flag after patience.
TEST(OverOptimizationTest, SmoothingIgnoresOneStepDips) {
  OverOptimizationDetector d({3, 2, 0.05});
  const double test[] = {0.1, 0.2, 0.3, 0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
  for (uint32_t s = 1; s <= 10; ++s) EXPECT_FALSE(d.Add(s, 0.1 * s, test[s - 1])) << s;
}

TEST(OverOptimizationTest, NoTestPmNeverFires) {
  OverOptimizationDetector d({1, 1, 0});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (uint32_t s = 1; s <= 10; ++s) EXPECT_FALSE(d.Add(s, s, nan));
  EXPECT_EQ(d.parting_step(), 0u);
}

}  // namespace
}  // namespace shammie::policy
