#include "services/metrics/job_metrics.h"

namespace shammie::metrics {
namespace {

prometheus::Family<prometheus::Gauge>& GaugeFamily(prometheus::Registry& r, const char* name,
                                                   const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

constexpr v1::JobState kStates[] = {v1::JOB_PENDING, v1::JOB_RUNNING, v1::JOB_SUCCEEDED,
                                    v1::JOB_FAILED, v1::JOB_CANCELLED};

}  // namespace

absl::string_view JobStateLabel(v1::JobState state) {
  switch (state) {
    case v1::JOB_PENDING: return "PENDING";
    case v1::JOB_RUNNING: return "RUNNING";
    case v1::JOB_SUCCEEDED: return "SUCCEEDED";
    case v1::JOB_FAILED: return "FAILED";
    case v1::JOB_CANCELLED: return "CANCELLED";
    default: return "UNSPECIFIED";
  }
}

JobMetrics::JobMetrics(std::shared_ptr<MetricsRegistry> registry, absl::string_view trainer)
    : registry_(std::move(registry)),
      trainer_(trainer),
      state_(GaugeFamily(registry_->prom(), "shammie_job_state",
                         "1 for the job's current state, 0 for the others.")),
      progress_(GaugeFamily(registry_->prom(), "shammie_job_progress_ratio",
                            "Fraction of the job's steps done (0..1).")),
      step_(GaugeFamily(registry_->prom(), "shammie_job_step", "The job's current step.")),
      items_per_second_(GaugeFamily(registry_->prom(), "shammie_job_items_per_second",
                                    "Job throughput in its natural unit (comparisons or "
                                    "episodes per second).")),
      eta_(GaugeFamily(registry_->prom(), "shammie_job_eta_seconds",
                       "Estimated seconds until the job finishes.")),
      finished_(prometheus::BuildCounter()
                    .Name("shammie_jobs_finished_total")
                    .Help("Jobs that reached an end state, by trainer and state.")
                    .Register(registry_->prom())) {}

void JobMetrics::SetState(absl::string_view job, v1::JobState state) {
  const std::string job_label(job);
  bool was_in_state = false;
  for (v1::JobState s : kStates) {
    prometheus::Gauge& g = state_.Add(
        {{"trainer", trainer_}, {"job", job_label}, {"state", std::string(JobStateLabel(s))}});
    if (s == state) was_in_state = g.Value() == 1;
    g.Set(s == state ? 1 : 0);
  }
  // The runner reports every change (progress too); a job ends once.
  if (!was_in_state &&
      (state == v1::JOB_SUCCEEDED || state == v1::JOB_FAILED || state == v1::JOB_CANCELLED)) {
    finished_.Add({{"trainer", trainer_}, {"state", std::string(JobStateLabel(state))}})
        .Increment();
  }
}

void JobMetrics::SetProgress(absl::string_view job, const v1::JobProgress& progress) {
  const prometheus::Labels labels = {{"trainer", trainer_}, {"job", std::string(job)}};
  const double ratio = progress.total_steps() == 0
                           ? 0.0
                           : static_cast<double>(progress.step()) / progress.total_steps();
  progress_.Add(labels).Set(ratio);
  step_.Add(labels).Set(static_cast<double>(progress.step()));
  items_per_second_.Add(labels).Set(progress.items_per_second());
  eta_.Add(labels).Set(progress.eta_seconds());
}

}  // namespace shammie::metrics
