// The scheduler as a real process, SIGKILLed during TRAIN_PM and restarted:
// the iteration completes exactly once — one PM, one test PM, one policy
// checkpoint — and the collector ends up sampling from the new and the
// previous snapshot. Real collector (CollectorServer with its sampler,
// RocksDB in a temp dir) and real gRPC on loopback; the trainers are the
// job-contract doubles of trainer_doubles.h.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/collector/collector_server.h"
#include "services/collector/response_sampler.h"
#include "shammie/v1/scheduler.grpc.pb.h"
#include "tests/integration/trainer_doubles.h"
#include "tests/lib/child_process.h"
#include "tests/lib/temp_dir.h"

namespace shammie {
namespace {

using testing::ChildProcess;

class FolderPolicy : public collector::TextPolicy {
 public:
  explicit FolderPolicy(std::string reply) : reply_(std::move(reply)) {}
  absl::StatusOr<std::string> Generate(const std::string&, uint64_t) override { return reply_; }

 private:
  std::string reply_;
};

absl::StatusOr<std::shared_ptr<collector::TextPolicy>> LoadFolder(const std::string& dir) {
  std::ifstream in(dir + "/reply.txt");
  if (!in) return absl::NotFoundError("no reply.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  return std::shared_ptr<collector::TextPolicy>(new FolderPolicy(ss.str()));
}

std::unique_ptr<grpc::Server> Serve(grpc::Service* service, int* port) {
  grpc::ServerBuilder b;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), port);
  b.RegisterService(service);
  return b.BuildAndStart();
}

class SchedulerCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* d : {"pm-artifacts", "ppo-artifacts", "base"}) {
      std::filesystem::create_directories(dir_.Sub(d));
    }
    std::ofstream(dir_.Sub("base/reply.txt")) << " Base reply.";
    collector::ResponseSamplerOptions so;
    so.loader = LoadFolder;
    so.state_file = dir_.Sub("deployment.json");
    sampler_ = *collector::ResponseSampler::Open(so);
    collector::CollectorServerOptions co;
    co.listen = "127.0.0.1:0";
    co.collector.data_dir = dir_.Sub("collector");
    co.collector.sampler = sampler_.get();
    auto server = collector::CollectorServer::Start(co);
    ASSERT_TRUE(server.ok()) << server.status();
    collector_ = *std::move(server);
    std::ifstream in(dir_.Sub("collector/operator.token"));
    std::getline(in, token_);
    collector_stub_ = v1::ComparisonService::NewStub(
        grpc::CreateChannel(collector_->address(), grpc::InsecureChannelCredentials()));

    pm_server_ = Serve(&pm_service_, &pm_port_);
    ppo_server_ = Serve(&ppo_service_, &ppo_port_);
    ASSERT_GT(pm_port_, 0);
    ASSERT_GT(ppo_port_, 0);
    AddComparisons(20);
  }

  std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + token_);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ctx;
  }

  void AddComparisons(int n) {
    for (int i = 0; i < n; ++i) {
      v1::CreateTaskRequest req;
      auto* t = req.mutable_context()->add_turns();
      t->set_role(v1::HUMAN);
      t->set_text(absl::StrCat("What is ", i, " plus 1?"));
      req.add_candidates(absl::StrCat(" ", i + 1, "."));
      req.add_candidates(" No.");
      v1::LabelingTask task;
      ASSERT_TRUE(collector_stub_->CreateTask(Ctx().get(), req, &task).ok());
      v1::SubmitComparisonRequest s;
      s.set_task_id(task.id());
      s.set_preference(2);
      s.set_client_request_id(absl::StrCat("c", i));
      v1::Comparison c;
      ASSERT_TRUE(collector_stub_->SubmitComparison(Ctx().get(), s, &c).ok());
    }
  }

  // Starts shammie-scheduler; returns its address.
  std::string StartScheduler() {
    scheduler_ = std::make_unique<ChildProcess>(
        "shammie-scheduler",
        std::vector<std::string>{
            "--data-dir", dir_.Sub("scheduler"), "--listen", "127.0.0.1:0", "--metrics-listen", "",
            "--collector", collector_->address(), "--pm-trainer", absl::StrCat("127.0.0.1:", pm_port_),
            "--ppo-trainer", absl::StrCat("127.0.0.1:", ppo_port_), "--token-file",
            dir_.Sub("collector/operator.token"), "--base-checkpoint", dir_.Sub("base")});
    auto line = scheduler_->WaitForLine("listening on port");
    EXPECT_TRUE(line.has_value());
    std::string address = absl::StrCat("127.0.0.1:", line ? line->substr(line->rfind(' ') + 1) : "0");
    stub_ = v1::Scheduler::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    return address;
  }

  v1::Iteration WaitFor(const std::string& id, std::function<bool(const v1::Iteration&)> pred) {
    v1::Iteration it;
    for (int i = 0; i < 1200; ++i) {
      grpc::ClientContext ctx;
      v1::GetIterationRequest req;
      req.set_id(id);
      if (stub_->GetIteration(&ctx, req, &it).ok() && pred(it)) return it;
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << "timed out in " << v1::IterationStage_Name(it.stage());
    return it;
  }

  testing::TempDir dir_;
  std::unique_ptr<collector::ResponseSampler> sampler_;
  std::unique_ptr<collector::CollectorServer> collector_;
  std::unique_ptr<v1::ComparisonService::Stub> collector_stub_;
  std::string token_;
  testing::JobBook pm_book_{dir_.Sub("pm-artifacts"), absl::Seconds(3)};
  testing::JobBook ppo_book_{dir_.Sub("ppo-artifacts"), absl::Seconds(1)};
  testing::PmTrainerDouble pm_service_{&pm_book_};
  testing::PpoTrainerDouble ppo_service_{&ppo_book_};
  std::unique_ptr<grpc::Server> pm_server_, ppo_server_;
  int pm_port_ = 0, ppo_port_ = 0;
  std::unique_ptr<ChildProcess> scheduler_;
  std::unique_ptr<v1::Scheduler::Stub> stub_;
};

TEST_F(SchedulerCrashTest, SigkillDuringTrainPmCompletesTheIterationOnce) {
  StartScheduler();
  v1::TriggerIterationRequest trig;
  trig.set_key("crash-test");
  v1::Iteration it;
  {
    grpc::Status s = stub_->TriggerIteration(Ctx().get(), trig, &it);  // operator's token
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  v1::Iteration mid = WaitFor(it.id(), [](const v1::Iteration& i) {
    return i.stage() == v1::TRAIN_PM && !i.test_pm_job().empty();
  });
  ASSERT_EQ(mid.stage(), v1::TRAIN_PM);
  EXPECT_EQ(mid.watermark(), 20u);
  scheduler_->Kill(SIGKILL);
  EXPECT_EQ(pm_book_.Checkpoints(), 0);  // killed before the PM finished

  StartScheduler();  // same data dir: resumes TRAIN_PM
  v1::Iteration done = WaitFor(it.id(), [](const v1::Iteration& i) {
    return i.stage() == v1::SUCCEEDED || i.stage() == v1::FAILED || i.stage() == v1::CANCELLED;
  });
  ASSERT_EQ(done.stage(), v1::SUCCEEDED) << done.error();
  EXPECT_EQ(done.pm_job(), mid.pm_job());
  EXPECT_GE(pm_book_.Starts("iter-0001/pm"), 2);  // re-sent after the restart…
  EXPECT_EQ(pm_book_.Jobs(), 2);                  // …but one PM and one test PM
  EXPECT_EQ(pm_book_.Checkpoints(), 2);
  EXPECT_EQ(ppo_book_.Jobs(), 1);                 // one policy
  EXPECT_EQ(ppo_book_.Checkpoints(), 1);
  EXPECT_EQ(done.policy_checkpoint(), dir_.Sub("ppo-artifacts/iter-0001-ppo"));

  grpc::ClientContext lctx;
  v1::ListIterationsResponse list;
  ASSERT_TRUE(stub_->ListIterations(&lctx, v1::ListIterationsRequest(), &list).ok());
  EXPECT_EQ(list.iterations_size(), 1);

  // Deployed: the new policy and the base, and tasks now compare them.
  v1::Deployment d;
  ASSERT_TRUE(collector_stub_->GetDeployment(Ctx().get(), v1::GetDeploymentRequest(), &d).ok());
  ASSERT_EQ(d.policies_size(), 2);
  EXPECT_EQ(d.policies(0).name(), "policy-0001");
  EXPECT_EQ(d.policies(1).name(), "policy-0000");
  v1::CreateTaskRequest req;
  auto* t = req.mutable_context()->add_turns();
  t->set_role(v1::HUMAN);
  t->set_text("Hello!");
  v1::LabelingTask task;
  ASSERT_TRUE(collector_stub_->CreateTask(Ctx().get(), req, &task).ok());
  EXPECT_NE(task.response_a().policy(), task.response_b().policy());
}

}  // namespace
}  // namespace shammie
