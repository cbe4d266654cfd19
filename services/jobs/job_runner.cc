#include "services/jobs/job_runner.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "google/protobuf/util/time_util.h"

namespace shammie::jobs {
namespace {

google::protobuf::Timestamp ToProto(absl::Time t) {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

}  // namespace

// One job with a live (or finished) worker. `snapshot` is the newest state;
// it is written to the store under `mu` so the store and memory agree and
// listeners see snapshots in order.
struct JobRunner::Running {
  absl::Mutex mu;
  v1::StoredJob snapshot ABSL_GUARDED_BY(mu);
  std::atomic<bool> cancelled{false};
  std::thread thread;
  uint64_t ticket = 0;  // launch order: pending jobs take free slots in this order
};

class JobRunner::Context : public JobContext {
 public:
  Context(JobRunner* runner, Running* running, v1::StoredJob job)
      : runner_(runner), running_(running), job_(std::move(job)) {}

  const v1::StoredJob& job() const override { return job_; }
  bool Cancelled() const override { return running_->cancelled.load(); }

  void ReportProgress(const v1::JobProgress& progress) override {
    Mutate([&](v1::StoredJob& j) { *j.mutable_status()->mutable_progress() = progress; },
           /*sync=*/false)
        .IgnoreError();  // progress is advisory; the next report retries
  }
  void ReportPartialResult(const google::protobuf::Any& result) override {
    Mutate([&](v1::StoredJob& j) { *j.mutable_result() = result; }, /*sync=*/false).IgnoreError();
  }
  absl::Status SaveResumePoint(const std::string& checkpoint, uint64_t step) override {
    return Mutate(
        [&](v1::StoredJob& j) {
          j.set_resume_checkpoint(checkpoint);
          j.set_resume_step(step);
        },
        /*sync=*/true);
  }

  template <typename Fn>
  absl::Status Mutate(Fn&& fn, bool sync) {
    return runner_->Mutate(
        running_,
        [&fn](v1::StoredJob& j) {
          fn(j);
          return true;
        },
        sync);
  }

 private:
  JobRunner* const runner_;
  Running* const running_;
  const v1::StoredJob job_;
};

absl::StatusOr<std::unique_ptr<JobRunner>> JobRunner::Create(const JobRunnerOptions& options) {
  if (options.store == nullptr) return absl::InvalidArgumentError("store: required");
  if (!options.work) return absl::InvalidArgumentError("work: required");
  if (options.clock == nullptr) return absl::InvalidArgumentError("clock: required");
  std::unique_ptr<JobRunner> runner(new JobRunner(options));
  auto jobs = options.store->List();
  if (!jobs.ok()) return jobs.status();
  absl::MutexLock lock(&runner->mu_);
  for (v1::StoredJob& job : *jobs) {
    if (storage::IsTerminal(job.status().state())) continue;
    if (job.cancel_requested()) {
      // Cancel was accepted before the restart: honour it, do not resume.
      job.mutable_status()->set_state(v1::JOB_CANCELLED);
      *job.mutable_status()->mutable_finished_at() = ToProto(options.clock->Now());
      if (auto s = options.store->Update(job); !s.ok()) return s;
      continue;
    }
    job.mutable_status()->set_resumes(job.status().resumes() + 1);
    job.mutable_status()->set_resumed_from_step(job.resume_step());
    SHAMMIE_LOG(INFO) << "resuming job " << job.status().id() << " from step " << job.resume_step()
                      << " (" << job.resume_checkpoint() << ")";
    runner->Launch(std::move(job));
  }
  return runner;
}

JobRunner::JobRunner(const JobRunnerOptions& options)
    : options_(options),
      job_metrics_(options.metrics
                       ? std::make_unique<metrics::JobMetrics>(options.metrics, options.trainer)
                       : nullptr) {}

JobRunner::~JobRunner() {
  std::vector<Running*> all;
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    for (auto& [id, r] : running_) {
      r->cancelled = true;
      all.push_back(r.get());
    }
  }
  for (Running* r : all) {
    if (r->thread.joinable()) r->thread.join();
  }
}

void JobRunner::Launch(v1::StoredJob job) {
  auto running = std::make_unique<Running>();
  Running* r = running.get();
  {
    absl::MutexLock lock(&r->mu);
    r->snapshot = std::move(job);
  }
  std::string id;
  {
    absl::MutexLock lock(&r->mu);
    id = r->snapshot.status().id();
  }
  r->ticket = next_ticket_++;
  if (options_.max_running > 0) waiting_.insert(r->ticket);
  running_[id] = std::move(running);
  r->thread = std::thread([this, r] { RunWorker(r); });
}

absl::StatusOr<v1::StoredJob> JobRunner::Start(const std::string& key,
                                               const google::protobuf::Any& spec) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_) return absl::UnavailableError("trainer is shutting down");
  auto created = options_.store->CreateOrGet(key, spec, options_.clock->Now());
  if (!created.ok()) return created.status();
  const std::string id = created->job.status().id();
  if (created->created) Launch(created->job);
  if (auto it = running_.find(id); it != running_.end()) {
    absl::MutexLock rl(&it->second->mu);
    return it->second->snapshot;
  }
  return created->job;
}

absl::StatusOr<v1::StoredJob> JobRunner::Get(const std::string& id) {
  {
    absl::MutexLock lock(&mu_);
    if (auto it = running_.find(id); it != running_.end()) {
      absl::MutexLock rl(&it->second->mu);
      return it->second->snapshot;
    }
  }
  return options_.store->Get(id);
}

absl::StatusOr<v1::StoredJob> JobRunner::GetByKey(const std::string& key) {
  auto job = options_.store->GetByKey(key);
  if (!job.ok()) return job.status();
  return Get(job->status().id());
}

absl::StatusOr<std::vector<v1::StoredJob>> JobRunner::List() {
  auto jobs = options_.store->List();
  if (!jobs.ok()) return jobs.status();
  absl::MutexLock lock(&mu_);
  for (v1::StoredJob& job : *jobs) {
    if (auto it = running_.find(job.status().id()); it != running_.end()) {
      absl::MutexLock rl(&it->second->mu);
      job = it->second->snapshot;
    }
  }
  return jobs;
}

absl::StatusOr<v1::StoredJob> JobRunner::Cancel(const std::string& id) {
  Running* r = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = running_.find(id); it != running_.end()) r = it->second.get();
  }
  if (r == nullptr) {
    auto job = options_.store->Get(id);
    if (!job.ok()) return job.status();
    return absl::FailedPreconditionError(absl::StrCat(
        "job ", id, " already ended (", v1::JobState_Name(job->status().state()), ")"));
  }
  bool ended = false;
  absl::Status s = Mutate(
      r,
      [&](v1::StoredJob& j) {
        ended = storage::IsTerminal(j.status().state());
        if (ended) return false;
        j.set_cancel_requested(true);
        return true;
      },
      /*sync=*/true);
  if (ended) {
    return absl::FailedPreconditionError(absl::StrCat("job ", id, " already ended"));
  }
  if (!s.ok()) return s;
  // Only now, with cancel_requested on disk, is the worker told (under mu_,
  // so a worker waiting for a slot re-checks its condition).
  {
    absl::MutexLock lock(&mu_);
    r->cancelled = true;
  }
  absl::MutexLock rl(&r->mu);
  return r->snapshot;
}

void JobRunner::RunWorker(Running* r) {
  if (options_.max_running > 0) {
    // Wait PENDING for a free slot (or a cancel / shutdown). Slots go to the
    // waiting jobs in launch order, not to whichever worker thread wakes
    // first: jobs run in the order they were submitted.
    bool start;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this, r]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        const bool next = *waiting_.begin() == r->ticket;
        return (next && running_count_ < options_.max_running) || r->cancelled.load() ||
               shutting_down_;
      };
      mu_.Await(absl::Condition(&ready));
      waiting_.erase(r->ticket);
      start = !r->cancelled.load() && !shutting_down_;
      if (start) ++running_count_;
    }
    if (!start) {
      FinishUnstarted(r);
      return;
    }
  }
  RunStarted(r);
  if (options_.max_running > 0) {
    absl::MutexLock lock(&mu_);
    --running_count_;
  }
}

void JobRunner::FinishUnstarted(Running* r) {
  bool cancel_requested;
  {
    absl::MutexLock rl(&r->mu);
    cancel_requested = r->snapshot.cancel_requested();
  }
  if (!cancel_requested) return;  // shutdown: stays PENDING, resumed later
  const absl::Time now = options_.clock->Now();
  Mutate(
      r,
      [&](v1::StoredJob& j) {
        j.mutable_status()->set_state(v1::JOB_CANCELLED);
        *j.mutable_status()->mutable_finished_at() = ToProto(now);
        return true;
      },
      /*sync=*/true)
      .IgnoreError();
}

void JobRunner::RunStarted(Running* r) {
  v1::StoredJob start;
  absl::Status s = Mutate(
      r,
      [&](v1::StoredJob& j) {
        j.mutable_status()->set_state(v1::JOB_RUNNING);
        start = j;
        return true;
      },
      /*sync=*/true);
  if (!s.ok()) {
    SHAMMIE_LOG(ERROR) << "job " << start.status().id() << ": cannot mark RUNNING: " << s;
    return;
  }
  Context context(this, r, start);
  absl::StatusOr<JobOutcome> outcome = absl::UnknownError("work did not return");
  try {
    outcome = options_.work(context);
  } catch (const std::exception& e) {
    // Work should return statuses; an escaped exception still ends the job.
    outcome = absl::InternalError(absl::StrCat("job work threw: ", e.what()));
  }
  bool shutting_down;
  {
    absl::MutexLock lock(&mu_);
    shutting_down = shutting_down_;
  }
  bool cancel_requested;
  {
    absl::MutexLock rl(&r->mu);
    cancel_requested = r->snapshot.cancel_requested();
  }
  if (!outcome.ok() && shutting_down && !cancel_requested) {
    // The trainer is stopping, not the job: leave it RUNNING on disk so
    // the next start resumes it.
    SHAMMIE_LOG(INFO) << "job " << start.status().id() << " paused by shutdown";
    return;
  }
  const absl::Time now = options_.clock->Now();
  s = Mutate(
      r,
      [&](v1::StoredJob& j) {
        v1::JobStatus* st = j.mutable_status();
        *st->mutable_finished_at() = ToProto(now);
        if (outcome.ok()) {
          st->set_state(v1::JOB_SUCCEEDED);
          st->set_checkpoint(outcome->checkpoint);
          *j.mutable_result() = outcome->result;
        } else if (absl::IsCancelled(outcome.status()) || cancel_requested) {
          st->set_state(v1::JOB_CANCELLED);
        } else {
          st->set_state(v1::JOB_FAILED);
          st->set_error(std::string(outcome.status().message()));
        }
        return true;
      },
      /*sync=*/true);
  if (!s.ok()) {
    SHAMMIE_LOG(ERROR) << "job " << start.status().id() << ": cannot end: " << s;
  }
}

absl::StatusOr<uint64_t> JobRunner::Subscribe(const std::string& id, Listener listener) {
  Running* r = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = running_.find(id); it != running_.end()) r = it->second.get();
  }
  if (r == nullptr) {
    // Not running here: it ended (or never ran in this process). One call.
    auto job = options_.store->Get(id);
    if (!job.ok()) return job.status();
    absl::MutexLock ll(&listeners_mu_);
    listener(*job);
    const uint64_t sub = next_subscription_++;
    listeners_[sub] = Subscription{id, nullptr};
    return sub;
  }
  // r->mu before listeners_mu_: the order Mutate uses, so the first snapshot
  // and later ones arrive in order.
  absl::MutexLock rl(&r->mu);
  absl::MutexLock ll(&listeners_mu_);
  listener(r->snapshot);
  const uint64_t sub = next_subscription_++;
  listeners_[sub] = Subscription{id, std::move(listener)};
  return sub;
}

void JobRunner::Unsubscribe(uint64_t subscription) {
  absl::MutexLock ll(&listeners_mu_);
  listeners_.erase(subscription);
}

absl::Status JobRunner::Mutate(Running* r, const Change& change, bool sync) {
  absl::MutexLock rl(&r->mu);
  v1::StoredJob next = r->snapshot;
  if (!change(next)) return absl::OkStatus();
  absl::Status s = sync ? options_.store->Update(next) : options_.store->UpdateProgress(next);
  if (!s.ok()) return s;
  r->snapshot = next;
  Notify(next);  // under r->mu, so listeners see snapshots in order
  return absl::OkStatus();
}

void JobRunner::Notify(const v1::StoredJob& job) {
  if (job_metrics_) {
    job_metrics_->SetState(job.status().key(), job.status().state());
    job_metrics_->SetProgress(job.status().key(), job.status().progress());
  }
  absl::MutexLock ll(&listeners_mu_);
  for (auto& [sub, s] : listeners_) {
    if (s.listener && s.job_id == job.status().id()) s.listener(job);
  }
}

absl::StatusOr<v1::StoredJob> JobRunner::WaitUntilDone(const std::string& id,
                                                       absl::Duration timeout) {
  struct Shared {
    absl::Mutex mu;
    v1::StoredJob last ABSL_GUARDED_BY(mu);
    bool done ABSL_GUARDED_BY(mu) = false;
  } shared;
  auto sub = Subscribe(id, [&shared](const v1::StoredJob& j) {
    absl::MutexLock lock(&shared.mu);
    shared.last = j;
    shared.done = storage::IsTerminal(j.status().state());
  });
  if (!sub.ok()) return sub.status();
  {
    absl::MutexLock lock(&shared.mu);
    shared.mu.AwaitWithTimeout(absl::Condition(&shared.done), timeout);
  }
  Unsubscribe(*sub);
  absl::MutexLock lock(&shared.mu);
  return shared.last;
}

}  // namespace shammie::jobs
