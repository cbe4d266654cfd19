#include "services/metrics/metrics_exposer.h"

#include <exception>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "services/common/http_listen_thread.h"

namespace shammie::metrics {

int MetricsPortForGrpcPort(int grpc_port) { return grpc_port == 0 ? 0 : grpc_port + 1000; }

std::string ResolveMetricsListen(absl::string_view metrics_listen, absl::string_view grpc_listen) {
  if (metrics_listen != "auto") return std::string(metrics_listen);
  const size_t colon = grpc_listen.rfind(':');
  int port = 0;
  if (colon == absl::string_view::npos || !absl::SimpleAtoi(grpc_listen.substr(colon + 1), &port) ||
      MetricsPortForGrpcPort(port) <= 0) {
    return "";
  }
  return absl::StrCat(grpc_listen.substr(0, colon), ":", MetricsPortForGrpcPort(port));
}

MetricsExposer::~MetricsExposer() {
  if (listener_) listener_->Stop();
}

absl::StatusOr<std::unique_ptr<MetricsExposer>> MetricsExposer::Start(
    absl::string_view address, std::shared_ptr<MetricsRegistry> registry) {
  if (registry == nullptr) return absl::InvalidArgumentError("registry: null");
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == absl::string_view::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address: want host:port, got \"", address, "\""));
  }
  std::string host(address.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::unique_ptr<MetricsExposer> e(new MetricsExposer());
  e->registry_ = std::move(registry);
  e->server_ = std::make_unique<httplib::Server>();
  services::HttpListenThread::BindExclusively(*e->server_);
  MetricsRegistry* r = e->registry_.get();
  e->server_->Get("/metrics", [r](const httplib::Request&, httplib::Response& res) {
    res.set_content(r->RenderText(), kTextContentType);
  });
  e->port_ = port == 0 ? e->server_->bind_to_any_port(host) : (e->server_->bind_to_port(host, port) ? port : -1);
  if (e->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("metrics address ", address, ": cannot listen"));
  }
  e->listener_ = std::make_unique<services::HttpListenThread>();
  e->listener_->Start(e->server_.get());
  return e;
}

}  // namespace shammie::metrics
