// StartJob refuses an empty prompt set up front: the PolicyTrainerService
// in-process (real JobRunner over a RocksDB job store in a temp dir) against
// a real collector over loopback gRPC. A collector without comparisons and
// an empty JSONL prompt file are FAILED_PRECONDITION naming the field, with
// nothing stored; once the collector holds a comparison the same spec
// starts; an unreachable collector is UNAVAILABLE. Callers are checked by the
// fixture's collector (the test calls with the operator token).
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "policy/checkpoint_metadata.h"
#include "reward_model/pm_checkpoint.h"
#include "services/ppo_trainer/ppo_job.h"
#include "services/ppo_trainer/ppo_trainer_service.h"
#include "shammie/v1/ppo_trainer.grpc.pb.h"
#include "storage/job_store.h"
#include "tests/lib/bearer_channel.h"
#include "tests/lib/collector_fixture.h"
#include "tests/services/pm_trainer/pm_trainer_test_util.h"

namespace shammie::ppo_trainer {
namespace {

using ::testing::HasSubstr;

class PpoStartJobTest : public testing::CollectorFixture {
 protected:
  void SetUp() override {
    CollectorFixture::SetUp();
    testing::WriteTinyBasePolicy(work_.Sub("policy"));
    policy::GptConfig config = *policy::ReadGptConfig(work_.Sub("policy"));
    reward_model::PreferenceModel pm{policy::Gpt(config)};
    ASSERT_TRUE(reward_model::WritePmCheckpoint(pm, {}, {}, work_.Sub("pm")).ok());
    std::ofstream(work_.Sub("empty.jsonl")) << "\n";
  }
  void TearDown() override {
    server_grpc_.reset();
    if (gate_) gate_->WaitForCalls();
    service_.reset();
    runner_.reset();
    store_.reset();
    CollectorFixture::TearDown();
  }

  // The trainer service in-process, reading prompts from `collector`.
  void StartTrainer(const std::string& collector) {
    auto store = storage::JobStore::Open({work_.Sub("jobs"), "ppo"});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    PpoJobOptions job;
    job.artifact_dir = work_.Sub("artifacts");
    job.collector = {collector, operator_token_, /*timeout_seconds=*/5};
    job.load_pm = [](const std::string&) -> absl::StatusOr<std::unique_ptr<policy::EpisodeScorer>> {
      return absl::UnavailableError("jobs do not run in this test");
    };
    jobs::JobRunnerOptions ro;
    ro.store = store_.get();
    ro.work = MakePpoJobWork(job);
    auto runner = jobs::JobRunner::Create(ro);
    ASSERT_TRUE(runner.ok()) << runner.status();
    runner_ = std::move(*runner);
    gate_ = std::make_unique<services::TokenGate>(channel_, absl::Seconds(10));
    service_ = std::make_unique<PolicyTrainerService>(runner_.get(), gate_.get(), job.collector);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_grpc_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    trainer_ = v1::PolicyTrainer::NewStub(
        testing::BearerChannel(absl::StrCat("127.0.0.1:", port), operator_token_));
  }

  v1::PpoJobSpec Spec(const std::string& key) {
    v1::PpoJobSpec s;
    s.set_key(key);
    s.set_policy_checkpoint(work_.Sub("policy"));
    s.set_pm_checkpoint(work_.Sub("pm"));
    s.set_max_response_tokens(8);
    return s;
  }

  grpc::Status Start(const v1::PpoJobSpec& spec) {
    grpc::ClientContext ctx;
    v1::PpoJob job;
    return trainer_->StartJob(&ctx, spec, &job);
  }

  int StoredJobs() {
    grpc::ClientContext ctx;
    v1::ListPpoJobsResponse list;
    EXPECT_TRUE(trainer_->ListJobs(&ctx, v1::ListJobsRequest(), &list).ok());
    return list.jobs_size();
  }

  testing::TempDir work_;
  std::unique_ptr<storage::JobStore> store_;
  std::unique_ptr<jobs::JobRunner> runner_;
  std::unique_ptr<services::TokenGate> gate_;
  std::unique_ptr<PolicyTrainerService> service_;
  std::unique_ptr<grpc::Server> server_grpc_;
  std::unique_ptr<v1::PolicyTrainer::Stub> trainer_;
};

TEST_F(PpoStartJobTest, EmptyCollectorIsRefusedAtStartJobNamingPrompts) {
  StartTrainer(server_->address());
  grpc::Status st = Start(Spec("from-collector"));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_THAT(st.error_message(), HasSubstr("prompts"));
  EXPECT_THAT(st.error_message(), HasSubstr("no comparisons"));
  EXPECT_EQ(StoredJobs(), 0);

  // With a comparison stored, the same spec is accepted.
  testing::ImportSyntheticComparisons(stub_.get(), operator_token_, 1, /*seed=*/3);
  st = Start(Spec("from-collector"));
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(StoredJobs(), 1);
}

TEST_F(PpoStartJobTest, EmptyPromptFileIsRefusedAtStartJobNamingPromptFile) {
  StartTrainer(server_->address());
  v1::PpoJobSpec spec = Spec("from-file");
  spec.set_prompt_file(work_.Sub("empty.jsonl"));
  grpc::Status st = Start(spec);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_THAT(st.error_message(), HasSubstr("prompt_file"));
  EXPECT_THAT(st.error_message(), HasSubstr("no prompts"));
  EXPECT_EQ(StoredJobs(), 0);
}

TEST_F(PpoStartJobTest, UnreachableCollectorIsUnavailableAtStartJob) {
  StartTrainer("127.0.0.1:1");
  grpc::Status st = Start(Spec("no-collector"));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
  EXPECT_THAT(st.error_message(), HasSubstr("collector"));
  EXPECT_EQ(StoredJobs(), 0);
}

}  // namespace
}  // namespace shammie::ppo_trainer
