// The scheduler: decides when an iteration runs (operator triggers and the
// cadence), runs one at a time on a worker thread, and answers questions
// about iterations and the schedule. The gRPC front end
// (scheduler_service.h) maps shammie.v1.Scheduler onto this class.
//
// Durable state (iterations, schedule) lives in an IterationStore in
// options.data_dir. On Start(), an iteration left in flight by a previous
// process (SIGKILL, crash) is resumed in the stage it was in; a cadence due
// time missed while down fires once.
//
// Thread-safe: every public method may be called from any thread.
#ifndef SHAMMIE_SERVICES_SCHEDULER_SCHEDULER_H_
#define SHAMMIE_SERVICES_SCHEDULER_SCHEDULER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "services/scheduler/cadence.h"
#include "services/scheduler/iteration_runner.h"
#include "storage/iteration_store.h"

namespace shammie::scheduler {

struct SchedulerOptions {
  // RocksDB folder for iterations and the schedule; created if missing.
  std::string data_dir;
  IterationConfig iteration;
  // The cadence used when the store has none yet (first start).
  CadenceState cadence;
  // When set, replace the stored period/anchor with these at Open (the
  // operator passed --period/--anchor). Pause state is kept.
  std::optional<absl::Duration> period_override;
  std::optional<absl::Time> anchor_override;
  // How often the worker re-checks the cadence when nothing wakes it.
  absl::Duration tick = absl::Seconds(1);
};

class Scheduler {
 public:
  using Listener = std::function<void(const v1::Iteration&)>;

  // Borrows pipeline and clock (must outlive the scheduler). UNAVAILABLE when
  // another process holds the data dir.
  static absl::StatusOr<std::unique_ptr<Scheduler>> Open(SchedulerOptions options,
                                                         Pipeline* pipeline, common::Clock* clock);
  ~Scheduler();  // Stop()s

  // Starts the worker thread (resume, then cadence). Idempotent.
  void Start();
  // Stops the worker. An iteration in flight is left in its stage (as after a
  // crash) and resumes on the next Start, in this process or another.
  void Stop();

  // A new iteration (or, for a key seen before, the iteration that key
  // made). FAILED_PRECONDITION naming the running one when another is active.
  absl::StatusOr<v1::Iteration> Trigger(const std::string& key);
  // The newest state, including progress of the stage in flight. NOT_FOUND.
  absl::StatusOr<v1::Iteration> Get(const std::string& id);
  absl::StatusOr<std::vector<v1::Iteration>> List();
  // Cancels the iteration and the trainer job it is waiting for; returns it
  // once CANCELLED (or however it ended, if it finished first).
  // FAILED_PRECONDITION when already finished; NOT_FOUND.
  absl::StatusOr<v1::Iteration> Cancel(const std::string& id);

  v1::Schedule GetSchedule();
  // `paused` is applied; period/anchor only when set. INVALID_ARGUMENT for a
  // period <= 0 ("period").
  absl::StatusOr<v1::Schedule> SetSchedule(const v1::Schedule& request);

  // Listeners see every change of any iteration, on the thread making it.
  // They must not call back into the Scheduler. Returns a handle for
  // Unsubscribe; after Unsubscribe returns the listener is never called.
  int Subscribe(Listener listener);
  void Unsubscribe(int handle);

 private:
  Scheduler(SchedulerOptions options, Pipeline* pipeline, common::Clock* clock,
            std::unique_ptr<storage::IterationStore> store, Cadence cadence);
  void WorkerLoop();
  // True unless the collector reports fewer than min_comparisons (a due
  // round waits for them instead of failing). An RPC: never under mu_.
  bool EnoughComparisons();
  void Publish(const v1::Iteration& it);
  v1::Schedule ScheduleLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PersistScheduleLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SchedulerOptions options_;
  Pipeline* const pipeline_;
  common::Clock* const clock_;
  const std::unique_ptr<storage::IterationStore> store_;
  IterationRunner runner_;

  absl::Mutex mu_;
  absl::CondVar wake_;  // trigger, cancel, schedule change, stop
  Cadence cadence_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::string running_id_ ABSL_GUARDED_BY(mu_);
  std::optional<v1::Iteration> live_ ABSL_GUARDED_BY(mu_);  // newest copy of the running one
  std::string cancel_target_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> cancel_{false};
  std::atomic<bool> stopping_{false};
  std::thread worker_;
  bool waiting_logged_ = false;  // worker thread only

  absl::Mutex listeners_mu_;
  std::map<int, Listener> listeners_ ABSL_GUARDED_BY(listeners_mu_);
  int next_listener_ ABSL_GUARDED_BY(listeners_mu_) = 1;
};

// Schedule proto ↔ cadence state.
CadenceState CadenceFromProto(const v1::Schedule& schedule);
v1::Schedule ScheduleToProto(const CadenceState& state);

}  // namespace shammie::scheduler

#endif  // SHAMMIE_SERVICES_SCHEDULER_SCHEDULER_H_
