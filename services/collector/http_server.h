// The collector's HTTP front end: the labeler page at `/` (files compiled into
// the binary, web_assets.h) and the JSON API under /api/v1/ (http_api.h),
// served by cpp-httplib on its own worker threads.
//
//   auto server = HttpServer::Start(collector.get(), {.listen = "127.0.0.1:0"});
//   … (*server)->port() …
//   (*server)->Shutdown();  // or let the destructor do it
//
// Thread-safe after Start. The collector is not owned and must outlive the
// server.
#ifndef SHAMMIE_SERVICES_COLLECTOR_HTTP_SERVER_H_
#define SHAMMIE_SERVICES_COLLECTOR_HTTP_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "services/collector/collector.h"
#include "services/collector/rate_limiter.h"
#include "services/common/tls.h"
#include "services/dashboard/iteration_history.h"
#include "services/metrics/metrics_registry.h"

namespace shammie::collector {

struct HttpServerOptions {
  // "host:port" ("[::1]:8080" for IPv6); port 0 picks a free port.
  std::string listen = "127.0.0.1:8080";
  // Bodies larger than this get 413 before any handler runs. Twice the
  // collector's 1 MiB request limit, because JSON escaping grows text; a body
  // under this limit whose texts are still too long gets the collector's 400.
  size_t max_body_bytes = 2 * 1024 * 1024;
  // Reported by /api/v1/me: the page shows its "continue the conversation"
  // box only when the collector can sample new responses.
  bool sampler_configured = false;
  // Per-token (and, before sign-in, per-address) request rate; 429 past it.
  RateLimitOptions rate_limit;
  // For the rate limiter; nullptr means the real clock. Not owned.
  const common::Clock* clock = nullptr;
  // The built-in dashboard (/dashboard, /api/v1/iterations…, /api/v1/labeling;
  // services/dashboard/dashboard_api.h) reads iteration records here; nullptr
  // shows no iterations. Not owned; must outlive the server.
  const dashboard::IterationHistory* history = nullptr;
  // Certificate and key: HTTPS when set (services/common/tls.h), plain HTTP
  // otherwise (with a loud warning when `listen` is not loopback).
  services::TlsServerFiles tls;
  // Served at /metrics when set (the process's registry: in `shammie up`,
  // every service's series).
  std::shared_ptr<metrics::MetricsRegistry> metrics;
};

class HttpServer {
 public:
  // Binds options.listen and starts serving on background threads.
  // INVALID_ARGUMENT for a malformed address or bad TLS files (naming the
  // flag); UNAVAILABLE when the address cannot be bound (in use, not local).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(Collector* collector,
                                                           const HttpServerOptions& options);
  ~HttpServer();  // Shutdown()

  // The bound port (the picked one when options.listen said 0).
  int port() const;
  // "http://host:port" ("https://…" with TLS).
  std::string url() const;

  // Stops accepting, lets in-flight requests finish, joins the threads.
  // Idempotent.
  void Shutdown();

 private:
  class Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" / "[v6]:port" into host and port (0–65535).
// INVALID_ARGUMENT naming `flag` when malformed.
absl::Status ParseListenAddress(const std::string& address, absl::string_view flag,
                                std::string* host, int* port);

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_HTTP_SERVER_H_
