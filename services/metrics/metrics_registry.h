// One Prometheus registry per process, shareable by every service in it.
//
// Each service registers its series on the MetricsRegistry it is given. A
// process that runs one service serves that registry with a MetricsExposer
// (prometheus-cpp's civetweb server on the gRPC port + 1000); `shammie up`,
// which runs every service in one process, hands them all the same registry
// and serves it from the collector's HTTP server (RenderText on GET /metrics).
//
// Ownership: shared (std::shared_ptr); the exposer holds a weak reference.
// Thread-safety: all methods are thread-safe; series may be registered and
// updated from any thread while a scrape renders.
#ifndef SHAMMIE_SERVICES_METRICS_METRICS_REGISTRY_H_
#define SHAMMIE_SERVICES_METRICS_METRICS_REGISTRY_H_

#include <memory>
#include <string>

#include "prometheus/registry.h"

namespace shammie::metrics {

// The content type of RenderText's output (Prometheus text format 0.0.4).
inline constexpr char kTextContentType[] = "text/plain; version=0.0.4; charset=utf-8";

class MetricsRegistry {
 public:
  static std::shared_ptr<MetricsRegistry> Create();

  // For registering series (prometheus::BuildCounter()…Register(*prom())).
  // Registering a family name twice returns the existing family (merge), so
  // two services in one process may both declare a series they share.
  prometheus::Registry& prom() { return *registry_; }
  // The collectable an exposer serves.
  std::shared_ptr<prometheus::Registry> shared_prom() const { return registry_; }

  // Every series in the Prometheus text exposition format.
  std::string RenderText() const;

 private:
  MetricsRegistry();
  const std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace shammie::metrics

#endif  // SHAMMIE_SERVICES_METRICS_METRICS_REGISTRY_H_
