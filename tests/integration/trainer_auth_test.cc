// Who may call the trainers, for real: a CollectorServer (RocksDB in a temp
// dir, a manual clock) is the token authority, and an in-process PM trainer
// and PPO trainer check every caller with it over loopback gRPC
// (services/common/token_gate.h). For each trainer and each of its five
// RPCs: no token, an unknown, an expired and a revoked token are
// UNAUTHENTICATED; a labeler may read (GetJob, ListJobs, WatchJob) but not
// start or cancel (PERMISSION_DENIED); service and operator tokens get past
// the gate to the trainer's own answer (INVALID_ARGUMENT for an empty spec,
// NOT_FOUND for an unknown job); with the collector down every call is
// UNAVAILABLE.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "gtest/gtest.h"
#include "services/pm_trainer/pm_trainer_server.h"
#include "services/ppo_trainer/ppo_trainer_server.h"
#include "shammie/v1/pm_trainer.grpc.pb.h"
#include "shammie/v1/ppo_trainer.grpc.pb.h"
#include "tests/lib/collector_fixture.h"

namespace shammie {
namespace {

using grpc::StatusCode;

// One trainer's five RPCs, each called with `token` ("" = no header) and
// answering the status code.
struct TrainerCalls {
  std::string name;
  std::function<grpc::Status(const std::string& token)> start, cancel, get, list, watch;
};

// A context carrying `token` as a bearer token (none when empty).
std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return ctx;
}

template <typename Stub, typename Spec, typename Job, typename ListResponse, typename Event>
TrainerCalls CallsOf(std::string name, std::shared_ptr<Stub> stub) {
  TrainerCalls c;
  c.name = std::move(name);
  c.start = [stub](const std::string& token) {
    Job job;
    return stub->StartJob(Ctx(token).get(), Spec(), &job);  // no key
  };
  c.cancel = [stub](const std::string& token) {
    v1::CancelJobRequest req;
    req.set_id("no-such-job");
    Job job;
    return stub->CancelJob(Ctx(token).get(), req, &job);
  };
  c.get = [stub](const std::string& token) {
    v1::GetJobRequest req;
    req.set_id("no-such-job");
    Job job;
    return stub->GetJob(Ctx(token).get(), req, &job);
  };
  c.list = [stub](const std::string& token) {
    ListResponse list;
    return stub->ListJobs(Ctx(token).get(), v1::ListJobsRequest(), &list);
  };
  c.watch = [stub](const std::string& token) {
    v1::WatchJobRequest req;
    req.set_id("no-such-job");
    auto ctx = Ctx(token);
    auto reader = stub->WatchJob(ctx.get(), req);
    Event event;
    while (reader->Read(&event)) {
    }
    return reader->Finish();
  };
  return c;
}

class TrainerAuthTest : public testing::CollectorFixture {
 protected:
  void Customize(collector::CollectorServerOptions* options) override {
    options->collector.clock = &clock_;
  }

  void SetUp() override {
    CollectorFixture::SetUp();
    pm_trainer::PmTrainerServerOptions pm;
    pm.listen = "127.0.0.1:0";
    pm.data_dir = dir_.Sub("pm");
    pm.collector = server_->address();
    auto pm_server = pm_trainer::PmTrainerServer::Start(pm);
    ASSERT_TRUE(pm_server.ok()) << pm_server.status();
    pm_ = std::move(*pm_server);
    ppo_trainer::PpoTrainerServerOptions ppo;
    ppo.listen = "127.0.0.1:0";
    ppo.data_dir = dir_.Sub("ppo");
    ppo.collector = server_->address();
    auto ppo_server = ppo_trainer::PpoTrainerServer::Start(ppo);
    ASSERT_TRUE(ppo_server.ok()) << ppo_server.status();
    ppo_ = std::move(*ppo_server);

    auto channel = [](int port) {
      return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    };
    trainers_.push_back(CallsOf<v1::PreferenceModelTrainer::Stub, v1::PmJobSpec, v1::PmJob,
                                v1::ListPmJobsResponse, v1::PmJobEvent>(
        "pm", v1::PreferenceModelTrainer::NewStub(channel(pm_->port()))));
    trainers_.push_back(CallsOf<v1::PolicyTrainer::Stub, v1::PpoJobSpec, v1::PpoJob,
                                v1::ListPpoJobsResponse, v1::PpoJobEvent>(
        "ppo", v1::PolicyTrainer::NewStub(channel(ppo_->port()))));
  }
  void TearDown() override {
    pm_.reset();
    ppo_.reset();
    CollectorFixture::TearDown();
  }

  // Every RPC of every trainer with `token`: {start, cancel, get, list, watch}.
  void Expect(const std::string& token, const std::string& who, StatusCode start,
              StatusCode cancel, StatusCode read_one, StatusCode list) {
    for (const TrainerCalls& t : trainers_) {
      auto check = [&](const char* rpc, const grpc::Status& s, StatusCode want) {
        EXPECT_EQ(s.error_code(), want) << t.name << " " << rpc << " as " << who << ": "
                                        << s.error_message();
      };
      check("StartJob", t.start(token), start);
      check("CancelJob", t.cancel(token), cancel);
      check("GetJob", t.get(token), read_one);
      check("ListJobs", t.list(token), list);
      check("WatchJob", t.watch(token), read_one);
    }
  }

  void ExpectUnauthenticated(const std::string& token, const std::string& who) {
    Expect(token, who, StatusCode::UNAUTHENTICATED, StatusCode::UNAUTHENTICATED,
           StatusCode::UNAUTHENTICATED, StatusCode::UNAUTHENTICATED);
  }

  common::ManualClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<pm_trainer::PmTrainerServer> pm_;
  std::unique_ptr<ppo_trainer::PpoTrainerServer> ppo_;
  std::vector<TrainerCalls> trainers_;
};

TEST_F(TrainerAuthTest, NoTokenOrAnUnknownOneIsUnauthenticated) {
  ExpectUnauthenticated("", "nobody");
  ExpectUnauthenticated("shm_not-a-token", "an unknown token");
  // The message says what to send.
  grpc::Status s = trainers_[0].start("");
  EXPECT_TRUE(absl::StrContains(s.error_message(), "authorization: Bearer")) << s.error_message();
}

TEST_F(TrainerAuthTest, ExpiredTokenIsUnauthenticated) {
  v1::CreateTokenRequest req;
  req.set_name("brief");
  req.set_role(v1::OPERATOR);
  req.mutable_ttl()->set_seconds(60);
  v1::Token token;
  ASSERT_TRUE(stub_->CreateToken(As(operator_token_).get(), req, &token).ok());
  Expect(token.secret(), "an operator before expiry", StatusCode::INVALID_ARGUMENT,
         StatusCode::NOT_FOUND, StatusCode::NOT_FOUND, StatusCode::OK);
  clock_.Advance(absl::Seconds(61));
  ExpectUnauthenticated(token.secret(), "an expired operator");
  grpc::Status s = trainers_[1].cancel(token.secret());
  EXPECT_TRUE(absl::StrContains(s.error_message(), "expired")) << s.error_message();
}

TEST_F(TrainerAuthTest, RevokedTokenIsRefusedOnItsNextCall) {
  const std::string secret = NewToken("leaving", v1::SERVICE);
  Expect(secret, "a service", StatusCode::INVALID_ARGUMENT, StatusCode::NOT_FOUND,
         StatusCode::NOT_FOUND, StatusCode::OK);
  v1::RevokeTokenRequest req;
  req.set_name("leaving");
  v1::RevokeTokenResponse resp;
  ASSERT_TRUE(stub_->RevokeToken(As(operator_token_).get(), req, &resp).ok());
  ExpectUnauthenticated(secret, "a revoked service");
}

TEST_F(TrainerAuthTest, LabelersMayReadButNotStartOrCancel) {
  const std::string labeler = NewToken("ann", v1::LABELER);
  Expect(labeler, "a labeler", StatusCode::PERMISSION_DENIED, StatusCode::PERMISSION_DENIED,
         StatusCode::NOT_FOUND, StatusCode::OK);
  grpc::Status s = trainers_[0].start(labeler);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "StartJob")) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "LABELER")) << s.error_message();
}

TEST_F(TrainerAuthTest, ServiceAndOperatorTokensReachTheTrainer) {
  Expect(NewToken("scheduler", v1::SERVICE), "a service", StatusCode::INVALID_ARGUMENT,
         StatusCode::NOT_FOUND, StatusCode::NOT_FOUND, StatusCode::OK);
  Expect(operator_token_, "the operator", StatusCode::INVALID_ARGUMENT, StatusCode::NOT_FOUND,
         StatusCode::NOT_FOUND, StatusCode::OK);
  // The answer is the trainer's own: the empty spec's missing key.
  grpc::Status s = trainers_[0].start(operator_token_);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "key")) << s.error_message();
}

TEST_F(TrainerAuthTest, CollectorDownIsUnavailable) {
  const std::string secret = NewToken("scheduler", v1::SERVICE);
  stub_.reset();
  channel_.reset();
  server_.reset();
  Expect(secret, "a service with the collector down", StatusCode::UNAVAILABLE,
         StatusCode::UNAVAILABLE, StatusCode::UNAVAILABLE, StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace shammie
