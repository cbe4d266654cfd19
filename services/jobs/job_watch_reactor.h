// WatchJob for any trainer: a gRPC callback-API server stream that writes
// the job's current state, then one event per change, and finishes after
// the event carrying the end state (SUCCEEDED, FAILED or CANCELLED).
//
// The stream mechanics (never blocking a reactor thread, coalescing to the
// newest event, lifetime) are LatestValueWriteReactor's
// (services/common/latest_value_write_reactor.h); this class only subscribes
// to the JobRunner, whose listener runs on the worker thread.
//
// Usage in a CallbackService handler (Begin once the caller is checked):
//   auto* r = new jobs::JobWatchReactor<v1::PmJobEvent>(runner, request->id(), ToEvent);
//   r->Begin(absl::OkStatus());
//   return r;
// The reactor deletes itself after OnDone.
#ifndef SHAMMIE_SERVICES_JOBS_JOB_WATCH_REACTOR_H_
#define SHAMMIE_SERVICES_JOBS_JOB_WATCH_REACTOR_H_

#include <functional>
#include <string>

#include "services/common/latest_value_write_reactor.h"
#include "services/jobs/job_runner.h"
#include "storage/job_store.h"

namespace shammie::jobs {

template <typename Event>
class JobWatchReactor final : public services::LatestValueWriteReactor<Event> {
 public:
  using ToEvent = std::function<Event(const v1::StoredJob&)>;

  // `runner` outlives the reactor (the server shuts down before the runner).
  JobWatchReactor(JobRunner* runner, std::string id, ToEvent to_event)
      : runner_(runner), id_(std::move(id)), to_event_(std::move(to_event)) {}

 private:
  absl::Status Subscribe() override {
    auto sub = runner_->Subscribe(id_, [this](const v1::StoredJob& job) {
      this->Offer(to_event_(job), storage::IsTerminal(job.status().state()));
    });
    if (!sub.ok()) return sub.status();
    subscription_ = *sub;
    return absl::OkStatus();
  }

  void Unsubscribe() override {
    if (subscription_ != 0) runner_->Unsubscribe(subscription_);  // no calls after this
  }

  JobRunner* const runner_;
  const std::string id_;
  const ToEvent to_event_;
  // Written by Subscribe, read by Unsubscribe (ordered by the base's lock).
  uint64_t subscription_ = 0;
};

}  // namespace shammie::jobs

#endif  // SHAMMIE_SERVICES_JOBS_JOB_WATCH_REACTOR_H_
