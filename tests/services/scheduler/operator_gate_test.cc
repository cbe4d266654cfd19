// The scheduler's operator RPCs behind the TokenGate, for real: a
// CollectorServer (RocksDB in a temp dir) is the token authority, an
// in-process SchedulerServer forwards callers' tokens to it over loopback
// gRPC. Trigger, cancel and schedule changes need a live operator token and
// land in the collector's audit log; reads need none; a revoked token is
// refused on its next request; a collector that is down refuses changes.
#include "services/common/token_gate.h"

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "services/scheduler/scheduler_server.h"
#include "shammie/v1/scheduler.grpc.pb.h"
#include "tests/lib/collector_fixture.h"

namespace shammie::scheduler {
namespace {

class OperatorGateTest : public testing::CollectorFixture {
 protected:
  void SetUp() override {
    CollectorFixture::SetUp();
    SchedulerServerOptions o;
    o.listen = "127.0.0.1:0";
    o.scheduler.data_dir = dir_.Sub("scheduler");
    o.scheduler.iteration.base_checkpoint = dir_.Sub("base");
    o.scheduler.cadence.paused = true;  // only triggers start iterations here
    o.pipeline.collector_address = server_->address();
    o.pipeline.pm_trainer_address = "127.0.0.1:1";
    o.pipeline.ppo_trainer_address = "127.0.0.1:1";
    o.pipeline.token = operator_token_;
    auto started = SchedulerServer::Start(o);
    ASSERT_TRUE(started.ok()) << started.status();
    scheduler_ = std::move(*started);
    sched_ = v1::Scheduler::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(scheduler_->port()), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    scheduler_.reset();
    CollectorFixture::TearDown();
  }

  grpc::Status Trigger(const std::string& token, const std::string& key = "") {
    v1::TriggerIterationRequest req;
    req.set_key(key);
    v1::Iteration it;
    return sched_->TriggerIteration(As(token).get(), req, &it);
  }
  grpc::Status Pause(const std::string& token) {
    v1::Schedule s;
    EXPECT_TRUE(sched_->GetSchedule(As("").get(), v1::GetScheduleRequest(), &s).ok());
    s.set_paused(true);
    v1::Schedule out;
    return sched_->SetSchedule(As(token).get(), s, &out);
  }
  grpc::Status Cancel(const std::string& token, const std::string& id) {
    v1::CancelIterationRequest req;
    req.set_id(id);
    v1::Iteration it;
    return sched_->CancelIteration(As(token).get(), req, &it);
  }
  std::vector<v1::AuditEntry> Audit() {
    v1::ListAuditResponse resp;
    EXPECT_TRUE(stub_->ListAudit(As(operator_token_).get(), v1::ListAuditRequest(), &resp).ok());
    return {resp.entries().begin(), resp.entries().end()};
  }
  static bool Has(const std::vector<v1::AuditEntry>& log, const std::string& action,
                  const std::string& actor) {
    for (const auto& e : log) {
      if (e.action() == action && e.actor() == actor) return true;
    }
    return false;
  }

  std::unique_ptr<SchedulerServer> scheduler_;
  std::unique_ptr<v1::Scheduler::Stub> sched_;
};

TEST_F(OperatorGateTest, ChangesWithoutATokenAreUnauthenticated) {
  EXPECT_EQ(Trigger("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Pause("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Cancel("", "iter-0001").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Trigger("shm_not_a_token").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  v1::ListIterationsResponse list;
  ASSERT_TRUE(sched_->ListIterations(As("").get(), v1::ListIterationsRequest(), &list).ok());
  EXPECT_EQ(list.iterations_size(), 0);  // nothing was triggered
}

TEST_F(OperatorGateTest, LabelerAndServiceTokensArePermissionDenied) {
  for (v1::TokenRole role : {v1::LABELER, v1::SERVICE}) {
    const std::string token = NewToken(role == v1::LABELER ? "lab" : "svc", role);
    EXPECT_EQ(Trigger(token).error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(Pause(token).error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(Cancel(token, "iter-0001").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  EXPECT_TRUE(Audit().size() == 2u);  // the two token creations only
}

TEST_F(OperatorGateTest, OperatorChangesAreAuditedWithTheirTarget) {
  const std::string ops = NewToken("ops", v1::OPERATOR);
  grpc::Status t = Trigger(ops, "weekly-48");
  ASSERT_TRUE(t.ok()) << t.error_message();
  grpc::Status c = Cancel(ops, "iter-0001");
  EXPECT_TRUE(c.ok() || c.error_code() == grpc::StatusCode::FAILED_PRECONDITION)
      << c.error_message();
  grpc::Status p = Pause(ops);
  ASSERT_TRUE(p.ok()) << p.error_message();
  std::vector<v1::AuditEntry> log = Audit();
  ASSERT_GE(log.size(), 4u);
  EXPECT_EQ(log[0].action(), "schedule.set");
  EXPECT_EQ(log[0].actor(), "ops");
  EXPECT_TRUE(absl::StrContains(log[0].detail(), "paused")) << log[0].detail();
  EXPECT_EQ(log[1].action(), "iteration.cancel");
  EXPECT_EQ(log[1].target(), "iter-0001");
  EXPECT_EQ(log[2].action(), "iteration.trigger");
  EXPECT_EQ(log[2].target(), "iteration key weekly-48");
  EXPECT_EQ(log[2].actor_role(), v1::OPERATOR);
}

TEST_F(OperatorGateTest, RevokedOperatorIsRefusedOnItsNextRequest) {
  const std::string ops = NewToken("ops", v1::OPERATOR);
  ASSERT_TRUE(Pause(ops).ok());
  v1::RevokeTokenRequest req;
  req.set_name("ops");
  v1::RevokeTokenResponse resp;
  ASSERT_TRUE(stub_->RevokeToken(As(operator_token_).get(), req, &resp).ok());
  EXPECT_EQ(Pause(ops).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Trigger(ops).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(OperatorGateTest, CollectorDownRefusesChangesButNotReads) {
  server_->Shutdown();
  grpc::Status s = Pause(operator_token_);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "collector")) << s.error_message();
  v1::Schedule schedule;
  EXPECT_TRUE(sched_->GetSchedule(As("").get(), v1::GetScheduleRequest(), &schedule).ok());
}

}  // namespace
}  // namespace shammie::scheduler
