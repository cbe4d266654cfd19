// Turns the scheduler's iteration changes into what dashboards read:
//  - Prometheus series (services/metrics/iteration_metrics.h): the stage
//    in flight, its progress, each finished stage's duration, how iterations
//    ended, and the Elo of each policy snapshot;
//  - the iteration's history record (services/dashboard/iteration_history.h):
//    the iteration itself, its PM and test-PM reports, its PPO curve (growing
//    while TRAIN_POLICY runs, final after), and the Elo table.
//
// Subscribe Observe() to the Scheduler (Scheduler::Subscribe). It runs on the
// thread that made the change (the iteration runner), so it never calls back
// into the Scheduler; it asks the trainers for job reports through the
// Pipeline, at most once per `report_interval` while a job runs. A failed
// history write is logged and retried on the next change: dashboards lag, the
// iteration goes on.
//
// Thread-safe.
#ifndef SHAMMIE_SERVICES_SCHEDULER_ITERATION_RECORDER_H_
#define SHAMMIE_SERVICES_SCHEDULER_ITERATION_RECORDER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "services/dashboard/iteration_history.h"
#include "services/metrics/iteration_metrics.h"
#include "services/scheduler/pipeline.h"
#include "shammie/v1/scheduler.pb.h"

namespace shammie::scheduler {

struct IterationRecorderOptions {
  // Where the series go; nullptr records none.
  std::shared_ptr<metrics::MetricsRegistry> metrics;
  // Where records go; nullptr writes none. Not owned.
  dashboard::IterationHistory* history = nullptr;
  // For PM and PPO job reports; nullptr leaves them out. Not owned.
  Pipeline* pipeline = nullptr;
  // The snapshot Elo is anchored at (0), listed first in the Elo table.
  std::string base_snapshot = "policy-0000";
  // How often a running job's report is fetched for the live curve, and how
  // often progress alone rewrites the record (a stage change always does).
  absl::Duration report_interval = absl::Seconds(2);
  absl::Duration progress_interval = absl::Seconds(1);
  // Not owned; nullptr means the real clock.
  const common::Clock* clock = nullptr;
};

class IterationRecorder {
 public:
  explicit IterationRecorder(IterationRecorderOptions options);

  // The listener: call with every new state of any iteration.
  void Observe(const v1::Iteration& it);

 private:
  struct Seen {
    v1::IterationStage stage = v1::STAGE_UNSPECIFIED;
    absl::Time stage_started;
    absl::Time last_report_fetch = absl::InfinitePast();
    absl::Time last_write = absl::InfinitePast();
    bool pm_reports = false;   // final PM reports stored
    bool ppo_final = false;    // final PPO report stored
  };
  void RecordMetrics(const v1::Iteration& it, Seen* seen) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordHistory(const v1::Iteration& it, Seen* seen) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const IterationRecorderOptions options_;
  const common::Clock* const clock_;
  std::unique_ptr<metrics::IterationMetrics> metrics_;
  absl::Mutex mu_;
  std::map<std::string, Seen> seen_ ABSL_GUARDED_BY(mu_);
  // policy snapshot → Elo row, newest values seen (seeded from history).
  std::map<std::string, v1::EloRating> elo_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shammie::scheduler

#endif  // SHAMMIE_SERVICES_SCHEDULER_ITERATION_RECORDER_H_
