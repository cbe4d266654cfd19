// TaskLeases: soft, in-memory reservations of tasks handed out by NextTask.
//
// Without them, two labelers asking at the same moment get the same task,
// and a task with overlap 1 collects two labels while the next one waits.
// NextTask leases the task it returns to the caller for `ttl`; a task is
// offered to someone else only while labels_received + leases held by other
// labelers < labels_wanted. A labeler holds one lease at a time (asking again
// moves it); submitting or skipping releases it; an expired lease just stops
// counting. Leases are not stored: after a restart every task is free, which
// at worst gives a task one label more than it wanted.
//
// Thread-safe.
#ifndef SHAMMIE_SERVICES_COLLECTOR_TASK_LEASES_H_
#define SHAMMIE_SERVICES_COLLECTOR_TASK_LEASES_H_

#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "shammie/v1/collector.pb.h"

namespace shammie::collector {

class TaskLeases {
 public:
  explicit TaskLeases(absl::Duration ttl) : ttl_(ttl) {}

  // `accept(task)`: whether the task still has room for `labeler` once the
  // leases other labelers hold are counted.
  using Accept = std::function<bool(const v1::LabelingTask&)>;

  // Calls `pick(accept)` (which scans the store) under the lease lock, so
  // two concurrent callers cannot pick the same last slot, and leases the
  // task it returns to `labeler` until now + ttl.
  absl::StatusOr<v1::LabelingTask> Pick(
      const std::string& labeler, absl::Time now,
      const std::function<absl::StatusOr<v1::LabelingTask>(const Accept&)>& pick);

  // Drops `labeler`'s lease on `task_id`, if it holds one.
  void Release(const std::string& labeler, const std::string& task_id);

 private:
  absl::Mutex mu_;
  const absl::Duration ttl_;
  // task id → labeler → lease expiry.
  std::map<std::string, std::map<std::string, absl::Time>> by_task_ ABSL_GUARDED_BY(mu_);
  // labeler → the task they hold.
  std::map<std::string, std::string> by_labeler_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_TASK_LEASES_H_
