// The interceptor on a real gRPC server over loopback: every call counted by
// method and status code, every call timed.
#include "services/metrics/rpc_metrics.h"

#include <memory>
#include <thread>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "shammie/v1/scheduler.grpc.pb.h"
#include "tests/lib/lookup_scheduler_service.h"
#include "tests/lib/metrics_text.h"

namespace shammie::metrics {
namespace {

using shammie::testing::SeriesValue;

class RpcMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = MetricsRegistry::Create();
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> f;
    f.push_back(MakeRpcMetricsInterceptorFactory(registry_));
    builder.experimental().SetInterceptorCreators(std::move(f));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::Scheduler::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                       grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  grpc::Status Get(const std::string& id) {
    grpc::ClientContext ctx;
    v1::GetIterationRequest req;
    req.set_id(id);
    v1::Iteration out;
    return stub_->GetIteration(&ctx, req, &out);
  }
  double Value(const std::string& name, const std::map<std::string, std::string>& labels) {
    return SeriesValue(registry_->RenderText(), name, labels);
  }

  std::shared_ptr<MetricsRegistry> registry_;
  shammie::testing::LookupSchedulerService service_{{"iter-0001"}};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Scheduler::Stub> stub_;
};

TEST_F(RpcMetricsTest, CountsCallsByMethodAndCode) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Get("iter-0001").ok());
  for (int i = 0; i < 2; ++i) ASSERT_EQ(Get("nope").error_code(), grpc::StatusCode::NOT_FOUND);
  {
    grpc::ClientContext ctx;
    v1::CancelIterationRequest req;
    v1::Iteration out;
    ASSERT_EQ(stub_->CancelIteration(&ctx, req, &out).error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  const std::map<std::string, std::string> get = {{"service", "shammie.v1.Scheduler"},
                                                  {"method", "GetIteration"}};
  auto with = [](std::map<std::string, std::string> m, const char* code) {
    m["code"] = code;
    return m;
  };
  EXPECT_EQ(Value("shammie_grpc_server_started_total", get), 5);
  EXPECT_EQ(Value("shammie_grpc_server_handled_total", with(get, "OK")), 3);
  EXPECT_EQ(Value("shammie_grpc_server_handled_total", with(get, "NOT_FOUND")), 2);
  EXPECT_EQ(Value("shammie_grpc_server_handling_seconds_count", with(get, "OK")), 3);
  EXPECT_EQ(Value("shammie_grpc_server_handling_seconds_count", with(get, "NOT_FOUND")), 2);
  // Every call took some time, and less than the largest bucket.
  EXPECT_GT(Value("shammie_grpc_server_handling_seconds_sum", with(get, "OK")), 0);
  EXPECT_EQ(Value("shammie_grpc_server_handling_seconds_bucket",
                  {{"method", "GetIteration"}, {"code", "OK"}, {"le", "300"}}),
            3);
  EXPECT_EQ(Value("shammie_grpc_server_handled_total",
                  {{"method", "CancelIteration"}, {"code", "UNIMPLEMENTED"}}),
            1);
}

TEST(RpcMetricsNamesTest, SplitsFullMethodNames) {
  EXPECT_EQ(SplitGrpcMethod("/shammie.v1.Scheduler/GetIteration"),
            std::make_pair(std::string("shammie.v1.Scheduler"), std::string("GetIteration")));
  EXPECT_EQ(SplitGrpcMethod(nullptr).first, "unknown");
  EXPECT_EQ(SplitGrpcMethod("Get").first, "unknown");
  EXPECT_EQ(SplitGrpcMethod("/Svc/").first, "unknown");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::PERMISSION_DENIED), "PERMISSION_DENIED");
}

}  // namespace
}  // namespace shammie::metrics
