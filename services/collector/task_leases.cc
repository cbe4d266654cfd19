#include "services/collector/task_leases.h"

namespace shammie::collector {

absl::StatusOr<v1::LabelingTask> TaskLeases::Pick(
    const std::string& labeler, absl::Time now,
    const std::function<absl::StatusOr<v1::LabelingTask>(const Accept&)>& pick) {
  absl::MutexLock lock(&mu_);
  Accept accept = [&](const v1::LabelingTask& task) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    uint32_t held = 0;
    if (auto it = by_task_.find(task.id()); it != by_task_.end()) {
      for (const auto& [holder, expiry] : it->second) {
        if (holder != labeler && expiry > now) ++held;
      }
    }
    return task.labels_received() + held < task.labels_wanted();
  };
  absl::StatusOr<v1::LabelingTask> task = pick(accept);
  if (!task.ok()) return task;
  // Move the caller's lease to this task.
  if (auto it = by_labeler_.find(labeler); it != by_labeler_.end() && it->second != task->id()) {
    auto& holders = by_task_[it->second];
    holders.erase(labeler);
    if (holders.empty()) by_task_.erase(it->second);
  }
  by_labeler_[labeler] = task->id();
  auto& holders = by_task_[task->id()];
  holders[labeler] = now + ttl_;
  // Forget expired leases of this task while we are here.
  for (auto it = holders.begin(); it != holders.end();) {
    if (it->second <= now) {
      if (auto l = by_labeler_.find(it->first); l != by_labeler_.end() && l->second == task->id())
        by_labeler_.erase(l);
      it = holders.erase(it);
    } else {
      ++it;
    }
  }
  return task;
}

void TaskLeases::Release(const std::string& labeler, const std::string& task_id) {
  absl::MutexLock lock(&mu_);
  auto it = by_labeler_.find(labeler);
  if (it == by_labeler_.end() || it->second != task_id) return;
  by_labeler_.erase(it);
  if (auto t = by_task_.find(task_id); t != by_task_.end()) {
    t->second.erase(labeler);
    if (t->second.empty()) by_task_.erase(t);
  }
}

}  // namespace shammie::collector
