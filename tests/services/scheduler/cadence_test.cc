#include "services/scheduler/cadence.h"

#include "common/clock.h"
#include "gtest/gtest.h"

namespace shammie::scheduler {
namespace {

absl::Time At(const char* rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) << err;
  return t;
}

TEST(CadenceTest, DefaultIsWeeklyOnMondayMidnightUtc) {
  // 2026-11-28 is a Saturday; the next due time is Monday 2026-11-30 00:00 UTC.
  common::ManualClock clock(At("2026-11-28T10:00:00Z"));
  Cadence c = Cadence::StartingAt(CadenceState{}, clock.Now());
  EXPECT_EQ(c.NextFire(clock.Now()), At("2026-11-30T00:00:00Z"));
  EXPECT_EQ(c.NextDueAfter(At("2026-11-30T00:00:00Z")), At("2026-12-07T00:00:00Z"));
  EXPECT_EQ(absl::FormatTime("%A %H:%M", c.NextFire(clock.Now()), absl::UTCTimeZone()),
            "Monday 00:00");
}

TEST(CadenceTest, FiresOncePerDueTime) {
  common::ManualClock clock(At("2026-11-28T10:00:00Z"));
  Cadence c = Cadence::StartingAt(CadenceState{}, clock.Now());
  EXPECT_FALSE(c.ConsumeDue(clock.Now()));  // creating a schedule never fires
  clock.Set(At("2026-11-29T23:59:59Z"));
  EXPECT_FALSE(c.ConsumeDue(clock.Now()));
  clock.Set(At("2026-11-30T00:00:00Z"));
  EXPECT_TRUE(c.ConsumeDue(clock.Now()));
  EXPECT_FALSE(c.ConsumeDue(clock.Now()));
  clock.Advance(absl::Hours(1));
  EXPECT_FALSE(c.ConsumeDue(clock.Now()));
  EXPECT_EQ(c.NextFire(clock.Now()), At("2026-12-07T00:00:00Z"));
  clock.Set(At("2026-12-07T00:00:01Z"));
  EXPECT_TRUE(c.ConsumeDue(clock.Now()));
}

TEST(CadenceTest, DowntimeAcrossManyPeriodsFiresOnce) {
  CadenceState s;
  s.period = absl::Seconds(30);
  s.anchor = At("2026-11-28T00:00:00Z");
  common::ManualClock clock(At("2026-11-28T00:00:05Z"));
  Cadence c = Cadence::StartingAt(s, clock.Now());
  // "Down" for ten periods: the state is all that survives (it is persisted).
  CadenceState persisted = c.state();
  clock.Advance(absl::Seconds(300));
  Cadence restarted(persisted);
  EXPECT_EQ(restarted.NextFire(clock.Now()), At("2026-11-28T00:05:00Z"));  // overdue: now
  EXPECT_TRUE(restarted.ConsumeDue(clock.Now()));
  EXPECT_FALSE(restarted.ConsumeDue(clock.Now()));  // not once per missed period
  EXPECT_EQ(restarted.NextFire(clock.Now()), At("2026-11-28T00:05:30Z"));
  clock.Set(At("2026-11-28T00:05:29Z"));
  EXPECT_FALSE(restarted.ConsumeDue(clock.Now()));
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(restarted.ConsumeDue(clock.Now()));
}

TEST(CadenceTest, PauseSuppressesAndResumeSkipsPausedDueTimes) {
  CadenceState s;
  s.period = absl::Minutes(1);
  s.anchor = At("2026-11-28T00:00:00Z");
  common::ManualClock clock(At("2026-11-28T00:00:10Z"));
  Cadence c = Cadence::StartingAt(s, clock.Now());
  c.Pause();
  EXPECT_EQ(c.NextFire(clock.Now()), absl::InfiniteFuture());
  clock.Advance(absl::Minutes(5));
  EXPECT_FALSE(c.ConsumeDue(clock.Now()));
  c.Resume(clock.Now());  // 00:05:10
  EXPECT_FALSE(c.ConsumeDue(clock.Now()));
  EXPECT_EQ(c.NextFire(clock.Now()), At("2026-11-28T00:06:00Z"));
  clock.Set(At("2026-11-28T00:06:00Z"));
  EXPECT_TRUE(c.ConsumeDue(clock.Now()));
}

TEST(CadenceTest, DueTimesBeforeTheAnchorAreOnTheSameGrid) {
  CadenceState s;
  s.period = absl::Hours(1);
  s.anchor = At("2026-11-28T12:30:00Z");
  Cadence c(s);
  EXPECT_EQ(c.LatestDueAtOrBefore(At("2026-11-28T10:45:00Z")), At("2026-11-28T10:30:00Z"));
  EXPECT_EQ(c.LatestDueAtOrBefore(At("2026-11-28T10:30:00Z")), At("2026-11-28T10:30:00Z"));
  EXPECT_EQ(c.NextDueAfter(At("2026-11-28T10:30:00Z")), At("2026-11-28T11:30:00Z"));
}

TEST(CadenceTest, ResetNeverFiresAtOnce) {
  common::ManualClock clock(At("2026-11-28T10:00:00Z"));
  Cadence c = Cadence::StartingAt(CadenceState{}, clock.Now());
  c.Reset(absl::Seconds(30), At("2026-11-28T00:00:00Z"), clock.Now());
  EXPECT_FALSE(c.ConsumeDue(clock.Now()));
  clock.Advance(absl::Seconds(30));
  EXPECT_TRUE(c.ConsumeDue(clock.Now()));
}

TEST(ParsePeriodTest, AcceptsUnitsIncludingDaysAndWeeks) {
  EXPECT_EQ(*ParsePeriod("30s", "period"), absl::Seconds(30));
  EXPECT_EQ(*ParsePeriod("90m", "period"), absl::Minutes(90));
  EXPECT_EQ(*ParsePeriod("1h30m", "period"), absl::Minutes(90));
  EXPECT_EQ(*ParsePeriod("7d", "period"), absl::Hours(168));
  EXPECT_EQ(*ParsePeriod("2w", "period"), absl::Hours(336));
  EXPECT_EQ(*ParsePeriod("1d12h", "period"), absl::Hours(36));
  EXPECT_EQ(FormatPeriod(absl::Hours(36)), "1d12h");
  EXPECT_EQ(FormatPeriod(absl::Seconds(30)), "30s");
}

TEST(ParsePeriodTest, RejectsMalformedWithFieldName) {
  for (const char* bad : {"", "30", "s", "-5s", "0s", "3x", "7dd"}) {
    auto p = ParsePeriod(bad, "--period");
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(p.status().message().find("--period"), absl::string_view::npos);
  }
}

TEST(ParseAnchorTest, Rfc3339) {
  EXPECT_EQ(*ParseAnchor("2026-11-30T00:00:00Z", "anchor"), At("2026-11-30T00:00:00Z"));
  auto bad = ParseAnchor("next monday", "--anchor");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("--anchor"), absl::string_view::npos);
}

}  // namespace
}  // namespace shammie::scheduler
