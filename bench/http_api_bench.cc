// http_api_bench: what the JSON API costs over gRPC for the labelers' hot
// call, SubmitComparison, on one collector process.
//
//   build/bin/http_api_bench [--clients 8] [--seconds 5] [--no_sync]
//
// Starts a collector (gRPC and HTTP on loopback, RocksDB in a temp dir), then
// for the same time and the same number of concurrent clients submits
// comparisons through gRPC (the reference, measured in the same run) and
// through POST /api/v1/comparisons with keep-alive connections. Each client
// is one labeler with its own token; every submit carries a new
// client_request_id, so each one is a durable write (WAL synced unless
// --no_sync). Prints one JSON line: submits/s and latency percentiles for
// both, and http/grpc ratios.
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "services/collector/collector_server.h"
#include "services/collector/http_server.h"
#include "shammie/v1/collector.grpc.pb.h"

ABSL_FLAG(int, clients, 8, "Concurrent clients (labelers), each with its own connection.");
ABSL_FLAG(double, seconds, 5, "Seconds per transport (in alternating one-second slices).");
ABSL_FLAG(bool, no_sync, false,
          "Acknowledge before the WAL is synced (measures the layers alone).");

namespace {

using Clock = std::chrono::steady_clock;
using shammie::collector::CollectorServer;
using shammie::collector::HttpServer;
namespace v1 = shammie::v1;

// Submits and their latencies, over one or more timed slices.
struct Samples {
  std::vector<double> latencies_ms;
  double seconds = 0;
  long failures = 0;
};

struct Run {
  double submits_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  long failures = 0;
};

// Runs `submit(client, i)` from `clients` threads for `seconds` and adds
// what happened to `out`; each call returns whether the submit was
// acknowledged. `next_i` numbers submits across slices (unique request ids).
void Measure(int clients, double seconds, const std::function<bool(int, long)>& submit,
             std::atomic<long>* next_i, Samples* out) {
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<long> failures{0};
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      while (Clock::now() < deadline) {
        const auto t0 = Clock::now();
        if (!submit(c, (*next_i)++)) failures++;
        latencies[c].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  out->seconds += std::chrono::duration<double>(Clock::now() - start).count();
  out->failures += failures;
  for (auto& l : latencies) out->latencies_ms.insert(out->latencies_ms.end(), l.begin(), l.end());
}

Run Summarize(Samples s) {
  Run run;
  run.failures = s.failures;
  if (s.latencies_ms.empty()) return run;
  std::sort(s.latencies_ms.begin(), s.latencies_ms.end());
  const size_t n = s.latencies_ms.size();
  run.submits_per_s = static_cast<double>(n - s.failures) / s.seconds;
  run.p50_ms = s.latencies_ms[n / 2];
  run.p99_ms = s.latencies_ms[std::min(n - 1, n * 99 / 100)];
  return run;
}

nlohmann::json ToJson(const Run& r) {
  return {{"submits_per_s", r.submits_per_s},
          {"p50_ms", r.p50_ms},
          {"p99_ms", r.p99_ms},
          {"failures", r.failures}};
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int clients = std::max(1, absl::GetFlag(FLAGS_clients));
  const double seconds = absl::GetFlag(FLAGS_seconds);

  char tmpl[] = "/tmp/shammie-http-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const std::string dir = tmpl;
  int rc = 0;
  {
    shammie::collector::CollectorServerOptions options;
    options.listen = "127.0.0.1:0";
    options.collector.data_dir = dir + "/data";
    options.collector.sync_writes = !absl::GetFlag(FLAGS_no_sync);
    auto server = CollectorServer::Start(options);
    if (!server.ok()) {
      std::fprintf(stderr, "http_api_bench: %s\n", server.status().ToString().c_str());
      return 1;
    }
    shammie::collector::HttpServerOptions http_options;
    http_options.listen = "127.0.0.1:0";
    http_options.rate_limit.per_second = 0;  // measure the path, not the limiter
    auto http = HttpServer::Start((*server)->collector(), http_options);
    if (!http.ok()) {
      std::fprintf(stderr, "http_api_bench: %s\n", http.status().ToString().c_str());
      return 1;
    }

    // Setup through the Collector directly: one task, one token per client.
    shammie::collector::Collector* collector = (*server)->collector();
    std::ifstream in(options.collector.data_dir + "/operator.token");
    std::string op_secret;
    std::getline(in, op_secret);
    auto op =
        collector->Authenticate("Bearer " + std::string(absl::StripAsciiWhitespace(op_secret)));
    v1::CreateTaskRequest task_req;
    auto* turn = task_req.mutable_context()->add_turns();
    turn->set_role(v1::HUMAN);
    turn->set_text("Which answer is better?");
    task_req.add_candidates("The first answer, of a realistic length for a labeling task.");
    task_req.add_candidates("The second answer, a little different from the first one.");
    auto task = collector->CreateTask(*op, task_req);
    if (!op.ok() || !task.ok()) {
      std::fprintf(stderr, "http_api_bench: setup failed\n");
      return 1;
    }
    std::vector<std::string> secrets;
    for (int c = 0; c < clients; ++c) {
      v1::CreateTokenRequest req;
      req.set_name(absl::StrCat("bench-", c));
      req.set_role(v1::LABELER);
      secrets.push_back(collector->CreateToken(*op, req)->secret());
    }

    // gRPC: one channel per client, like separate labeler processes.
    std::vector<std::unique_ptr<v1::ComparisonService::Stub>> stubs;
    for (int c = 0; c < clients; ++c) {
      grpc::ChannelArguments args;
      args.SetInt("grpc.use_local_subchannel_pool", 1);
      stubs.push_back(v1::ComparisonService::NewStub(grpc::CreateCustomChannel(
          (*server)->address(), grpc::InsecureChannelCredentials(), args)));
    }
    auto grpc_submit = [&](int c, long i) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + secrets[c]);
      v1::SubmitComparisonRequest req;
      req.set_task_id(task->id());
      req.set_preference(1 + i % 8);
      req.set_client_request_id(absl::StrCat("grpc-", c, "-", i));
      v1::Comparison out;
      return stubs[c]->SubmitComparison(&ctx, req, &out).ok();
    };

    std::vector<std::unique_ptr<httplib::Client>> http_clients;
    for (int c = 0; c < clients; ++c) {
      http_clients.push_back(std::make_unique<httplib::Client>("127.0.0.1", (*http)->port()));
      http_clients.back()->set_keep_alive(true);
      http_clients.back()->set_tcp_nodelay(true);  // as browsers do
    }
    auto http_submit = [&](int c, long i) {
      const std::string body =
          nlohmann::json{{"task_id", task->id()},
                         {"preference", 1 + i % 8},
                         {"client_request_id", absl::StrCat("http-", c, "-", i)}}
              .dump();
      auto res =
          http_clients[c]->Post("/api/v1/comparisons", {{"Authorization", "Bearer " + secrets[c]}},
                                body, "application/json");
      return res && res->status == 200;
    };

    // Alternate one-second slices of each, so a change in the machine's load
    // (other builds) hits both transports alike.
    Samples grpc_samples, http_samples;
    std::atomic<long> next_i{0};
    const int slices = std::max(1, static_cast<int>(seconds + 0.5));
    for (int r = 0; r < slices; ++r) {
      Measure(clients, seconds / slices, grpc_submit, &next_i, &grpc_samples);
      Measure(clients, seconds / slices, http_submit, &next_i, &http_samples);
    }
    http_clients.clear();
    const Run grpc_run = Summarize(std::move(grpc_samples));
    const Run http_run = Summarize(std::move(http_samples));

    nlohmann::json line = {
        {"bench", "http_api_submit"},
        {"clients", clients},
        {"seconds", seconds},
        {"sync_writes", options.collector.sync_writes},
        {"grpc", ToJson(grpc_run)},
        {"http_json", ToJson(http_run)},
        {"http_over_grpc_throughput",
         grpc_run.submits_per_s > 0 ? http_run.submits_per_s / grpc_run.submits_per_s : 0},
        {"http_over_grpc_p50", grpc_run.p50_ms > 0 ? http_run.p50_ms / grpc_run.p50_ms : 0},
    };
    std::printf("%s\n", line.dump().c_str());
    if (grpc_run.failures || http_run.failures) rc = 1;
    (*http)->Shutdown();
    (*server)->Shutdown();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return rc;
}
