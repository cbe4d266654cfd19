#include "services/metrics/rpc_metrics.h"

#include <chrono>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"

namespace shammie::metrics {
namespace {

using grpc::experimental::InterceptionHookPoints;

// The families, registered once per factory (the registry merges a second
// registration, e.g. from another service in the same process).
struct RpcFamilies {
  explicit RpcFamilies(prometheus::Registry& r)
      : started(prometheus::BuildCounter()
                    .Name("shammie_grpc_server_started_total")
                    .Help("gRPC calls received, by service and method.")
                    .Register(r)),
        handled(prometheus::BuildCounter()
                    .Name("shammie_grpc_server_handled_total")
                    .Help("gRPC calls completed, by service, method and status code.")
                    .Register(r)),
        seconds(prometheus::BuildHistogram()
                    .Name("shammie_grpc_server_handling_seconds")
                    .Help("Time from a gRPC call's arrival to its status, by service, method "
                          "and status code.")
                    .Register(r)) {}
  prometheus::Family<prometheus::Counter>& started;
  prometheus::Family<prometheus::Counter>& handled;
  prometheus::Family<prometheus::Histogram>& seconds;
};

class RpcMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(RpcFamilies* families, const char* full_method)
      : families_(families), start_(std::chrono::steady_clock::now()) {
    std::tie(service_, method_) = SplitGrpcMethod(full_method);
    families_->started.Add({{"service", service_}, {"method", method_}}).Increment();
  }

  // gRPC destroys the interceptor when the call is done; a call that never
  // sent a status was cancelled or abandoned.
  ~RpcMetricsInterceptor() override {
    if (!recorded_) Record(grpc::StatusCode::CANCELLED);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Record(grpc::StatusCode code) {
    recorded_ = true;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const prometheus::Labels labels = {
        {"service", service_}, {"method", method_}, {"code", std::string(GrpcCodeName(code))}};
    families_->handled.Add(labels).Increment();
    families_->seconds.Add(labels, RpcLatencyBuckets()).Observe(seconds);
  }

  RpcFamilies* const families_;
  const std::chrono::steady_clock::time_point start_;
  std::string service_;
  std::string method_;
  bool recorded_ = false;
};

class RpcMetricsInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcMetricsInterceptorFactory(std::shared_ptr<MetricsRegistry> registry)
      : registry_(std::move(registry)), families_(registry_->prom()) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcMetricsInterceptor(&families_, info->method());
  }

 private:
  const std::shared_ptr<MetricsRegistry> registry_;
  RpcFamilies families_;
};

}  // namespace

const std::vector<double>& RpcLatencyBuckets() {
  static const std::vector<double> buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                              0.25,  0.5,    1,     2.5,  5,     10,   30,
                                              60,    300};
  return buckets;
}

absl::string_view GrpcCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

std::pair<std::string, std::string> SplitGrpcMethod(const char* full_method) {
  const absl::string_view m = full_method == nullptr ? "" : full_method;
  const size_t slash = m.rfind('/');
  if (m.size() < 4 || m[0] != '/' || slash == 0 || slash == absl::string_view::npos ||
      slash + 1 >= m.size()) {
    return {"unknown", "unknown"};
  }
  return {std::string(m.substr(1, slash - 1)), std::string(m.substr(slash + 1))};
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeRpcMetricsInterceptorFactory(std::shared_ptr<MetricsRegistry> registry) {
  return std::make_unique<RpcMetricsInterceptorFactory>(std::move(registry));
}

}  // namespace shammie::metrics
