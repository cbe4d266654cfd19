// The four services as separate processes on loopback — shammie-collector,
// shammie-pm-trainer, shammie-ppo-trainer, shammie-scheduler — running one
// iteration end to end on a small configuration (the tiny_base fixture as
// π0, synthetic comparisons):
//   - the scheduler is SIGKILLed during TRAIN_PM and restarted; the iteration
//     completes once, with one PM (+ its test PM) and one policy checkpoint;
//   - DEPLOY reaches the collector: tasks now compare the new policy's
//     answers with the previous one's;
//   - a real Prometheus server scrapes all four services and its query API
//     returns the iteration's series (PM accuracy, PPO reward and KL, job
//     states, stage durations) with sensible values.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "shammie/v1/collector.grpc.pb.h"
#include "shammie/v1/pm_trainer.grpc.pb.h"
#include "shammie/v1/ppo_trainer.grpc.pb.h"
#include "shammie/v1/scheduler.grpc.pb.h"
#include "tests/lib/bearer_channel.h"
#include "tests/lib/child_process.h"
#include "tests/lib/prometheus_server.h"
#include "tests/lib/temp_dir.h"
#include "tests/services/pm_trainer/pm_trainer_test_util.h"

namespace shammie {
namespace {

namespace fs = std::filesystem;
using testing::ChildProcess;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(ss.str()));
}

// Waits for a --port-file to appear; 0 on timeout.
int WaitForPortFile(const std::string& path) {
  int port = 0;
  for (int i = 0; i < 1200; ++i) {
    if (absl::SimpleAtoi(Slurp(path), &port) && port > 0) return port;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return 0;
}

std::string Loopback(int port) { return absl::StrCat("127.0.0.1:", port); }

bool Ended(const v1::Iteration& it) {
  return it.stage() == v1::SUCCEEDED || it.stage() == v1::FAILED || it.stage() == v1::CANCELLED;
}

class FourServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("SHAMMIE_TINY_BASE_DIR");
    ASSERT_NE(base, nullptr) << "SHAMMIE_TINY_BASE_DIR not set (fixture tiny_base)";
    base_ = base;
    http_port_ = testing::PickFreePort();

    collector_ = std::make_unique<ChildProcess>(
        "shammie-collector",
        std::vector<std::string>{"--data-dir", dir_.Sub("collector"), "--listen", "127.0.0.1:0",
                                 "--http-listen", Loopback(http_port_), "--artifact-dir",
                                 dir_.Sub("artifacts"), "--port-file", dir_.Sub("collector.port")});
    const int collector_port = WaitForPortFile(dir_.Sub("collector.port"));
    ASSERT_GT(collector_port, 0) << "the collector did not start";
    collector_address_ = Loopback(collector_port);
    token_file_ = dir_.Sub("collector/operator.token");
    token_ = Slurp(token_file_);
    collector_stub_ = v1::ComparisonService::NewStub(
        grpc::CreateChannel(collector_address_, grpc::InsecureChannelCredentials()));
    testing::ImportSyntheticComparisons(collector_stub_.get(), token_, 400, /*seed=*/11);

    pm_trainer_ = std::make_unique<ChildProcess>(
        "shammie-pm-trainer",
        std::vector<std::string>{"--data-dir", dir_.Sub("pm"), "--listen", "127.0.0.1:0",
                                 "--collector", collector_address_, "--token-file", token_file_,
                                 "--metrics-listen", "127.0.0.1:0"});
    pm_address_ = ListeningAddress(*pm_trainer_);
    ASSERT_FALSE(pm_address_.empty()) << "the PM trainer did not start";
    pm_metrics_port_ = MetricsPort(*pm_trainer_);
    // The trainers check their callers with the collector: the test calls
    // with the operator token, as the scheduler does.
    pm_stub_ = v1::PreferenceModelTrainer::NewStub(testing::BearerChannel(pm_address_, token_));

    ppo_trainer_ = std::make_unique<ChildProcess>(
        "shammie-ppo-trainer",
        std::vector<std::string>{"--data-dir", dir_.Sub("ppo"), "--listen", "127.0.0.1:0",
                                 "--collector", collector_address_, "--collector-token-file",
                                 token_file_, "--metrics-listen", "127.0.0.1:0"});
    ppo_address_ = ListeningAddress(*ppo_trainer_);
    ASSERT_FALSE(ppo_address_.empty()) << "the PPO trainer did not start";
    ppo_metrics_port_ = MetricsPort(*ppo_trainer_);
    ppo_stub_ = v1::PolicyTrainer::NewStub(testing::BearerChannel(ppo_address_, token_));
  }

  // What a trainer prints once serving: "listening on HOST:PORT", then
  // "metrics on port N".
  static std::string ListeningAddress(ChildProcess& p) {
    auto line = p.WaitForLine("listening on");
    return line ? line->substr(line->rfind(' ') + 1) : "";
  }
  static int MetricsPort(ChildProcess& p) {
    auto line = p.WaitForLine("metrics on port");
    int port = 0;
    if (line) (void)absl::SimpleAtoi(line->substr(line->rfind(' ') + 1), &port);
    EXPECT_GT(port, 0) << "no metrics port printed";
    return port;
  }

  // Starts (or restarts) shammie-scheduler on the same data dir.
  void StartScheduler() {
    scheduler_ = std::make_unique<ChildProcess>(
        "shammie-scheduler",
        std::vector<std::string>{
            "--data-dir", dir_.Sub("scheduler"), "--listen", "127.0.0.1:0", "--metrics-listen",
            "127.0.0.1:0", "--artifact-dir", dir_.Sub("artifacts"),
            "--collector", collector_address_, "--pm-trainer", pm_address_, "--ppo-trainer",
            ppo_address_, "--token-file", token_file_, "--base-checkpoint", base_,
            // Small: a few PPO steps of short answers; enough to move the policy.
            "--pm-spec", "batch_size: 16",
            "--ppo-spec",
            "steps: 4 batch_size: 16 minibatch_size: 8 ppo_epochs: 1 max_response_tokens: 16 "
            "checkpoint_every: 2"});
    auto line = scheduler_->WaitForLine("listening on port");
    ASSERT_TRUE(line.has_value()) << "the scheduler did not start";
    scheduler_stub_ = v1::Scheduler::NewStub(grpc::CreateChannel(
        Loopback(std::stoi(line->substr(line->rfind(' ') + 1))), grpc::InsecureChannelCredentials()));
    scheduler_metrics_port_ = MetricsPort(*scheduler_);  // the restarted one's
  }

  v1::Iteration WaitFor(const std::string& id, const std::function<bool(const v1::Iteration&)>& pred,
                        absl::Duration timeout) {
    v1::Iteration it;
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      grpc::ClientContext ctx;
      v1::GetIterationRequest req;
      req.set_id(id);
      if (scheduler_stub_->GetIteration(&ctx, req, &it).ok() && pred(it)) return it;
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << "timed out in " << v1::IterationStage_Name(it.stage()) << " " << it.error();
    return it;
  }

  std::unique_ptr<grpc::ClientContext> Authorized() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + token_);
    return ctx;
  }

  testing::TempDir dir_;
  std::string base_, token_file_, token_;
  int http_port_ = 0, pm_metrics_port_ = 0, ppo_metrics_port_ = 0, scheduler_metrics_port_ = 0;
  std::string collector_address_, pm_address_, ppo_address_;
  std::unique_ptr<ChildProcess> collector_, pm_trainer_, ppo_trainer_, scheduler_;
  std::unique_ptr<v1::ComparisonService::Stub> collector_stub_;
  std::unique_ptr<v1::PreferenceModelTrainer::Stub> pm_stub_;
  std::unique_ptr<v1::PolicyTrainer::Stub> ppo_stub_;
  std::unique_ptr<v1::Scheduler::Stub> scheduler_stub_;
};

TEST_F(FourServicesTest, IterationSurvivesSchedulerSigkillDeploysAndIsScraped) {
  StartScheduler();
  v1::Iteration it;
  {
    v1::TriggerIterationRequest trigger;
    trigger.set_key("four-services");
    // Triggers need an operator's token (checked by the collector).
    grpc::Status s = scheduler_stub_->TriggerIteration(Authorized().get(), trigger, &it);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // SIGKILL while the PM trainer is training this iteration's PM.
  const v1::Iteration mid = WaitFor(
      it.id(), [](const v1::Iteration& i) { return i.stage() == v1::TRAIN_PM && !i.pm_job().empty(); },
      absl::Minutes(2));
  ASSERT_EQ(mid.stage(), v1::TRAIN_PM);
  EXPECT_EQ(mid.watermark(), 400u);
  scheduler_->Kill(SIGKILL);
  scheduler_->Wait();

  StartScheduler();  // the same data dir: resumes in TRAIN_PM
  const v1::Iteration done = WaitFor(it.id(), Ended, absl::Minutes(8));
  ASSERT_EQ(done.stage(), v1::SUCCEEDED) << done.error();
  EXPECT_EQ(done.pm_job(), mid.pm_job());  // the restart re-attached, it did not start over

  // Exactly once: one iteration, a PM and a test PM, one policy.
  {
    grpc::ClientContext ctx;
    v1::ListIterationsResponse list;
    ASSERT_TRUE(scheduler_stub_->ListIterations(&ctx, v1::ListIterationsRequest(), &list).ok());
    EXPECT_EQ(list.iterations_size(), 1);
  }
  {
    grpc::ClientContext ctx;
    v1::ListPmJobsResponse jobs;
    ASSERT_TRUE(pm_stub_->ListJobs(&ctx, v1::ListJobsRequest(), &jobs).ok());
    ASSERT_EQ(jobs.jobs_size(), 2);  // the PM and the test PM
    for (const auto& j : jobs.jobs()) EXPECT_EQ(j.status().state(), v1::JOB_SUCCEEDED);
    int checkpoints = 0;
    for (const auto& e : fs::directory_iterator(dir_.Sub("pm/checkpoints"))) checkpoints += e.is_directory();
    EXPECT_EQ(checkpoints, 2);
  }
  {  // Without a token the trainer processes answer nobody.
    grpc::ClientContext pm_ctx, ppo_ctx;
    v1::ListPmJobsResponse pm_jobs;
    v1::ListPpoJobsResponse ppo_jobs;
    EXPECT_EQ(v1::PreferenceModelTrainer::NewStub(
                  grpc::CreateChannel(pm_address_, grpc::InsecureChannelCredentials()))
                  ->ListJobs(&pm_ctx, v1::ListJobsRequest(), &pm_jobs)
                  .error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(v1::PolicyTrainer::NewStub(
                  grpc::CreateChannel(ppo_address_, grpc::InsecureChannelCredentials()))
                  ->ListJobs(&ppo_ctx, v1::ListJobsRequest(), &ppo_jobs)
                  .error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext ctx;
    v1::ListPpoJobsResponse jobs;
    ASSERT_TRUE(ppo_stub_->ListJobs(&ctx, v1::ListJobsRequest(), &jobs).ok());
    ASSERT_EQ(jobs.jobs_size(), 1);
    EXPECT_EQ(jobs.jobs(0).status().state(), v1::JOB_SUCCEEDED);
    EXPECT_EQ(done.policy_checkpoint(), jobs.jobs(0).status().checkpoint());
    EXPECT_TRUE(fs::exists(fs::path(done.policy_checkpoint()) / "model.safetensors"));
  }

  // Deployed: the collector samples the new policy next to the previous one.
  v1::Deployment deployment;
  ASSERT_TRUE(collector_stub_->GetDeployment(Authorized().get(), v1::GetDeploymentRequest(), &deployment).ok());
  ASSERT_EQ(deployment.policies_size(), 2);
  EXPECT_EQ(deployment.policies(0).name(), done.policy_snapshot());
  EXPECT_EQ(deployment.policies(0).checkpoint(), done.policy_checkpoint());
  v1::CreateTaskRequest request;
  auto* turn = request.mutable_context()->add_turns();
  turn->set_role(v1::HUMAN);
  turn->set_text("What is 2 plus 3?");
  v1::LabelingTask task;
  grpc::Status created = collector_stub_->CreateTask(Authorized().get(), request, &task);
  ASSERT_TRUE(created.ok()) << created.error_message();
  EXPECT_NE(task.response_a().policy(), task.response_b().policy());

  // A real Prometheus scrapes the four services.
  fs::create_directories(dir_.Sub("prometheus"));
  testing::PrometheusServer prom(dir_.Sub("prometheus"),
                                 {{"collector", Loopback(http_port_)},
                                  {"pm-trainer", Loopback(pm_metrics_port_)},
                                  {"ppo-trainer", Loopback(ppo_metrics_port_)},
                                  {"scheduler", Loopback(scheduler_metrics_port_)}});
  ASSERT_TRUE(prom.ready()) << prom.log();
  EXPECT_EQ(prom.WaitFor("count(up == 1)", [](double v) { return v == 4; }), 4) << prom.log();
  // PM quality from the trainer; accuracies are probabilities.
  const double accuracy = prom.WaitFor(R"(max(shammie_pm_accuracy{job="pm-trainer"}))",
                                       [](double v) { return v > 0; });
  EXPECT_GT(accuracy, 0.0);
  EXPECT_LE(accuracy, 1.0);
  EXPECT_EQ(prom.WaitFor(R"(sum(shammie_jobs_finished_total{job="pm-trainer",state="SUCCEEDED"}))",
                         [](double v) { return v == 2; }),
            2);
  // PPO's curve: 4 steps, a finite KL, the iteration's gold reward.
  EXPECT_EQ(prom.WaitFor(R"(shammie_ppo_steps_total{job="ppo-trainer"})", [](double v) { return v == 4; }), 4);
  const double kl = prom.Scalar(R"(shammie_ppo_kl{job="ppo-trainer"})");
  EXPECT_TRUE(std::isfinite(kl));
  EXPECT_GE(kl, 0.0);
  EXPECT_EQ(prom.Scalar(R"(shammie_job_state{job="ppo-trainer",state="SUCCEEDED"})"), 1);
  // The scheduler (restarted mid-iteration) saw it finish.
  EXPECT_EQ(prom.WaitFor(R"(shammie_iteration_stage{job="scheduler",stage="SUCCEEDED"})",
                         [](double v) { return v == 1; }),
            1);
  EXPECT_GE(prom.Scalar(
                R"(shammie_iteration_stage_duration_seconds_count{job="scheduler",stage="TRAIN_POLICY"})"),
            1);
  // The collector counted the imported comparisons by source.
  EXPECT_GE(prom.WaitFor(R"(sum(shammie_comparisons_stored_total{job="collector"}))",
                         [](double v) { return v >= 400; }),
            400);
  prom.Stop();
}

}  // namespace
}  // namespace shammie
