// CollectorServer: the collector's gRPC server wiring — the Collector, its
// worker pool, ComparisonService, gRPC health checking
// (grpc.health.v1.Health: "" and "shammie.v1.ComparisonService" SERVING)
// and server reflection. `shammie-collector` and `shammie up` run one; tests
// run one in-process on port 0.
//
// Thread-safe. Shutdown() (or the destructor) stops accepting calls, waits
// for the ones in flight, then closes the store.
#ifndef SHAMMIE_SERVICES_COLLECTOR_COLLECTOR_SERVER_H_
#define SHAMMIE_SERVICES_COLLECTOR_COLLECTOR_SERVER_H_

#include <grpcpp/server.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/collector/collector.h"
#include "services/collector/comparison_service.h"
#include "services/collector/worker_pool.h"
#include "services/common/tls.h"
#include "services/metrics/metrics_registry.h"

namespace shammie::collector {

struct CollectorServerOptions {
  // host:port to listen on; port 0 picks a free one (see port()).
  std::string listen = "127.0.0.1:50051";
  CollectorOptions collector;
  // Calls that may block at once (mostly submits waiting for the fsync).
  int worker_threads = 64;
  // ExportComparisons streams one client (token name) may hold open at once;
  // past it, RESOURCE_EXHAUSTED. 0 = no limit.
  int max_exports_per_client = 4;
  // Certificate and key for TLS (services/common/tls.h); empty = plaintext,
  // with a loud warning when `listen` is not loopback.
  services::TlsServerFiles tls;
  // When set, RPCs and the collector's domain series are recorded here
  // (services/metrics); whoever owns the HTTP server serves it at /metrics.
  std::shared_ptr<metrics::MetricsRegistry> metrics;
};

class CollectorServer {
 public:
  // UNAVAILABLE when the address cannot be bound or the data dir is in use;
  // INVALID_ARGUMENT naming --tls-cert/--tls-key for bad TLS files; the
  // Collector's errors otherwise.
  static absl::StatusOr<std::unique_ptr<CollectorServer>> Start(
      const CollectorServerOptions& options);
  ~CollectorServer();

  int port() const { return port_; }
  // "127.0.0.1:<port>" for the bound port.
  std::string address() const;
  Collector* collector() { return collector_.get(); }

  // Idempotent. Calls in flight get up to 5 s to finish.
  void Shutdown();
  // Blocks until Shutdown() (from another thread) has stopped the server.
  void Wait();

 private:
  CollectorServer() = default;

  std::string host_;
  int port_ = 0;
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<ComparisonServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_COLLECTOR_SERVER_H_
