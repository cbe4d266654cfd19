#include "services/collector/task_leases.h"

#include <vector>

#include "gtest/gtest.h"

namespace shammie::collector {
namespace {

v1::LabelingTask Task(const std::string& id, uint32_t wanted, uint32_t received = 0) {
  v1::LabelingTask t;
  t.set_id(id);
  t.set_labels_wanted(wanted);
  t.set_labels_received(received);
  return t;
}

// A store of `tasks` in order: the first one `accept` takes.
auto FirstAccepted(const std::vector<v1::LabelingTask>& tasks) {
  return [tasks](const TaskLeases::Accept& accept) -> absl::StatusOr<v1::LabelingTask> {
    for (const auto& t : tasks) {
      if (accept(t)) return t;
    }
    return absl::NotFoundError("none");
  };
}

TEST(TaskLeasesTest, LeasedSlotsAreNotOfferedToOthersUntilReleaseOrExpiry) {
  TaskLeases leases(absl::Minutes(10));
  const absl::Time t0 = absl::FromUnixSeconds(1'000'000);
  std::vector<v1::LabelingTask> tasks = {Task("a", 1), Task("b", 2)};
  EXPECT_EQ(leases.Pick("ann", t0, FirstAccepted(tasks))->id(), "a");
  EXPECT_EQ(leases.Pick("bob", t0, FirstAccepted(tasks))->id(), "b");
  EXPECT_EQ(leases.Pick("cat", t0, FirstAccepted(tasks))->id(), "b");  // b wants two labels
  EXPECT_EQ(leases.Pick("dan", t0, FirstAccepted(tasks)).status().code(),
            absl::StatusCode::kNotFound);
  leases.Release("ann", "a");
  EXPECT_EQ(leases.Pick("dan", t0, FirstAccepted(tasks))->id(), "a");
  // Eleven minutes later every lease has expired.
  EXPECT_EQ(leases.Pick("eve", t0 + absl::Minutes(11), FirstAccepted(tasks))->id(), "a");
}

TEST(TaskLeasesTest, ALabelerHoldsOneLeaseAndAskingAgainKeepsOrMovesIt) {
  TaskLeases leases(absl::Minutes(10));
  const absl::Time t0 = absl::FromUnixSeconds(1'000'000);
  EXPECT_EQ(leases.Pick("ann", t0, FirstAccepted({Task("a", 1)}))->id(), "a");
  EXPECT_EQ(leases.Pick("ann", t0, FirstAccepted({Task("a", 1)}))->id(),
            "a");  // her own lease is no obstacle
  EXPECT_EQ(leases.Pick("ann", t0, FirstAccepted({Task("b", 1)}))->id(),
            "b");  // moves to b, frees a
  EXPECT_EQ(leases.Pick("bob", t0, FirstAccepted({Task("a", 1)}))->id(), "a");
  // Labels already received count too.
  EXPECT_EQ(leases.Pick("cat", t0, FirstAccepted({Task("c", 2, 1)}))->id(), "c");
  EXPECT_EQ(leases.Pick("dan", t0, FirstAccepted({Task("c", 2, 1)})).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace shammie::collector
