#include "sim/comparison_pairs.h"

#include <cmath>

#include "gtest/gtest.h"
#include "sim/gold_reward.h"

namespace shammie::sim {
namespace {

TEST(PairGeneratorTest, PairsAreDistinctUntiedAndCarryTheirGold) {
  PairGenerator gen(11);
  int a_better = 0;
  const auto pairs = gen.Take(3000);
  for (const ComparisonPair& p : pairs) {
    EXPECT_NE(p.a, p.b);
    EXPECT_GT(std::abs(p.gold_a - p.gold_b), 1e-9);
    EXPECT_DOUBLE_EQ(p.gold_a, GoldReward::Reward(p.context, p.a));
    EXPECT_DOUBLE_EQ(p.gold_b, GoldReward::Reward(p.context, p.b));
    a_better += p.gold_a > p.gold_b;
  }
  // The better response is on either side about equally often.
  EXPECT_NEAR(a_better / 3000.0, 0.5, 0.04);
}

TEST(PairGeneratorTest, SameSeedSamePairs) {
  auto a = PairGenerator(9).Take(100), b = PairGenerator(9).Take(100), c = PairGenerator(10).Take(100);
  int differ = 0;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(a[i].context, b[i].context);
    EXPECT_EQ(a[i].a, b[i].a);
    EXPECT_EQ(a[i].b, b[i].b);
    differ += a[i].context != c[i].context || a[i].a != c[i].a;
  }
  EXPECT_GT(differ, 50);
}

}  // namespace
}  // namespace shammie::sim
