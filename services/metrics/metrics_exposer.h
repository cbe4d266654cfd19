// Serves a MetricsRegistry on GET /metrics from its own small HTTP server
// (cpp-httplib, as the collector's page server; prometheus-cpp's civetweb
// exposer failed to start inside the torch-linked trainer binaries). Used by the services that have no HTTP
// server of their own: the trainers and the scheduler, on their gRPC port +
// 1000 (DESIGN.md). The collector serves its registry from its HTTP port
// instead (MetricsRegistry::RenderText).
//
// Thread-safety: construction and destruction from one thread; port() is
// safe from any thread. Stops serving when destroyed.
#ifndef SHAMMIE_SERVICES_METRICS_METRICS_EXPOSER_H_
#define SHAMMIE_SERVICES_METRICS_METRICS_EXPOSER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/metrics/metrics_registry.h"

namespace httplib {
class Server;
}
namespace shammie::services {
class HttpListenThread;
}

namespace shammie::metrics {

// The metrics port DESIGN.md assigns to a service listening on `grpc_port`
// (gRPC port + 1000). Port 0 (pick a free one) stays 0.
int MetricsPortForGrpcPort(int grpc_port);

// A service's --metrics-listen value: "auto" becomes the same host at gRPC
// port + 1000 ("127.0.0.1:50054" → "127.0.0.1:51054"), or "" (no endpoint)
// when the gRPC port is picked (0) and so has no fixed sibling; any other
// value is returned as given ("" = off).
std::string ResolveMetricsListen(absl::string_view metrics_listen, absl::string_view grpc_listen);

class MetricsExposer {
 public:
  // Binds `address` ("127.0.0.1:9052"; port 0 picks a free one) and serves
  // `registry`. INVALID_ARGUMENT when the address has no port or registry is
  // null; UNAVAILABLE when the port cannot be bound (in use).
  static absl::StatusOr<std::unique_ptr<MetricsExposer>> Start(
      absl::string_view address, std::shared_ptr<MetricsRegistry> registry);
  ~MetricsExposer();

  // The port actually bound.
  int port() const { return port_; }

 private:
  MetricsExposer() = default;
  std::shared_ptr<MetricsRegistry> registry_;
  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<services::HttpListenThread> listener_;  // runs the accept loop
  int port_ = 0;
};

}  // namespace shammie::metrics

#endif  // SHAMMIE_SERVICES_METRICS_METRICS_EXPOSER_H_
