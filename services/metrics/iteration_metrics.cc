#include "services/metrics/iteration_metrics.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace shammie::metrics {
namespace {

prometheus::Family<prometheus::Gauge>& GaugeFamily(prometheus::Registry& r, const char* name,
                                                   const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

bool IsTerminal(v1::IterationStage s) {
  return s == v1::SUCCEEDED || s == v1::FAILED || s == v1::CANCELLED;
}

}  // namespace

const std::vector<double>& StageDurationBuckets() {
  static const std::vector<double> buckets = {1,    5,     15,    60,    300,    900,
                                              1800, 3600,  10800, 43200, 86400, 604800};
  return buckets;
}

int IterationNumber(absl::string_view iteration_id) {
  int n = 0;
  absl::string_view digits = iteration_id;
  if (!absl::ConsumePrefix(&digits, "iter-") || !absl::SimpleAtoi(digits, &n) || n < 0) return 0;
  return n;
}

IterationMetrics::IterationMetrics(std::shared_ptr<MetricsRegistry> registry)
    : registry_(std::move(registry)),
      stage_(GaugeFamily(registry_->prom(), "shammie_iteration_stage",
                         "1 for the stage the latest iteration is in, 0 for the others.")),
      number_(GaugeFamily(registry_->prom(), "shammie_iteration_number",
                          "Number of the latest iteration (iter-0003 is 3).")
                  .Add({})),
      progress_(GaugeFamily(registry_->prom(), "shammie_iteration_stage_progress_ratio",
                            "Progress of the stage in flight (0..1).")
                    .Add({})),
      durations_(prometheus::BuildHistogram()
                     .Name("shammie_iteration_stage_duration_seconds")
                     .Help("How long each finished iteration stage took.")
                     .Register(registry_->prom())),
      iterations_(prometheus::BuildCounter()
                      .Name("shammie_iterations_total")
                      .Help("Iterations that ended, by result.")
                      .Register(registry_->prom())),
      elo_(GaugeFamily(registry_->prom(), "shammie_policy_elo",
                       "Elo of each policy snapshot (maximum likelihood over comparisons).")),
      elo_interval_(GaugeFamily(registry_->prom(), "shammie_policy_elo_interval",
                                "95% interval bounds of each snapshot's Elo.")) {}

void IterationMetrics::EnterStage(absl::string_view iteration_id, v1::IterationStage stage) {
  for (int s = v1::PENDING; s <= v1::CANCELLED; ++s) {
    const auto stage_s = static_cast<v1::IterationStage>(s);
    stage_.Add({{"stage", v1::IterationStage_Name(stage_s)}}).Set(stage_s == stage ? 1 : 0);
  }
  number_.Set(IterationNumber(iteration_id));
  progress_.Set(IsTerminal(stage) ? 1 : 0);
  if (IsTerminal(stage)) iterations_.Add({{"result", v1::IterationStage_Name(stage)}}).Increment();
}

void IterationMetrics::ObserveStageDuration(v1::IterationStage stage, absl::Duration duration) {
  durations_.Add({{"stage", v1::IterationStage_Name(stage)}}, StageDurationBuckets())
      .Observe(absl::ToDoubleSeconds(duration));
}

void IterationMetrics::SetElo(absl::string_view policy, double elo, double low, double high) {
  const std::string p(policy);
  elo_.Add({{"policy", p}}).Set(elo);
  elo_interval_.Add({{"policy", p}, {"bound", "low"}}).Set(low);
  elo_interval_.Add({{"policy", p}, {"bound", "high"}}).Set(high);
}

}  // namespace shammie::metrics
