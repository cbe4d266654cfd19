// A Collector that records the collector's domain series (comparisons stored
// by source and labeler, tasks created/served/skipped, store size; see
// services/metrics/collector_metrics.h) around another Collector. Both front
// ends (gRPC and HTTP) share it, so every comparison is counted once,
// whichever way it arrived, and only once it is durable.
//
// Thread-safe as the wrapped Collector is; owns it.
#ifndef SHAMMIE_SERVICES_COLLECTOR_INSTRUMENTED_COLLECTOR_H_
#define SHAMMIE_SERVICES_COLLECTOR_INSTRUMENTED_COLLECTOR_H_

#include <memory>

#include "services/collector/collector.h"
#include "services/metrics/metrics_registry.h"

namespace shammie::collector {

// Sets the store-size gauges from the store's current stats before returning.
std::unique_ptr<Collector> InstrumentCollector(std::unique_ptr<Collector> inner,
                                               std::shared_ptr<metrics::MetricsRegistry> registry);

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_INSTRUMENTED_COLLECTOR_H_
