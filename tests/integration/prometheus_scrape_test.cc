// A real Prometheus server scrapes running Shammie metrics endpoints and its
// query API returns the series with the values the traffic implies.
//
// Targets:
//  - a gRPC server with the RPC interceptor, served by MetricsExposer (how
//    the trainers and the scheduler export, on gRPC port + 1000);
//  - one registry shared by two gRPC servers and served from a cpp-httplib
//    server with RenderText (how `shammie up` exports every service's series
//    on the collector's HTTP port).
#include <cctype>
#include <chrono>
#include <thread>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "services/metrics/collector_metrics.h"
#include "services/metrics/iteration_metrics.h"
#include "services/metrics/metrics_exposer.h"
#include "services/metrics/rpc_metrics.h"
#include "nlohmann/json.hpp"
#include "shammie/v1/collector.grpc.pb.h"
#include "tests/lib/background_process.h"
#include "tests/lib/lookup_scheduler_service.h"
#include "tests/lib/prometheus_server.h"

namespace shammie::metrics {
namespace {

using shammie::testing::BackgroundProcess;
using shammie::testing::LookupSchedulerService;
using shammie::testing::PickFreePort;
using shammie::testing::ReadFile;
using shammie::testing::PrometheusServer;
using shammie::testing::TempDir;

// A gRPC server on loopback with the interceptor on `registry`.
struct GrpcServer {
  GrpcServer(std::shared_ptr<MetricsRegistry> registry, grpc::Service* service) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> f;
    f.push_back(MakeRpcMetricsInterceptorFactory(std::move(registry)));
    builder.experimental().SetInterceptorCreators(std::move(f));
    server = builder.BuildAndStart();
    stub = v1::Scheduler::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                      grpc::InsecureChannelCredentials()));
  }
  ~GrpcServer() { server->Shutdown(); }
  grpc::StatusCode Get(const std::string& id) {
    grpc::ClientContext ctx;
    v1::GetIterationRequest req;
    req.set_id(id);
    v1::Iteration out;
    return stub->GetIteration(&ctx, req, &out).error_code();
  }
  int port = 0;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<v1::Scheduler::Stub> stub;
};

TEST(PrometheusScrapeTest, ExposerTargetReportsRpcCountsAndLatency) {
  TempDir dir;
  auto registry = MetricsRegistry::Create();
  LookupSchedulerService service({"iter-0001", "iter-0002"});
  GrpcServer grpc_server(registry, &service);
  IterationMetrics iterations(registry);
  auto exposer = MetricsExposer::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(exposer.ok()) << exposer.status();

  PrometheusServer prom(dir.path(), {{"shammie-scheduler",
                                      "127.0.0.1:" + std::to_string((*exposer)->port())}});
  ASSERT_TRUE(prom.ready()) << prom.log();

  for (int i = 0; i < 20; ++i) ASSERT_EQ(grpc_server.Get("iter-0002"), grpc::StatusCode::OK);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(grpc_server.Get("iter-9"), grpc::StatusCode::NOT_FOUND);
  iterations.EnterStage("iter-0002", v1::TRAIN_POLICY);
  iterations.SetElo("policy-0001", 42, 20, 64);

  EXPECT_EQ(prom.WaitFor(R"(up{job="shammie-scheduler"})", [](double v) { return v == 1; }), 1)
      << prom.log();
  EXPECT_EQ(prom.WaitFor(R"(shammie_grpc_server_handled_total{method="GetIteration",code="OK"})",
                         [](double v) { return v == 20; }),
            20);
  EXPECT_EQ(prom.WaitFor(
                R"(shammie_grpc_server_handled_total{method="GetIteration",code="NOT_FOUND"})",
                [](double v) { return v == 5; }),
            5);
  // Loopback calls answered from memory: the median is well under a second.
  const double p50 = prom.Scalar(
      R"(histogram_quantile(0.5, sum by (le) (shammie_grpc_server_handling_seconds_bucket{method="GetIteration"})))");
  EXPECT_GT(p50, 0);
  EXPECT_LT(p50, 1.0);
  EXPECT_EQ(prom.WaitFor(R"(shammie_iteration_stage{stage="TRAIN_POLICY"})",
                         [](double v) { return v == 1; }),
            1);
  EXPECT_EQ(prom.Scalar(R"(shammie_iteration_number)"), 2);
  EXPECT_EQ(prom.Scalar(R"(shammie_policy_elo{policy="policy-0001"})"), 42);

  // More traffic shows up in the next scrapes: counters are read live.
  for (int i = 0; i < 10; ++i) ASSERT_EQ(grpc_server.Get("iter-0001"), grpc::StatusCode::OK);
  EXPECT_EQ(prom.WaitFor(R"(shammie_grpc_server_handled_total{method="GetIteration",code="OK"})",
                         [](double v) { return v == 30; }),
            30);
  prom.Stop();
  EXPECT_FALSE(prom.Running());
}

// `shammie up`: two services in one process share a registry, served once
// from an HTTP server (as the collector's cpp-httplib server does).
TEST(PrometheusScrapeTest, OneHttpEndpointCarriesEveryServicesSeries) {
  TempDir dir;
  auto registry = MetricsRegistry::Create();
  LookupSchedulerService a({"iter-0001"});
  LookupSchedulerService b({"iter-0001"});
  GrpcServer first(registry, &a);
  GrpcServer second(registry, &b);
  CollectorMetrics collector(registry);

  httplib::Server http;
  http.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry->RenderText(), kTextContentType);
  });
  const int http_port = http.bind_to_any_port("127.0.0.1");
  ASSERT_GT(http_port, 0);
  std::thread http_thread([&] { http.listen_after_bind(); });

  PrometheusServer prom(dir.path(),
                        {{"shammie-up", "127.0.0.1:" + std::to_string(http_port)}});
  ASSERT_TRUE(prom.ready()) << prom.log();

  for (int i = 0; i < 3; ++i) ASSERT_EQ(first.Get("iter-0001"), grpc::StatusCode::OK);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(second.Get("iter-0001"), grpc::StatusCode::OK);
  collector.ComparisonStored(v1::SOURCE_SIMULATED, "sim-1");
  collector.ComparisonStored(v1::SOURCE_SIMULATED, "sim-2");
  collector.ComparisonStored(v1::SOURCE_HUMAN, "alice");

  EXPECT_EQ(prom.WaitFor(R"(up{job="shammie-up"})", [](double v) { return v == 1; }), 1)
      << prom.log();
  // Both servers' calls land in the one series (same method, same registry).
  EXPECT_EQ(prom.WaitFor(R"(sum(shammie_grpc_server_handled_total{code="OK"}))",
                         [](double v) { return v == 7; }),
            7);
  EXPECT_EQ(prom.WaitFor(R"(sum by (source) (shammie_comparisons_stored_total{source="simulated"}))",
                         [](double v) { return v == 2; }),
            2);
  const auto by_labeler = prom.Query(R"(shammie_comparisons_stored_total)");
  EXPECT_EQ(by_labeler.size(), 3u) << by_labeler.dump();

  prom.Stop();
  http.stop();
  http_thread.join();
}

// The real shammie-collector process: labelers' traffic over gRPC, and
// Prometheus scraping the collector's HTTP port.
TEST(PrometheusScrapeTest, RealCollectorAfterRealComparisons) {
  TempDir dir;
  const char* bin = std::getenv("SHAMMIE_BIN_DIR");
  ASSERT_NE(bin, nullptr) << "SHAMMIE_BIN_DIR (set by ctest)";
  const int http_port = PickFreePort();
  BackgroundProcess collector({std::string(bin) + "/shammie-collector", "--data-dir",
                          dir.path() + "/data", "--listen", "127.0.0.1:0", "--port-file",
                          dir.path() + "/grpc.port", "--http-listen",
                          "127.0.0.1:" + std::to_string(http_port)},
                         dir.path() + "/collector.log");
  std::string port;
  for (int i = 0; i < 300 && port.empty() && collector.Running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    port = ReadFile(dir.path() + "/grpc.port");
  }
  ASSERT_FALSE(port.empty()) << ReadFile(dir.path() + "/collector.log");
  std::string operator_token = ReadFile(dir.path() + "/data/operator.token");
  while (!operator_token.empty() && std::isspace(operator_token.back())) operator_token.pop_back();
  auto stub = v1::ComparisonService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + port, grpc::InsecureChannelCredentials()));
  auto call = [&](const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  };

  v1::CreateTokenRequest token_req;
  token_req.set_name("alice");
  token_req.set_role(v1::LABELER);
  v1::Token alice;
  ASSERT_TRUE(stub->CreateToken(call(operator_token).get(), token_req, &alice).ok());
  constexpr int kTasks = 5;
  for (int i = 0; i < kTasks; ++i) {
    v1::CreateTaskRequest req;
    auto* turn = req.mutable_context()->add_turns();
    turn->set_role(v1::HUMAN);
    turn->set_text("Question " + std::to_string(i));
    req.add_candidates("answer a");
    req.add_candidates("answer b");
    v1::LabelingTask task;
    ASSERT_TRUE(stub->CreateTask(call(operator_token).get(), req, &task).ok());
  }
  for (int i = 0; i < kTasks; ++i) {
    v1::LabelingTask task;
    ASSERT_TRUE(stub->NextTask(call(alice.secret()).get(), v1::NextTaskRequest(), &task).ok());
    v1::SubmitComparisonRequest submit;
    submit.set_task_id(task.id());
    submit.set_preference(9);  // out of range: refused, nothing stored
    v1::Comparison stored;
    ASSERT_EQ(stub->SubmitComparison(call(alice.secret()).get(), submit, &stored).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    submit.set_preference(1 + i);
    submit.set_client_request_id("alice-" + std::to_string(i));
    ASSERT_TRUE(stub->SubmitComparison(call(alice.secret()).get(), submit, &stored).ok());
    // A retry with the same client_request_id is the same comparison.
    ASSERT_TRUE(stub->SubmitComparison(call(alice.secret()).get(), submit, &stored).ok());
  }

  PrometheusServer prom(dir.path(), {{"shammie-collector", "127.0.0.1:" + std::to_string(http_port)}});
  ASSERT_TRUE(prom.ready()) << prom.log();
  EXPECT_EQ(prom.WaitFor(R"(up{job="shammie-collector"})", [](double v) { return v == 1; }), 1)
      << prom.log();
  EXPECT_EQ(prom.WaitFor(R"(shammie_comparisons_stored_total{source="human",labeler="alice"})",
                         [](double v) { return v == kTasks; }),
            kTasks);
  EXPECT_EQ(prom.Scalar("shammie_comparisons"), kTasks);
  EXPECT_EQ(prom.Scalar("shammie_tasks_created_total"), kTasks);
  EXPECT_EQ(prom.Scalar("shammie_tasks_served_total"), kTasks);
  EXPECT_EQ(prom.Scalar("shammie_tasks_open"), 0);
  const std::string submit = R"(shammie_grpc_server_handled_total{service="shammie.v1.ComparisonService",method="SubmitComparison",code=")";
  EXPECT_EQ(prom.Scalar(submit + R"(OK"})"), 2 * kTasks);  // first submits and retries
  EXPECT_EQ(prom.Scalar(submit + R"(INVALID_ARGUMENT"})"), kTasks);
  EXPECT_EQ(prom.Scalar(R"(shammie_grpc_server_handled_total{method="CreateToken",code="OK"})"), 1);
  // Submits wait for the WAL sync, but on loopback they take well under 5 s.
  const double p90 = prom.Scalar(
      R"(histogram_quantile(0.9, sum by (le) (shammie_grpc_server_handling_seconds_bucket{method="SubmitComparison"})))");
  EXPECT_GT(p90, 0);
  EXPECT_LT(p90, 5);
  prom.Stop();
  collector.Stop();
}

// The collector and a real shammie-scheduler: an iteration starts, the
// trainers are not running (its PM stage waits for them), and Prometheus sees
// both processes' series while the collector's dashboard API serves the
// record the scheduler wrote to the shared artifact folder.
TEST(PrometheusScrapeTest, SchedulerIterationInFlightIsScrapedAndRecorded) {
  TempDir dir;
  const std::string bin = std::getenv("SHAMMIE_BIN_DIR") ? std::getenv("SHAMMIE_BIN_DIR") : "";
  ASSERT_FALSE(bin.empty()) << "SHAMMIE_BIN_DIR (set by ctest)";
  const std::string artifacts = dir.path() + "/artifacts";
  const int http_port = PickFreePort();
  BackgroundProcess collector({bin + "/shammie-collector", "--data-dir", dir.path() + "/collector",
                               "--listen", "127.0.0.1:0", "--port-file", dir.path() + "/grpc.port",
                               "--http-listen", "127.0.0.1:" + std::to_string(http_port),
                               "--artifact-dir", artifacts},
                              dir.path() + "/collector.log");
  std::string port;
  for (int i = 0; i < 300 && port.empty() && collector.Running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    port = ReadFile(dir.path() + "/grpc.port");
  }
  ASSERT_FALSE(port.empty()) << ReadFile(dir.path() + "/collector.log");
  std::string operator_token = ReadFile(dir.path() + "/collector/operator.token");
  while (!operator_token.empty() && std::isspace(operator_token.back())) operator_token.pop_back();
  auto stub = v1::ComparisonService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + port, grpc::InsecureChannelCredentials()));
  grpc::ClientContext token_ctx;
  token_ctx.AddMetadata("authorization", "Bearer " + operator_token);
  v1::CreateTokenRequest token_req;
  token_req.set_name("scheduler");
  token_req.set_role(v1::SERVICE);
  v1::Token service_token;
  ASSERT_TRUE(stub->CreateToken(&token_ctx, token_req, &service_token).ok());
  shammie::testing::WriteFile(dir.path() + "/service.token", service_token.secret());
  // Something to train on: three imported comparisons.
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + operator_token);
    v1::ImportSummary summary;
    auto writer = stub->ImportComparisons(&ctx, &summary);
    for (int i = 0; i < 3; ++i) {
      v1::Comparison c;
      auto* turn = c.mutable_context()->add_turns();
      turn->set_role(v1::HUMAN);
      turn->set_text("Question " + std::to_string(i));
      c.mutable_response_a()->set_text("a");
      c.mutable_response_b()->set_text("b");
      c.set_preference(2);
      c.set_labeler("sim-1");
      ASSERT_TRUE(writer->Write(c));
    }
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
  }

  const int scheduler_port = PickFreePort();
  const int scheduler_metrics = PickFreePort();
  const int dead_trainer = PickFreePort();  // nothing listens: the PM stage waits
  BackgroundProcess scheduler(
      {bin + "/shammie-scheduler", "--data-dir", dir.path() + "/scheduler", "--listen",
       "127.0.0.1:" + std::to_string(scheduler_port), "--metrics-listen",
       "127.0.0.1:" + std::to_string(scheduler_metrics), "--artifact-dir", artifacts,
       "--collector", "127.0.0.1:" + port, "--pm-trainer",
       "127.0.0.1:" + std::to_string(dead_trainer), "--ppo-trainer",
       "127.0.0.1:" + std::to_string(dead_trainer), "--token-file", dir.path() + "/service.token",
       "--base-checkpoint", artifacts + "/base"},
      dir.path() + "/scheduler.log");
  auto sched = v1::Scheduler::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(scheduler_port), grpc::InsecureChannelCredentials()));
  grpc::Status trigger;
  v1::Iteration it;
  // The scheduler links torch and re-executes itself (common/omp_env.h):
  // under a parallel ctest its start can take many seconds.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  do {
    grpc::ClientContext ctx;
    // Triggers are an operator's (the scheduler checks with the collector).
    ctx.AddMetadata("authorization", "Bearer " + operator_token);
    v1::TriggerIterationRequest req;
    req.set_key("scrape-test");
    trigger = sched->TriggerIteration(&ctx, req, &it);
    if (trigger.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(trigger.ok()) << trigger.error_message() << "\n" << ReadFile(dir.path() + "/scheduler.log");
  EXPECT_EQ(it.id(), "iter-0001");

  PrometheusServer prom(dir.path(),
                        {{"shammie-collector", "127.0.0.1:" + std::to_string(http_port)},
                         {"shammie-scheduler", "127.0.0.1:" + std::to_string(scheduler_metrics)}});
  ASSERT_TRUE(prom.ready()) << prom.log();
  EXPECT_EQ(prom.WaitFor(R"(sum(up{job=~"shammie-.*"}))", [](double v) { return v == 2; }), 2)
      << prom.log() << ReadFile(dir.path() + "/scheduler.log");
  EXPECT_EQ(prom.WaitFor(R"(shammie_iteration_stage{job="shammie-scheduler",stage="TRAIN_PM"})",
                         [](double v) { return v == 1; }),
            1)
      << ReadFile(dir.path() + "/scheduler.log");
  EXPECT_EQ(prom.Scalar(R"(shammie_iteration_number{job="shammie-scheduler"})"), 1);
  EXPECT_EQ(prom.Scalar(R"(shammie_iteration_stage_duration_seconds_count{stage="SNAPSHOT"})"), 1);
  EXPECT_EQ(prom.Scalar(R"(shammie_grpc_server_handled_total{job="shammie-scheduler",method="TriggerIteration",code="OK"})"), 1);
  // The scheduler's SNAPSHOT asked the collector for its stats, as a service.
  EXPECT_GE(prom.Scalar(R"(shammie_grpc_server_handled_total{job="shammie-collector",method="GetStats",code="OK"})"), 1);
  EXPECT_EQ(prom.Scalar(R"(shammie_comparisons{job="shammie-collector"})"), 3);

  // The collector serves the record the scheduler wrote.
  httplib::Client http("127.0.0.1", http_port);
  nlohmann::json record;
  for (int i = 0; i < 100; ++i) {
    auto res = http.Get("/api/v1/iterations/iter-0001");
    if (res && res->status == 200) {
      record = nlohmann::json::parse(res->body);
      if (record["iteration"]["stage"] == "TRAIN_PM") break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(record["iteration"]["stage"], "TRAIN_PM") << record.dump();
  EXPECT_EQ(record["iteration"]["watermark"], "3") << record.dump();

  prom.Stop();
  scheduler.Stop();
  collector.Stop();
}

}  // namespace
}  // namespace shammie::metrics
