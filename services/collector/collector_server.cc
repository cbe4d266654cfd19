#include "services/collector/collector_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "services/collector/instrumented_collector.h"
#include "services/metrics/rpc_metrics.h"

namespace shammie::collector {

absl::StatusOr<std::unique_ptr<CollectorServer>> CollectorServer::Start(
    const CollectorServerOptions& options) {
  std::unique_ptr<CollectorServer> s(new CollectorServer());
  // Before the store opens: a bad certificate should not cost a RocksDB open.
  SHAMMIE_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                           services::MakeServerCredentials(options.tls));
  SHAMMIE_ASSIGN_OR_RETURN(s->collector_, Collector::Open(options.collector));
  if (options.metrics) s->collector_ = InstrumentCollector(std::move(s->collector_), options.metrics);
  s->pool_ = std::make_unique<WorkerPool>(options.worker_threads);
  s->service_ = std::make_unique<ComparisonServiceImpl>(s->collector_.get(), s->pool_.get(),
                                                        options.collector.max_request_bytes,
                                                        options.max_exports_per_client);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials, &s->port_);
  builder.RegisterService(s->service_.get());
  if (options.metrics) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> f;
    f.push_back(metrics::MakeRpcMetricsInterceptorFactory(options.metrics));
    builder.experimental().SetInterceptorCreators(std::move(f));
  }
  // Let requests up to 4× the request limit through, so that an oversized
  // request gets the collector's INVALID_ARGUMENT naming the limit rather
  // than gRPC's RESOURCE_EXHAUSTED.
  builder.SetMaxReceiveMessageSize(static_cast<int>(4 * options.collector.max_request_bytes));
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen));
  }
  s->host_ = options.listen.substr(0, options.listen.rfind(':'));
  grpc::HealthCheckServiceInterface* health = s->server_->GetHealthCheckService();
  health->SetServingStatus("", true);
  health->SetServingStatus(v1::ComparisonService::service_full_name(), true);
  SHAMMIE_LOG(INFO) << "collector listening on " << s->address()
                    << (options.tls.enabled() ? " (TLS)" : "") << ", data in "
                    << options.collector.data_dir;
  services::WarnIfPlaintextOffLoopback("the collector (gRPC)", options.listen,
                                       options.tls.enabled());
  return s;
}

CollectorServer::~CollectorServer() { Shutdown(); }

std::string CollectorServer::address() const { return absl::StrCat(host_, ":", port_); }

void CollectorServer::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (server_) {
    server_->GetHealthCheckService()->Shutdown();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
  pool_.reset();       // runs what is queued, joins
  collector_.reset();  // closes the store after the last call
}

void CollectorServer::Wait() {
  if (server_) server_->Wait();
}

}  // namespace shammie::collector
