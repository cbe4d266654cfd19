// The scheduler's series: which stage the iteration loop is in, how long
// each stage took, how iterations ended, and the Elo of each policy snapshot.
//
// Series (docs/metrics.md):
//   shammie_iteration_stage{stage}                    gauge, 1 for the current stage
//   shammie_iteration_number                          gauge, number of the latest iteration
//   shammie_iteration_stage_progress_ratio            gauge, progress of the stage in flight
//   shammie_iteration_stage_duration_seconds{stage}   histogram
//   shammie_iterations_total{result}                  counter (SUCCEEDED/FAILED/CANCELLED)
//   shammie_policy_elo{policy}                        gauge
//   shammie_policy_elo_interval{policy,bound}         gauge, bound = "low" | "high" (95%)
// Thread-safe; keeps the registry alive.
#ifndef SHAMMIE_SERVICES_METRICS_ITERATION_METRICS_H_
#define SHAMMIE_SERVICES_METRICS_ITERATION_METRICS_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "services/metrics/metrics_registry.h"
#include "shammie/v1/scheduler.pb.h"

namespace shammie::metrics {

// Stage durations: 1 s … 1 week (a stage may wait for the weekly cadence).
const std::vector<double>& StageDurationBuckets();

// Iteration number from its id ("iter-0003" → 3); 0 when it has none.
int IterationNumber(absl::string_view iteration_id);

class IterationMetrics {
 public:
  explicit IterationMetrics(std::shared_ptr<MetricsRegistry> registry);

  // The loop entered `stage` of iteration `iteration_id`; a terminal stage
  // (SUCCEEDED, FAILED, CANCELLED) also counts the iteration as ended.
  void EnterStage(absl::string_view iteration_id, v1::IterationStage stage);
  void SetStageProgress(double ratio) { progress_.Set(ratio); }
  // How long a finished stage took (measured by the scheduler's clock, so a
  // stage resumed after a restart reports its whole duration).
  void ObserveStageDuration(v1::IterationStage stage, absl::Duration duration);
  // Elo of a policy snapshot with its 95% interval.
  void SetElo(absl::string_view policy, double elo, double low, double high);

 private:
  const std::shared_ptr<MetricsRegistry> registry_;
  prometheus::Family<prometheus::Gauge>& stage_;
  prometheus::Gauge& number_;
  prometheus::Gauge& progress_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& iterations_;
  prometheus::Family<prometheus::Gauge>& elo_;
  prometheus::Family<prometheus::Gauge>& elo_interval_;
};

}  // namespace shammie::metrics

#endif  // SHAMMIE_SERVICES_METRICS_ITERATION_METRICS_H_
