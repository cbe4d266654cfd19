#include "services/metrics/metrics_exposer.h"

#include <exception>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "prometheus/exposer.h"

namespace shammie::metrics {

int MetricsPortForGrpcPort(int grpc_port) { return grpc_port == 0 ? 0 : grpc_port + 1000; }

MetricsExposer::MetricsExposer(std::unique_ptr<prometheus::Exposer> exposer,
                               std::shared_ptr<MetricsRegistry> registry, int port)
    : exposer_(std::move(exposer)), registry_(std::move(registry)), port_(port) {}

MetricsExposer::~MetricsExposer() = default;

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
  // civetweb reports a failed bind by throwing from the constructor; this is
  // the one place that exception is turned into a status.
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(std::string(address), /*num_threads=*/2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("metrics address ", address, ": cannot listen: ", e.what()));
  }
  exposer->RegisterCollectable(registry->shared_prom());
  const std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(absl::StrCat("metrics address ", address, ": not listening"));
  }
  return std::unique_ptr<MetricsExposer>(
      new MetricsExposer(std::move(exposer), std::move(registry), ports.front()));
}

}  // namespace shammie::metrics
