// A real collector for tests: CollectorServer on 127.0.0.1:0 over a RocksDB
// in a temp dir, a gRPC stub to it, the operator token it wrote, and helpers
// to make tokens and tasks. Everything goes over loopback gRPC.
#ifndef SHAMMIE_TESTS_LIB_COLLECTOR_FIXTURE_H_
#define SHAMMIE_TESTS_LIB_COLLECTOR_FIXTURE_H_

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "gtest/gtest.h"
#include "services/collector/collector_server.h"
#include "shammie/v1/collector.grpc.pb.h"
#include "tests/lib/temp_dir.h"

namespace shammie::testing {

class CollectorFixture : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }
  void TearDown() override { server_.reset(); }

  void StartServer() {
    collector::CollectorServerOptions options;
    options.listen = "127.0.0.1:0";
    options.collector.data_dir = dir_.Sub("data");
    options.worker_threads = 16;
    Customize(&options);
    auto server = collector::CollectorServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::ComparisonService::NewStub(channel_);
    std::ifstream in(dir_.Sub("data/operator.token"));
    std::getline(in, operator_token_);
    operator_token_ = std::string(absl::StripAsciiWhitespace(operator_token_));
    ASSERT_FALSE(operator_token_.empty());
  }

  void RestartServer() {
    stub_.reset();
    channel_.reset();
    server_.reset();
    StartServer();
  }

  virtual void Customize(collector::CollectorServerOptions*) {}

  // A context carrying `token` as a bearer token (none when empty).
  static std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ctx;
  }

  std::string NewToken(const std::string& name, v1::TokenRole role) {
    v1::CreateTokenRequest req;
    req.set_name(name);
    req.set_role(role);
    v1::Token token;
    grpc::Status s = stub_->CreateToken(As(operator_token_).get(), req, &token);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return token.secret();
  }

  static v1::CreateTaskRequest TaskRequest(const std::string& prompt, uint32_t overlap = 0) {
    v1::CreateTaskRequest req;
    auto* turn = req.mutable_context()->add_turns();
    turn->set_role(v1::HUMAN);
    turn->set_text(prompt);
    req.add_candidates("A: " + prompt);
    req.add_candidates("B: " + prompt);
    req.set_overlap(overlap);
    return req;
  }

  v1::LabelingTask NewTask(const std::string& prompt, uint32_t overlap = 0) {
    v1::LabelingTask task;
    grpc::Status s = stub_->CreateTask(As(operator_token_).get(), TaskRequest(prompt, overlap), &task);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return task;
  }

  std::vector<v1::Comparison> ExportAll(const std::string& token, uint64_t after = 0, uint64_t up_to = 0,
                                        grpc::Status* status = nullptr) {
    v1::ExportComparisonsRequest req;
    req.set_after_seq(after);
    req.set_up_to_seq(up_to);
    auto ctx = As(token);
    auto reader = stub_->ExportComparisons(ctx.get(), req);
    std::vector<v1::Comparison> out;
    v1::Comparison c;
    while (reader->Read(&c)) out.push_back(c);
    grpc::Status s = reader->Finish();
    if (status) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return out;
  }

  v1::Stats Stats() {
    v1::Stats stats;
    grpc::Status s = stub_->GetStats(As(operator_token_).get(), v1::GetStatsRequest(), &stats);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return stats;
  }

  TempDir dir_;
  std::unique_ptr<collector::CollectorServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ComparisonService::Stub> stub_;
  std::string operator_token_;
};

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_LIB_COLLECTOR_FIXTURE_H_
