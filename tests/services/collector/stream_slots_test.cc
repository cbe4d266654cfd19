// StreamSlots: the per-client limit on concurrent streams.
#include "services/collector/stream_slots.h"

#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace shammie::collector {
namespace {

TEST(StreamSlotsTest, RefusesPastTheLimitPerKeyAndFreesOnRelease) {
  StreamSlots slots(2, "Export");
  auto a1 = slots.Acquire("a");
  auto a2 = slots.Acquire("a");
  ASSERT_TRUE(a1.ok());
  ASSERT_TRUE(a2.ok());
  auto a3 = slots.Acquire("a");
  EXPECT_EQ(a3.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(a3.status().message(), "the limit is 2")) << a3.status();
  EXPECT_TRUE(slots.Acquire("b").ok());  // another client is not affected
  EXPECT_EQ(slots.Open("a"), 2);
  { auto released = std::move(*a1); }
  EXPECT_EQ(slots.Open("a"), 1);
  EXPECT_TRUE(slots.Acquire("a").ok());
}

TEST(StreamSlotsTest, MovedSlotReleasesOnce) {
  StreamSlots slots(1, "Export");
  std::optional<StreamSlots::Slot> held;
  {
    auto s = slots.Acquire("a");
    ASSERT_TRUE(s.ok());
    held.emplace(std::move(*s));
  }  // the moved-from slot must not release
  EXPECT_EQ(slots.Open("a"), 1);
  EXPECT_EQ(slots.Acquire("a").status().code(), absl::StatusCode::kResourceExhausted);
  held.reset();
  EXPECT_EQ(slots.Open("a"), 0);
}

TEST(StreamSlotsTest, ZeroMeansNoLimit) {
  StreamSlots slots(0, "Export");
  std::vector<StreamSlots::Slot> held;
  for (int i = 0; i < 100; ++i) {
    auto s = slots.Acquire("a");
    ASSERT_TRUE(s.ok());
    held.push_back(std::move(*s));
  }
}

}  // namespace
}  // namespace shammie::collector
