// The collector's domain series: comparisons stored by source and labeler,
// tasks created, served and skipped, and the size of the store.
//
// Series (docs/metrics.md):
//   shammie_comparisons_stored_total{source,labeler}   counter
//   shammie_comparisons                                 gauge (in the store)
//   shammie_tasks_created_total                         counter
//   shammie_tasks_served_total                          counter
//   shammie_tasks_skipped_total                         counter
//   shammie_tasks_open                                  gauge
// Thread-safe; keeps the registry alive.
#ifndef SHAMMIE_SERVICES_METRICS_COLLECTOR_METRICS_H_
#define SHAMMIE_SERVICES_METRICS_COLLECTOR_METRICS_H_

#include <cstdint>
#include <memory>

#include "absl/strings/string_view.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "services/metrics/metrics_registry.h"
#include "shammie/v1/conversation.pb.h"

namespace shammie::metrics {

// "human", "simulated", "imported" or "unspecified": the `source` label.
absl::string_view SourceLabel(v1::Source source);

class CollectorMetrics {
 public:
  explicit CollectorMetrics(std::shared_ptr<MetricsRegistry> registry);

  // `count` comparisons became durable (SubmitComparison: 1; an import: the
  // batch).
  void ComparisonStored(v1::Source source, absl::string_view labeler, uint64_t count = 1);
  // Store totals, e.g. from Stats after a write or at startup.
  void SetStoreSize(uint64_t comparisons, uint64_t open_tasks);
  void TaskCreated() { tasks_created_.Increment(); }
  void TaskServed() { tasks_served_.Increment(); }
  void TaskSkipped() { tasks_skipped_.Increment(); }

 private:
  const std::shared_ptr<MetricsRegistry> registry_;
  prometheus::Family<prometheus::Counter>& stored_;
  prometheus::Gauge& comparisons_;
  prometheus::Gauge& open_tasks_;
  prometheus::Counter& tasks_created_;
  prometheus::Counter& tasks_served_;
  prometheus::Counter& tasks_skipped_;
};

}  // namespace shammie::metrics

#endif  // SHAMMIE_SERVICES_METRICS_COLLECTOR_METRICS_H_
