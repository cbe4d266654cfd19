// What the metrics cost: unary gRPC calls over loopback through a server with
// the RPC-metrics interceptor against the same server without it (the
// reference, measured in the same run, rounds alternated because the machine
// is shared), and the time to render a registry the size of a busy
// collector's for one scrape. Prints one JSON line.
//
//   build/bin/metrics_bench [--calls N] [--rounds R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "services/metrics/collector_metrics.h"
#include "services/metrics/job_metrics.h"
#include "services/metrics/rpc_metrics.h"
#include "shammie/v1/scheduler.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

// GetIteration answers at once: the call's cost is gRPC's plus what the
// interceptor adds.
class EchoScheduler final : public shammie::v1::Scheduler::CallbackService {
  grpc::ServerUnaryReactor* GetIteration(grpc::CallbackServerContext* ctx,
                                         const shammie::v1::GetIterationRequest* req,
                                         shammie::v1::Iteration* out) override {
    out->set_id(req->id());
    auto* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }
};

struct Server {
  explicit Server(std::shared_ptr<shammie::metrics::MetricsRegistry> registry) {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(&service);
    if (registry) {
      std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> f;
      f.push_back(shammie::metrics::MakeRpcMetricsInterceptorFactory(registry));
      b.experimental().SetInterceptorCreators(std::move(f));
    }
    server = b.BuildAndStart();
    stub = shammie::v1::Scheduler::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }
  // Calls per second over `calls` sequential calls.
  double Run(int calls) {
    shammie::v1::GetIterationRequest req;
    req.set_id("iter-0001");
    shammie::v1::Iteration out;
    const auto t0 = Clock::now();
    for (int i = 0; i < calls; ++i) {
      grpc::ClientContext ctx;
      if (!stub->GetIteration(&ctx, req, &out).ok()) std::abort();
    }
    return calls / std::chrono::duration<double>(Clock::now() - t0).count();
  }
  EchoScheduler service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<shammie::v1::Scheduler::Stub> stub;
};

int Flag(int argc, char** argv, const char* name, int def) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  }
  return def;
}

}  // namespace

int main(int argc, char** argv) {
  const int calls = Flag(argc, argv, "--calls", 500);
  const int rounds = Flag(argc, argv, "--rounds", 21);
  auto registry = shammie::metrics::MetricsRegistry::Create();
  Server plain(nullptr);
  Server counted(registry);
  plain.Run(200);  // warm-up: connections, thread pools
  counted.Run(200);
  // Short rounds, alternated, order flipped each round: on a shared machine
  // the per-round ratio's median is steadier than either best.
  double best_plain = 0, best_counted = 0;
  std::vector<double> ratios;
  for (int r = 0; r < rounds; ++r) {
    double p, c;
    if (r % 2 == 0) {
      p = plain.Run(calls);
      c = counted.Run(calls);
    } else {
      c = counted.Run(calls);
      p = plain.Run(calls);
    }
    best_plain = std::max(best_plain, p);
    best_counted = std::max(best_counted, c);
    ratios.push_back(c / p);
  }
  std::sort(ratios.begin(), ratios.end());
  const double median_ratio = ratios[ratios.size() / 2];

  // A scrape of a busy collector: 200 labelers × 3 sources of comparisons,
  // 50 jobs, plus the RPC series above.
  shammie::metrics::CollectorMetrics collector(registry);
  shammie::metrics::JobMetrics jobs(registry, "pm");
  for (int l = 0; l < 200; ++l) {
    for (auto s : {shammie::v1::SOURCE_HUMAN, shammie::v1::SOURCE_SIMULATED,
                   shammie::v1::SOURCE_IMPORTED}) {
      collector.ComparisonStored(s, "labeler-" + std::to_string(l));
    }
  }
  for (int j = 0; j < 50; ++j) jobs.SetState("iter-" + std::to_string(j) + "/pm", shammie::v1::JOB_SUCCEEDED);
  size_t bytes = 0;
  double best_render_ms = 1e9;
  for (int r = 0; r < 20; ++r) {
    const auto t0 = Clock::now();
    bytes = registry->RenderText().size();
    best_render_ms = std::min(
        best_render_ms, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::printf(
      "{\"bench\":\"metrics\",\"calls\":%d,\"rounds\":%d,\"ref_calls_per_s\":%.0f,"
      "\"interceptor_calls_per_s\":%.0f,\"ratio_of_best\":%.3f,\"median_round_ratio\":%.3f,"
      "\"scrape_bytes\":%zu,"
      "\"scrape_render_ms\":%.3f}\n",
      calls, rounds, best_plain, best_counted, best_counted / best_plain, median_ratio, bytes,
      best_render_ms);
  return 0;
}
