// Every internal RPC has a deadline: against a stuck peer — a real gRPC
// server on loopback that accepts every call and never answers — each
// client gives DEADLINE_EXCEEDED within its deadline instead of hanging:
// scheduler → collector and trainers (GrpcPipeline), the scheduler's
// operator check and the trainers' caller check (TokenGate), PM trainer → collector (CollectorClient),
// PPO trainer → collector (FetchCollectorPrompts), simulated labelers and
// the task feeder → collector.
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <future>
#include <memory>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/pm_trainer/collector_client.h"
#include "services/ppo_trainer/prompt_source.h"
#include "services/scheduler/grpc_pipeline.h"
#include "services/common/token_gate.h"
#include "sim/simulated_labelers.h"
#include "sim/task_feeder.h"

namespace shammie {
namespace {

// Accepts any method and never answers; finishes a call only when the
// client gives up on it.
class StuckPeer : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    ++calls;
    class Reactor : public grpc::ServerGenericBidiReactor {
     public:
      void OnCancel() override { Finish(grpc::Status(grpc::StatusCode::CANCELLED, "gone")); }
      void OnDone() override { delete this; }
    };
    return new Reactor;
  }
  std::atomic<int> calls{0};
};

class DeadlinesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterCallbackGenericService(&peer_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_ && port > 0);
    address_ = "127.0.0.1:" + std::to_string(port);
  }
  void TearDown() override { server_->Shutdown(absl::ToChronoTime(absl::Now())); }

  // Runs `call`, checks it ends DEADLINE_EXCEEDED well before `limit`.
  template <typename Call>
  void ExpectDeadline(const char* what, Call call, absl::Duration limit = absl::Seconds(10)) {
    const absl::Time start = absl::Now();
    absl::Status s = call();
    const absl::Duration took = absl::Now() - start;
    EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << what << ": " << s;
    EXPECT_LT(took, limit) << what;
  }

  StuckPeer peer_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

TEST_F(DeadlinesTest, SchedulerPipelineCallsHitTheirDeadline) {
  scheduler::GrpcPipelineOptions o;
  o.collector_address = o.pm_trainer_address = o.ppo_trainer_address = address_;
  o.token = "shm_x";
  o.deadline = absl::Milliseconds(300);
  scheduler::GrpcPipeline pipeline(o);
  ExpectDeadline("GetStats", [&] { return pipeline.GetStats().status(); });
  ExpectDeadline("GetDeployment", [&] { return pipeline.GetDeployment().status(); });
  ExpectDeadline("StartPmJob", [&] { return pipeline.StartPmJob(v1::PmJobSpec()).status(); });
  ExpectDeadline("GetPpoJob", [&] { return pipeline.GetPpoJob("j").status(); });
  ExpectDeadline("CancelPmJob", [&] { return pipeline.CancelPmJob("j"); });
  // Exports get ten times the unary deadline (3 s here).
  ExpectDeadline("ExportComparisons", [&] {
    return pipeline.ExportComparisons(0, [](const v1::Comparison&) { return true; });
  });
  EXPECT_GE(peer_.calls.load(), 6);  // every call reached the stuck peer
}

TEST_F(DeadlinesTest, TokenGateHitsItsDeadline) {
  services::TokenGate gate(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()),
                           absl::Milliseconds(300));
  ExpectDeadline("RecordOperatorAction", [&] {
    std::promise<absl::Status> done;
    gate.Authorize("Bearer shm_x", "iteration.trigger", "t", "",
                   [&](absl::StatusOr<v1::AuditEntry> r) { done.set_value(r.status()); });
    return done.get_future().get();
  });
  ExpectDeadline("WhoAmI", [&] {
    std::promise<absl::Status> done;
    gate.CheckCaller("Bearer shm_x", services::CallerRule::kAnyRole, "GetJob",
                     [&](absl::StatusOr<v1::Token> r) { done.set_value(r.status()); });
    return done.get_future().get();
  });
}

TEST_F(DeadlinesTest, TrainerClientsOfTheCollectorHitTheirDeadline) {
  pm_trainer::CollectorClient pm(address_, "shm_x", nullptr,
                                 /*export_timeout=*/absl::Milliseconds(500));
  ExpectDeadline("pm GetStats", [&] { return pm.GetStats(absl::Milliseconds(300)).status(); });
  ExpectDeadline("pm Export", [&] { return pm.Export(0, nullptr).status(); });
  ppo_trainer::CollectorSource source;
  source.address = address_;
  source.token = "shm_x";
  source.timeout_seconds = 0.3;
  ExpectDeadline("ppo prompts",
                 [&] { return ppo_trainer::FetchCollectorPrompts(source).status(); });
}

TEST_F(DeadlinesTest, SimulatedLabelersAndFeederRecordDeadlinesAndStop) {
  sim::SimulatedLabelersOptions lo;
  lo.collector_address = address_;
  lo.tokens = {"shm_a"};
  lo.rpc_deadline = absl::Milliseconds(200);
  lo.idle_backoff = absl::Milliseconds(10);
  sim::SimulatedLabelers labelers(lo);
  sim::TaskFeederOptions fo;
  fo.collector_address = address_;
  fo.token = "shm_b";
  fo.rpc_deadline = absl::Milliseconds(200);
  sim::TaskFeeder feeder(fo);
  labelers.Start();
  feeder.Start();
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while ((labelers.Stats().errors == 0 || feeder.Stats().errors == 0) && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  const absl::Time stopping = absl::Now();
  labelers.Stop();  // returns: no call is stuck
  feeder.Stop();
  EXPECT_LT(absl::Now() - stopping, absl::Seconds(5));
  sim::SimulatedLabelersStats ls = labelers.Stats();
  EXPECT_GE(ls.errors, 1u);
  EXPECT_TRUE(absl::StrContains(ls.last_error, "Deadline Exceeded")) << ls.last_error;
  EXPECT_EQ(ls.submitted, 0u);
  sim::TaskFeederStats fs = feeder.Stats();
  EXPECT_GE(fs.errors, 1u);
  EXPECT_TRUE(absl::StrContains(fs.last_error, "Deadline Exceeded")) << fs.last_error;
}

}  // namespace
}  // namespace shammie
