// Token buckets per key, on a manual clock.
#include "services/collector/rate_limiter.h"

#include "gtest/gtest.h"

namespace shammie::collector {
namespace {

TEST(RateLimiterTest, AllowsABurstThenTheSustainedRate) {
  common::ManualClock clock(absl::FromUnixSeconds(1'800'000'000));
  RateLimiter limiter({/*per_second=*/2, /*burst=*/3}, &clock);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit("alice").ok()) << i;
  absl::Status refused = limiter.Admit("alice");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RateLimiter::RetryAfterSeconds(refused), 1);
  clock.Advance(absl::Milliseconds(500));  // one token back at 2/s
  EXPECT_TRUE(limiter.Admit("alice").ok());
  EXPECT_FALSE(limiter.Admit("alice").ok());
  // Idle long enough, the bucket is full again, but never above the burst.
  clock.Advance(absl::Hours(1));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit("alice").ok()) << i;
  EXPECT_FALSE(limiter.Admit("alice").ok());
}

TEST(RateLimiterTest, KeysHaveSeparateBuckets) {
  common::ManualClock clock(absl::FromUnixSeconds(1'800'000'000));
  RateLimiter limiter({/*per_second=*/1, /*burst=*/1}, &clock);
  EXPECT_TRUE(limiter.Admit("alice").ok());
  EXPECT_FALSE(limiter.Admit("alice").ok());
  EXPECT_TRUE(limiter.Admit("bob").ok());
}

TEST(RateLimiterTest, RetryAfterRoundsUpTheWait) {
  common::ManualClock clock(absl::FromUnixSeconds(1'800'000'000));
  RateLimiter limiter({/*per_second=*/0.25, /*burst=*/1}, &clock);
  EXPECT_TRUE(limiter.Admit("k").ok());
  EXPECT_EQ(RateLimiter::RetryAfterSeconds(limiter.Admit("k")), 4);
}

TEST(RateLimiterTest, ZeroRateTurnsLimitingOff) {
  common::ManualClock clock(absl::FromUnixSeconds(1'800'000'000));
  RateLimiter limiter({/*per_second=*/0, /*burst=*/0}, &clock);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Admit("k").ok());
}

}  // namespace
}  // namespace shammie::collector
