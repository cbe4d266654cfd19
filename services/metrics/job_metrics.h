// Job state and progress for a trainer service (the generic job framework).
//
// Series (docs/metrics.md), `trainer` is "pm" or "ppo", `job` the job key
// ("iter-0003/pm"):
//   shammie_job_state{trainer,job,state}        gauge, 1 for the job's state, 0 otherwise
//   shammie_job_progress_ratio{trainer,job}     gauge, step / total_steps
//   shammie_job_step{trainer,job}               gauge
//   shammie_job_items_per_second{trainer,job}   gauge
//   shammie_job_eta_seconds{trainer,job}        gauge
//   shammie_jobs_finished_total{trainer,state}  counter (SUCCEEDED/FAILED/CANCELLED)
// Thread-safe; keeps the registry alive.
#ifndef SHAMMIE_SERVICES_METRICS_JOB_METRICS_H_
#define SHAMMIE_SERVICES_METRICS_JOB_METRICS_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "services/metrics/metrics_registry.h"
#include "shammie/v1/jobs.pb.h"

namespace shammie::metrics {

// "PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED": the `state` label.
absl::string_view JobStateLabel(v1::JobState state);

class JobMetrics {
 public:
  JobMetrics(std::shared_ptr<MetricsRegistry> registry, absl::string_view trainer);

  // Sets the job's state series; entering a terminal state also counts the
  // job as finished (repeating the same state does not count it again).
  void SetState(absl::string_view job, v1::JobState state);
  void SetProgress(absl::string_view job, const v1::JobProgress& progress);

 private:
  const std::shared_ptr<MetricsRegistry> registry_;
  const std::string trainer_;
  prometheus::Family<prometheus::Gauge>& state_;
  prometheus::Family<prometheus::Gauge>& progress_;
  prometheus::Family<prometheus::Gauge>& step_;
  prometheus::Family<prometheus::Gauge>& items_per_second_;
  prometheus::Family<prometheus::Gauge>& eta_;
  prometheus::Family<prometheus::Counter>& finished_;
};

}  // namespace shammie::metrics

#endif  // SHAMMIE_SERVICES_METRICS_JOB_METRICS_H_
