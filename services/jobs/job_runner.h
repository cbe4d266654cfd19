// Runs a trainer's jobs: one worker thread per running job, cancel, watchers
// woken on progress, and resume of unfinished jobs when the trainer starts.
//
// Generic over what a job does: the trainer gives a JobWork function that
// reads the spec from the StoredJob (an Any it packed itself), trains, and
// returns its result. The PM trainer and the PPO trainer both use this.
//
// Life of a job (every transition is written to the JobStore, synced, before
// it takes effect):
//   Start:   PENDING is stored, then the worker thread starts.
//   Worker:  RUNNING is stored, then JobWork runs.
//   JobWork returns OK            → SUCCEEDED (+ result, checkpoint)
//           returns CANCELLED     → CANCELLED
//           returns another error → FAILED (error = the status message)
//   Cancel:  cancel_requested is stored, then the worker's JobContext says
//            Cancelled(); the work stops at its next check.
//   Restart: JobRunner::Create finds PENDING/RUNNING jobs and starts them
//            again (status.resumes += 1, resumed_from_step) from their
//            last SaveResumePoint;
//            cancel_requested ones become CANCELLED without running.
//
// Thread-safe: all public methods may be called from any thread (gRPC
// handlers). The destructor stops every worker (their jobs stay RUNNING on
// disk, so the next JobRunner resumes them).
#ifndef SHAMMIE_SERVICES_JOBS_JOB_RUNNER_H_
#define SHAMMIE_SERVICES_JOBS_JOB_RUNNER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "google/protobuf/any.pb.h"
#include "services/metrics/job_metrics.h"
#include "shammie/v1/jobs.pb.h"
#include "storage/job_store.h"

namespace shammie::jobs {

// What a job's work is handed. Owned by the runner; valid for the duration
// of the JobWork call. Thread-compatible: used by the worker thread only.
class JobContext {
 public:
  virtual ~JobContext() = default;
  // The job as it was when the worker started (spec, resume point, resumes).
  virtual const v1::StoredJob& job() const = 0;
  // True once CancelJob was accepted (or the runner is shutting down). Work
  // checks it between steps and then returns absl::CancelledError().
  virtual bool Cancelled() const = 0;
  // Publishes progress: watchers are woken; stored without sync.
  virtual void ReportProgress(const v1::JobProgress& progress) = 0;
  // Publishes a partial result (e.g. the curve so far); stored without sync.
  virtual void ReportPartialResult(const google::protobuf::Any& result) = 0;
  // Records a resumable checkpoint (synced before returning): a restarted
  // trainer resumes the job from `checkpoint` at `step`.
  virtual absl::Status SaveResumePoint(const std::string& checkpoint, uint64_t step) = 0;
};

struct JobOutcome {
  google::protobuf::Any result;
  std::string checkpoint;  // folder of the finished checkpoint
};

// The trainer's work for one job. Runs on the job's worker thread.
using JobWork = std::function<absl::StatusOr<JobOutcome>(JobContext& context)>;

struct JobRunnerOptions {
  storage::JobStore* store = nullptr;            // not owned; outlives the runner
  common::Clock* clock = common::Clock::Real();  // not owned
  JobWork work;                                  // required
  // Jobs that run at once; the others wait PENDING, in start order. 0 =
  // no limit. (Training jobs compete for the same cores: one at a time is
  // usually fastest.)
  int max_running = 0;
  // When set, every job's state and progress are exported as the job series
  // (services/metrics/job_metrics.h) under trainer=`trainer` ("pm", "ppo").
  std::shared_ptr<metrics::MetricsRegistry> metrics;
  std::string trainer;
};

class JobRunner {
 public:
  // Resumes every unfinished job in the store. INVALID_ARGUMENT when the
  // store or work is missing; store errors pass through.
  static absl::StatusOr<std::unique_ptr<JobRunner>> Create(const JobRunnerOptions& options);
  ~JobRunner();

  // Creates and starts a job for `key`, or returns the job the key already
  // names (started or not, ended or not). The caller validated `spec`.
  absl::StatusOr<v1::StoredJob> Start(const std::string& key, const google::protobuf::Any& spec);

  // NOT_FOUND for an unknown id. Returns the newest state (in memory for a
  // running job, so progress is current).
  absl::StatusOr<v1::StoredJob> Get(const std::string& id);

  // The job `key` names, newest state; NOT_FOUND when none.
  absl::StatusOr<v1::StoredJob> GetByKey(const std::string& key);

  // Requests cancellation. NOT_FOUND for an unknown id; FAILED_PRECONDITION
  // when the job already ended. Returns at once; the job ends CANCELLED when
  // its work stops (WatchJob sees it).
  absl::StatusOr<v1::StoredJob> Cancel(const std::string& id);

  // Every job, creation order, running ones with current progress.
  absl::StatusOr<std::vector<v1::StoredJob>> List();

  // Calls `listener` with the job's current snapshot, then again after every
  // change, until Unsubscribe. The last call for a job that ends carries the
  // terminal state. `listener` runs on the worker thread (or the caller's,
  // for the first call) and must not block or call back into the runner.
  // After Unsubscribe returns, the listener is never called again.
  using Listener = std::function<void(const v1::StoredJob&)>;
  absl::StatusOr<uint64_t> Subscribe(const std::string& id, Listener listener);
  void Unsubscribe(uint64_t subscription);

  // Blocks until the job ended or `timeout` passed; returns the newest
  // snapshot. For tests and the CLI.
  absl::StatusOr<v1::StoredJob> WaitUntilDone(const std::string& id, absl::Duration timeout);

 private:
  struct Running;
  class Context;

  explicit JobRunner(const JobRunnerOptions& options);
  void Launch(v1::StoredJob job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunWorker(Running* running);
  void RunStarted(Running* running);
  void FinishUnstarted(Running* running);
  // Applies `change` to a copy of the job's snapshot; when it returns true,
  // stores the copy (synced when `sync`), then makes it the snapshot and
  // tells listeners. Returning false leaves everything as it was.
  using Change = std::function<bool(v1::StoredJob&)>;
  absl::Status Mutate(Running* running, const Change& change, bool sync);
  void Notify(const v1::StoredJob& job);

  const JobRunnerOptions options_;
  const std::unique_ptr<metrics::JobMetrics> job_metrics_;  // null without options_.metrics

  absl::Mutex mu_;
  // Jobs with a live worker, by id.
  std::map<std::string, std::unique_ptr<Running>> running_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  int running_count_ ABSL_GUARDED_BY(mu_) = 0;
  // Tickets of launched jobs that have not yet taken (or given up) a slot.
  std::set<uint64_t> waiting_ ABSL_GUARDED_BY(mu_);
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 0;

  // Listeners are called under this lock so Unsubscribe can promise no later
  // calls; it is never held while taking mu_.
  absl::Mutex listeners_mu_;
  struct Subscription {
    std::string job_id;
    Listener listener;
  };
  std::map<uint64_t, Subscription> listeners_ ABSL_GUARDED_BY(listeners_mu_);
  uint64_t next_subscription_ ABSL_GUARDED_BY(listeners_mu_) = 1;
};

}  // namespace shammie::jobs

#endif  // SHAMMIE_SERVICES_JOBS_JOB_RUNNER_H_
