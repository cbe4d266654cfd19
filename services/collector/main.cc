// shammie-collector: the comparison collection service as a process.
//
//   shammie-collector --data-dir DIR --listen 127.0.0.1:50051 [--overlap N] [--no-sync]
//                     [--http-listen 127.0.0.1:8080] [--artifact-dir DIR]
//                     [--tls-cert FILE --tls-key FILE] [--max-exports-per-client N]
//
// With --tls-cert/--tls-key both gRPC and HTTP use TLS (HTTPS); without,
// both are plaintext, and a non-loopback address gets a loud warning
// (services/common/tls.h).
// The HTTP port serves the labeler page and the JSON API (http_server.h) on
// the same Collector as gRPC, the dashboard (iteration history from
// --artifact-dir) and /metrics (docs/metrics.md); --http-listen "" turns it
// off.
// Runs until SIGINT or SIGTERM, then shuts down cleanly (calls in flight
// finish, the database closes). Flag names may use '-' or '_'.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/omp_env.h"
#include "common/tensor_malloc.h"
#include "services/collector/collector_server.h"
#include "services/collector/http_server.h"
#include "services/dashboard/iteration_history.h"
#include "services/metrics/metrics_registry.h"
#include "services/collector/operator_token.h"
#include "services/common/grpc_status.h"
#include "services/common/tls.h"
#include "services/collector/runtime_policy.h"
#include "services/collector/wait_for_signal.h"

ABSL_FLAG(std::string, data_dir, "", "Data folder (RocksDB, operator.token); created if missing.");
ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "gRPC listen address (host:port; port 0 picks one).");
ABSL_FLAG(uint32_t, overlap, 1, "Labels wanted per task when CreateTask does not say.");
ABSL_FLAG(bool, no_sync, false,
          "Acknowledge before the WAL is synced (benchmarks only: loses data on crash).");
ABSL_FLAG(std::string, http_listen, "127.0.0.1:8080",
          "Labeler page and JSON API listen address (host:port; port 0 picks one; empty: off).");
ABSL_FLAG(double, http_requests_per_second, 20,
          "Requests per second per token on the HTTP API before 429 (bursts of 3x; 0: no limit).");
ABSL_FLAG(std::string, artifact_dir, "",
          "Artifact folder shared with the scheduler; the dashboard reads iteration history "
          "from <dir>/history (empty: no history).");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate (chain) for gRPC TLS and HTTPS; with --tls-key.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert.");
ABSL_FLAG(int32_t, max_exports_per_client, 4,
          "ExportComparisons streams one token may hold open at once (0: no limit).");
ABSL_FLAG(std::string, port_file, "", "If set, write the bound port here once serving (for tests and scripts).");

int main(int argc, char** argv) {
  // The sampler runs torch (through PolicyRuntime): see common/omp_env.h.
  shammie::common::EnsurePassiveOmpWait(argv);
  shammie::common::KeepTensorMemoryInHeap();
  absl::SetProgramUsageMessage("shammie-collector --data-dir DIR [--listen 127.0.0.1:50051]");
  // The documented spelling is --data-dir; Abseil flags are identifiers.
  std::vector<std::string> storage;
  std::vector<char*> args = shammie::collector::DashFlagsToUnderscores(argc, argv, &storage);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (absl::GetFlag(FLAGS_data_dir).empty()) {
    std::fprintf(stderr, "shammie-collector: --data-dir is required\n");
    return 2;
  }
  shammie::collector::BlockStopSignals();
  shammie::collector::CollectorServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.collector.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.collector.default_overlap = absl::GetFlag(FLAGS_overlap);
  options.collector.sync_writes = !absl::GetFlag(FLAGS_no_sync);
  options.tls = {absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key)};
  options.max_exports_per_client = absl::GetFlag(FLAGS_max_exports_per_client);
  if (absl::Status st = shammie::services::ValidateTlsServerFiles(options.tls); !st.ok()) {
    std::fprintf(stderr, "shammie-collector: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  // The sampler writes responses with the deployed policies (DeployPolicies);
  // its deployment is kept in <data-dir>/deployment.json across restarts.
  shammie::collector::ResponseSamplerOptions sampler_options;
  sampler_options.loader = shammie::collector::LoadRuntimePolicy;
  sampler_options.state_file = options.collector.data_dir + "/deployment.json";
  std::filesystem::create_directories(options.collector.data_dir);
  auto sampler = shammie::collector::ResponseSampler::Open(sampler_options);
  if (!sampler.ok()) {
    std::fprintf(stderr, "shammie-collector: %s\n", sampler.status().ToString().c_str());
    return 1;
  }
  options.collector.sampler = sampler->get();
  options.metrics = shammie::metrics::MetricsRegistry::Create();
  auto server = shammie::collector::CollectorServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "shammie-collector: %s\n", server.status().ToString().c_str());
    return 1;
  }
  if (const std::string port_file = absl::GetFlag(FLAGS_port_file); !port_file.empty()) {
    absl::Status st =
        shammie::collector::WriteFileAtomically(port_file, std::to_string((*server)->port()), 0644);
    if (!st.ok()) {
      std::fprintf(stderr, "shammie-collector: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  std::unique_ptr<shammie::dashboard::IterationHistory> history;
  if (const std::string dir = absl::GetFlag(FLAGS_artifact_dir); !dir.empty()) {
    auto opened = shammie::dashboard::IterationHistory::Open(dir);
    if (!opened.ok()) {
      std::fprintf(stderr, "shammie-collector: --artifact-dir: %s\n", opened.status().ToString().c_str());
      (*server)->Shutdown();
      return 1;
    }
    history = *std::move(opened);
  }
  std::unique_ptr<shammie::collector::HttpServer> http;
  if (const std::string http_listen = absl::GetFlag(FLAGS_http_listen); !http_listen.empty()) {
    shammie::collector::HttpServerOptions http_options;
    http_options.listen = http_listen;
    http_options.tls = options.tls;
    http_options.rate_limit.per_second = absl::GetFlag(FLAGS_http_requests_per_second);
    http_options.rate_limit.burst = 3 * http_options.rate_limit.per_second;
    http_options.history = history.get();
    // This collector always runs the sampler: the page offers "continue the
    // conversation" (before the first deploy, a continuation gets the
    // sampler's clear "no policy is deployed").
    http_options.sampler_configured = true;
    http_options.metrics = options.metrics;
    auto started = shammie::collector::HttpServer::Start((*server)->collector(), http_options);
    if (!started.ok()) {
      std::fprintf(stderr, "shammie-collector: %s\n", started.status().ToString().c_str());
      (*server)->Shutdown();
      return 1;
    }
    http = std::move(*started);
  }
  int sig = shammie::collector::WaitForStopSignal();
  std::fprintf(stderr, "shammie-collector: signal %d, shutting down\n", sig);
  // HTTP first: its handlers call the Collector that the gRPC server owns.
  if (http) http->Shutdown();
  (*server)->Shutdown();
  return 0;
}
