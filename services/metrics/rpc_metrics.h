// Counts every gRPC call a server handles and times it, by method and status
// code, through a server interceptor — so no handler has to remember to.
//
// Series (docs/metrics.md):
//   shammie_grpc_server_started_total{service,method}
//   shammie_grpc_server_handled_total{service,method,code}
//   shammie_grpc_server_handling_seconds{service,method,code}  (histogram)
// `service` is the fully-qualified gRPC service ("shammie.v1.Scheduler"),
// `method` the RPC name, `code` the canonical status name ("OK",
// "INVALID_ARGUMENT", …). Latency runs from the call's arrival to the moment
// its status is sent; a call that ends without a status (client cancelled,
// server shutting down) is counted as CANCELLED when the call is destroyed.
//
// Usage:
//   std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> f;
//   f.push_back(metrics::MakeRpcMetricsInterceptorFactory(registry));
//   builder.experimental().SetInterceptorCreators(std::move(f));
//
// Thread-safety: the factory and its interceptors may be used from any gRPC
// thread. The factory keeps `registry` alive.
#ifndef SHAMMIE_SERVICES_METRICS_RPC_METRICS_H_
#define SHAMMIE_SERVICES_METRICS_RPC_METRICS_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "grpcpp/support/server_interceptor.h"
#include "services/metrics/metrics_registry.h"

namespace shammie::metrics {

// Latency buckets in seconds: 1 ms … 5 min. Trainer RPCs return quickly (jobs
// run on workers), but streams such as WatchJob and ExportComparisons last
// as long as the job or the export.
const std::vector<double>& RpcLatencyBuckets();

// The canonical name of a gRPC status code ("OK", "NOT_FOUND", …).
absl::string_view GrpcCodeName(grpc::StatusCode code);

// Splits "/pkg.Service/Method" into {"pkg.Service", "Method"}; anything else
// becomes {"unknown", "unknown"}.
std::pair<std::string, std::string> SplitGrpcMethod(const char* full_method);

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeRpcMetricsInterceptorFactory(std::shared_ptr<MetricsRegistry> registry);

}  // namespace shammie::metrics

#endif  // SHAMMIE_SERVICES_METRICS_RPC_METRICS_H_
