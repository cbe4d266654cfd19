// WatchJob for any trainer: a gRPC callback-API server stream that writes
// the job's current state, then one event per change, and finishes after
// the event carrying the end state (SUCCEEDED, FAILED or CANCELLED).
//
// Never blocks a reactor thread: JobRunner calls the listener on the worker
// thread; the listener only stores the newest event and starts a write when
// none is in flight. A slow client sees fewer, newer events (intermediate
// progress is coalesced), never a stale end.
//
// Usage in a CallbackService handler:
//   return new jobs::JobWatchReactor<v1::PmJobEvent>(runner, request->id(), ToEvent);
// The reactor deletes itself in OnDone.
#ifndef SHAMMIE_SERVICES_JOBS_JOB_WATCH_REACTOR_H_
#define SHAMMIE_SERVICES_JOBS_JOB_WATCH_REACTOR_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "services/common/grpc_status.h"
#include "services/jobs/job_runner.h"
#include "storage/job_store.h"

namespace shammie::jobs {

template <typename Event>
class JobWatchReactor : public grpc::ServerWriteReactor<Event> {
 public:
  using ToEvent = std::function<Event(const v1::StoredJob&)>;

  // `runner` outlives the reactor (the server shuts down before the runner).
  JobWatchReactor(JobRunner* runner, const std::string& id, ToEvent to_event)
      : runner_(runner), to_event_(std::move(to_event)) {
    auto sub = runner_->Subscribe(id, [this](const v1::StoredJob& job) { OnJob(job); });
    absl::MutexLock lock(&mu_);
    subscribed_ = true;
    if (sub.ok()) {
      subscription_ = *sub;
    } else if (!finishing_) {
      finishing_ = true;
      this->Finish(services::ToGrpcStatus(sub.status()));
    }
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (finishing_) return;
    if (!ok) {
      finishing_ = true;
      this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
    } else if (wrote_end_) {
      finishing_ = true;
      this->Finish(grpc::Status::OK);
    } else {
      WriteNextLocked();
    }
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    if (finishing_) return;
    finishing_ = true;
    this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled"));
  }

  void OnDone() override {
    // The constructor may still be inside Subscribe (the first event can be
    // written and acknowledged before Subscribe returns): wait for it.
    uint64_t subscription;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&subscribed_));
      subscription = subscription_;
    }
    if (subscription != 0) runner_->Unsubscribe(subscription);  // no calls after this
    delete this;
  }

 private:
  void OnJob(const v1::StoredJob& job) {
    absl::MutexLock lock(&mu_);
    if (finishing_ || wrote_end_) return;
    pending_ = to_event_(job);
    pending_end_ = storage::IsTerminal(job.status().state());
    if (!writing_) WriteNextLocked();
  }

  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!pending_) return;
    current_ = std::move(*pending_);
    pending_.reset();
    wrote_end_ = pending_end_;
    writing_ = true;
    this->StartWrite(&current_);
  }

  JobRunner* const runner_;
  const ToEvent to_event_;
  absl::Mutex mu_;
  bool subscribed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t subscription_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<Event> pending_ ABSL_GUARDED_BY(mu_);
  bool pending_end_ ABSL_GUARDED_BY(mu_) = false;
  Event current_ ABSL_GUARDED_BY(mu_);  // the message being written
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool wrote_end_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace shammie::jobs

#endif  // SHAMMIE_SERVICES_JOBS_JOB_WATCH_REACTOR_H_
