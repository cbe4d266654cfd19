#include "services/common/service_host.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "services/metrics/rpc_metrics.h"

namespace shammie::services {

absl::StatusOr<std::unique_ptr<ServiceHost>> ServiceHost::Start(
    const ServiceHostOptions& options, const std::vector<grpc::Service*>& services) {
  std::unique_ptr<ServiceHost> host(new ServiceHost());
  auto credentials = MakeServerCredentials(options.tls);
  if (!credentials.ok()) return credentials.status();
  // The metrics endpoint first: a taken metrics port fails the start before
  // the gRPC port is bound and clients see a half-started service.
  if (!options.metrics_listen.empty()) {
    if (!options.metrics) return absl::InvalidArgumentError("metrics: a registry to serve is required");
    auto exposer = metrics::MetricsExposer::Start(options.metrics_listen, options.metrics);
    if (!exposer.ok()) return exposer.status();
    host->exposer_ = *std::move(exposer);
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, *credentials, &host->port_);
  for (grpc::Service* s : services) builder.RegisterService(s);
  if (options.metrics) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> f;
    f.push_back(metrics::MakeRpcMetricsInterceptorFactory(options.metrics));
    builder.experimental().SetInterceptorCreators(std::move(f));
  }
  host->server_ = builder.BuildAndStart();
  if (!host->server_ || host->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("listen ", options.listen, ": cannot bind"));
  }
  for (const std::string& name : options.health_services) {
    host->server_->GetHealthCheckService()->SetServingStatus(name, true);
  }
  WarnIfPlaintextOffLoopback(options.name, options.listen, options.tls.enabled());
  return host;
}

void ServiceHost::Wait() { server_->Wait(); }

void ServiceHost::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  server_->GetHealthCheckService()->Shutdown();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  exposer_.reset();
}

ServiceHost::~ServiceHost() {
  if (server_) Shutdown();
}

}  // namespace shammie::services
