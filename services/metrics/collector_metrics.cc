#include "services/metrics/collector_metrics.h"

#include <string>

namespace shammie::metrics {
namespace {

prometheus::Counter& SingleCounter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}
prometheus::Gauge& SingleGauge(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

absl::string_view SourceLabel(v1::Source source) {
  switch (source) {
    case v1::SOURCE_HUMAN: return "human";
    case v1::SOURCE_SIMULATED: return "simulated";
    case v1::SOURCE_IMPORTED: return "imported";
    default: return "unspecified";
  }
}

CollectorMetrics::CollectorMetrics(std::shared_ptr<MetricsRegistry> registry)
    : registry_(std::move(registry)),
      stored_(prometheus::BuildCounter()
                  .Name("shammie_comparisons_stored_total")
                  .Help("Comparisons made durable by this collector process, by source and "
                        "labeler.")
                  .Register(registry_->prom())),
      comparisons_(SingleGauge(registry_->prom(), "shammie_comparisons",
                               "Comparisons in the collector's store.")),
      open_tasks_(SingleGauge(registry_->prom(), "shammie_tasks_open",
                              "Labeling tasks that still want labels.")),
      tasks_created_(SingleCounter(registry_->prom(), "shammie_tasks_created_total",
                                   "Labeling tasks created.")),
      tasks_served_(SingleCounter(registry_->prom(), "shammie_tasks_served_total",
                                  "Labeling tasks handed to labelers (NextTask).")),
      tasks_skipped_(SingleCounter(registry_->prom(), "shammie_tasks_skipped_total",
                                   "Labeling tasks skipped as unsure.")) {}

void CollectorMetrics::ComparisonStored(v1::Source source, absl::string_view labeler,
                                        uint64_t count) {
  stored_.Add({{"source", std::string(SourceLabel(source))}, {"labeler", std::string(labeler)}})
      .Increment(static_cast<double>(count));
}

void CollectorMetrics::SetStoreSize(uint64_t comparisons, uint64_t open_tasks) {
  comparisons_.Set(static_cast<double>(comparisons));
  open_tasks_.Set(static_cast<double>(open_tasks));
}

}  // namespace shammie::metrics
