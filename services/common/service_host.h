// The gRPC server every Shammie service runs its services in: the listen
// address, grpc.health.v1 (the given service names marked SERVING),
// reflection, the RPC count/latency series (services/metrics/rpc_metrics.h)
// and, when asked, a Prometheus /metrics endpoint of its own. The trainers
// and the scheduler use it, whether they run as their own process or inside
// `shammie up`, so each behaves the same in both.
//
// Thread-safety: Start/Shutdown from one owning thread; port() from any.
// Shutdown stops new calls, lets calls in flight finish for `grace`, then
// cancels them; it is idempotent and the destructor calls it.
#ifndef SHAMMIE_SERVICES_COMMON_SERVICE_HOST_H_
#define SHAMMIE_SERVICES_COMMON_SERVICE_HOST_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "grpcpp/impl/codegen/service_type.h"
#include "services/common/tls.h"
#include "services/metrics/metrics_exposer.h"
#include "services/metrics/metrics_registry.h"

namespace shammie::services {

struct ServiceHostOptions {
  std::string listen;  // "127.0.0.1:50052"; port 0 picks a free one
  // RPC series go here; null = no RPC metrics.
  std::shared_ptr<metrics::MetricsRegistry> metrics;
  // Serves `metrics` on GET /metrics at this address ("" = not here: in
  // `shammie up` the collector's HTTP port serves the shared registry).
  std::string metrics_listen;
  // Fully-qualified names health checks report SERVING ("shammie.v1.Scheduler").
  std::vector<std::string> health_services;
  // Certificate and key for TLS (services/common/tls.h); empty = plaintext,
  // with a loud warning when `listen` is not loopback.
  TlsServerFiles tls;
  // Names the service in that warning ("the scheduler").
  std::string name = "this service";
};

class ServiceHost {
 public:
  // `services` are not owned and must outlive the host. UNAVAILABLE when an
  // address cannot be bound; INVALID_ARGUMENT for a malformed metrics address
  // or bad TLS files (naming --tls-cert/--tls-key).
  static absl::StatusOr<std::unique_ptr<ServiceHost>> Start(const ServiceHostOptions& options,
                                                            const std::vector<grpc::Service*>& services);
  ~ServiceHost();

  int port() const { return port_; }
  // 0 when no metrics endpoint was asked for.
  int metrics_port() const { return exposer_ ? exposer_->port() : 0; }
  // Blocks until Shutdown() from another thread.
  void Wait();
  void Shutdown(absl::Duration grace = absl::Seconds(5));

 private:
  ServiceHost() = default;
  int port_ = 0;
  bool shut_down_ = false;
  std::unique_ptr<metrics::MetricsExposer> exposer_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace shammie::services

#endif  // SHAMMIE_SERVICES_COMMON_SERVICE_HOST_H_
