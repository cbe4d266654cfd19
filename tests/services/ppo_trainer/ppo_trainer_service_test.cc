// shammie-ppo-trainer as a real process over loopback gRPC: bad input at
// StartJob names the field; a job runs to SUCCEEDED with its curve, fit and
// checkpoint; a trainer killed with SIGKILL resumes the job from its last
// checkpoint and ends with exactly the curve of an uninterrupted run. The
// trainer checks its callers with a real collector (in this process); the
// test calls with a SERVICE token.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "policy/byte_tokenizer.h"
#include "policy/checkpoint.h"
#include "reward_model/pm_checkpoint.h"
#include "shammie/v1/ppo_trainer.grpc.pb.h"
#include "tests/lib/ppo_trainer_process.h"
#include "tests/services/ppo_trainer/ppo_job_fixture.h"

namespace shammie::ppo_trainer {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// The trainer binary on a fresh or existing data dir. `collector`: who
// checks the callers' tokens; `token`: the test's.
class TrainerProcess : public testing::PpoTrainerProcess {
 public:
  TrainerProcess(const std::string& data_dir, const std::string& collector, const std::string& token)
      : PpoTrainerProcess({"--data-dir", data_dir, "--listen", "127.0.0.1:0", "--collector", collector}) {
    Connect(token);
  }
  bool started() const { return connected(); }
};

// The shared files, plus a policy of another width ("wide") and a PM on
// another vocabulary ("pm_other") for the bad-input cases.
class PpoServiceTest : public testing::PpoJobFixture {
 protected:
  void SetUp() override {
    PpoJobFixture::SetUp();
    if (HasFatalFailure()) return;
    policy::ByteTokenizer bytes;
    policy::Gpt wide(Tiny(/*n_embd=*/64));
    ASSERT_TRUE(policy::SaveCheckpoint(dir("wide"), wide, bytes).ok());
    policy::GptConfig other_vocab = Tiny(32, 300);
    other_vocab.eos_token_id = 299;
    reward_model::PreferenceModel other{policy::Gpt(other_vocab)};
    ASSERT_TRUE(reward_model::WritePmCheckpoint(other, {}, {}, dir("pm_other")).ok());
  }

  v1::PpoJobSpec GoodSpec(const std::string& key) const { return TinySpec(key, /*steps=*/6); }
};

TEST_F(PpoServiceTest, StartJobRefusesBadInputNamingTheField) {
  TrainerProcess trainer(dir("data"), server_->address(), token_);
  ASSERT_TRUE(trainer.started());
  struct Case {
    std::function<void(v1::PpoJobSpec&)> edit;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](v1::PpoJobSpec& s) { s.clear_policy_checkpoint(); }, "policy_checkpoint"},
      {[&](v1::PpoJobSpec& s) { s.set_policy_checkpoint(dir("nowhere")); }, "policy_checkpoint"},
      {[](v1::PpoJobSpec& s) { s.clear_pm_checkpoint(); }, "pm_checkpoint"},
      {[&](v1::PpoJobSpec& s) { s.set_pm_checkpoint(dir("pm_other")); }, "another tokenizer"},
      {[&](v1::PpoJobSpec& s) { s.set_reference_checkpoint(dir("wide")); }, "reference_checkpoint"},
      {[&](v1::PpoJobSpec& s) { s.set_prompt_file(dir("nowhere.jsonl")); }, "prompt_file"},
      {[](v1::PpoJobSpec& s) { s.set_minibatch_size(3); }, "minibatch_size"},
      {[](v1::PpoJobSpec& s) { s.set_clip_range(1.5); }, "clip_range"},
      {[](v1::PpoJobSpec& s) { s.set_kl_coef(-1); }, "kl_coef"},
      {[](v1::PpoJobSpec& s) { s.set_stop_on_overoptimization(true); }, "test_pm_checkpoint"},
  };
  for (const Case& c : cases) {
    v1::PpoJobSpec spec = GoodSpec("bad");
    c.edit(spec);
    grpc::ClientContext ctx;
    v1::PpoJob job;
    grpc::Status st = trainer.stub().StartJob(&ctx, spec, &job);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field << ": " << st.error_message();
    EXPECT_THAT(st.error_message(), HasSubstr(c.field));
  }
  grpc::ClientContext ctx;
  v1::ListJobsRequest req;
  v1::ListPpoJobsResponse list;
  ASSERT_TRUE(trainer.stub().ListJobs(&ctx, req, &list).ok());
  EXPECT_EQ(list.jobs_size(), 0);  // nothing half-started
}

// Contexts longer than the model's positions leave beside the response (64 − 8
// here) are left out and counted; a set of only such prompts fails the job.
TEST_F(PpoServiceTest, PromptsTooLongForTheModelAreLeftOutAndCounted) {
  const std::string long_question(80, 'x');
  {
    std::ofstream mixed(dir("mixed.jsonl"));
    mixed << "{\"prompt\": \"\\n\\nHuman: Hello!\\n\\nAssistant:\"}\n";
    mixed << "{\"prompt\": \"\\n\\nHuman: " << long_question << "\\n\\nAssistant:\"}\n";
    std::ofstream too_long(dir("too_long.jsonl"));
    too_long << "{\"prompt\": \"\\n\\nHuman: " << long_question << "\\n\\nAssistant:\"}\n";
  }
  TrainerProcess trainer(dir("data"), server_->address(), token_);
  ASSERT_TRUE(trainer.started());
  auto run = [&](const std::string& key, const std::string& prompt_file) {
    v1::PpoJobSpec spec = GoodSpec(key);
    spec.set_prompt_file(dir(prompt_file));
    spec.set_steps(1);
    grpc::ClientContext ctx;
    v1::PpoJob started;
    grpc::Status st = trainer.stub().StartJob(&ctx, spec, &started);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return WaitForEnd(trainer.stub(), started.status().id());
  };
  const v1::PpoJob mixed = run("mixed", "mixed.jsonl");
  ASSERT_EQ(mixed.status().state(), v1::JOB_SUCCEEDED) << mixed.status().error();
  EXPECT_EQ(mixed.report().prompts_used(), 1u);
  EXPECT_EQ(mixed.report().prompts_skipped(), 1u);
  const v1::PpoJob none = run("none", "too_long.jsonl");
  ASSERT_EQ(none.status().state(), v1::JOB_FAILED);
  EXPECT_THAT(none.status().error(), HasSubstr("max_response_tokens"));
}

TEST_F(PpoServiceTest, SigkillResumesFromLastCheckpointWithTheSameRandomStream) {
  // The uninterrupted run.
  v1::PpoJob reference;
  {
    TrainerProcess trainer(dir("data_ref"), server_->address(), token_);
    ASSERT_TRUE(trainer.started());
    grpc::ClientContext ctx;
    v1::PpoJob started;
    ASSERT_TRUE(trainer.stub().StartJob(&ctx, GoodSpec("run"), &started).ok());
    reference = WaitForEnd(trainer.stub(), started.status().id());
    ASSERT_EQ(reference.status().state(), v1::JOB_SUCCEEDED) << reference.status().error();
  }
  ASSERT_EQ(reference.report().steps_size(), 6);
  EXPECT_TRUE(fs::exists(fs::path(reference.status().checkpoint()) / "model.safetensors"));
  EXPECT_TRUE(fs::exists(fs::path(reference.status().checkpoint()) / "ppo_state.pt"));
  EXPECT_EQ(reference.report().fit_points(), 6u);
  EXPECT_EQ(reference.report().prompts_used(), 4u);
  EXPECT_EQ(reference.report().prompts_skipped(), 0u);
  for (const v1::PpoStep& s : reference.report().steps()) EXPECT_TRUE(std::isfinite(s.kl()));

  // The same job, killed after its step-2 checkpoint, then restarted.
  std::string id;
  {
    TrainerProcess trainer(dir("data_kill"), server_->address(), token_);
    ASSERT_TRUE(trainer.started());
    grpc::ClientContext ctx;
    v1::PpoJob started;
    ASSERT_TRUE(trainer.stub().StartJob(&ctx, GoodSpec("run"), &started).ok());
    id = started.status().id();
    v1::PpoJob seen;
    for (int i = 0; i < 1200; ++i) {
      grpc::ClientContext get_ctx;
      v1::GetJobRequest req;
      req.set_id(id);
      if (trainer.stub().GetJob(&get_ctx, req, &seen).ok() && seen.status().progress().step() >= 3) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    trainer.KillHard();
    // Killed mid-run, after the step-2 checkpoint: the restart must resume.
    ASSERT_EQ(seen.status().state(), v1::JOB_RUNNING);
    ASSERT_GE(seen.status().progress().step(), 3u);
    ASSERT_LT(seen.status().progress().step(), 6u);
    ASSERT_TRUE(fs::exists(dir("data_kill") + "/artifacts/" + id + "/step-2/ppo_state.pt"));
  }
  TrainerProcess restarted(dir("data_kill"), server_->address(), token_);
  ASSERT_TRUE(restarted.started());
  v1::PpoJob resumed = WaitForEnd(restarted.stub(), id);
  ASSERT_EQ(resumed.status().state(), v1::JOB_SUCCEEDED) << resumed.status().error();
  ASSERT_EQ(resumed.report().steps_size(), 6);
  for (int i = 0; i < 6; ++i) {
    const v1::PpoStep& a = reference.report().steps(i);
    const v1::PpoStep& b = resumed.report().steps(i);
    EXPECT_EQ(a.step(), b.step());
    EXPECT_DOUBLE_EQ(a.reward(), b.reward()) << "step " << a.step();
    EXPECT_DOUBLE_EQ(a.kl(), b.kl()) << "step " << a.step();
    EXPECT_DOUBLE_EQ(a.value_loss(), b.value_loss()) << "step " << a.step();
  }
  EXPECT_DOUBLE_EQ(reference.report().fit_b(), resumed.report().fit_b());
}

}  // namespace
}  // namespace shammie::ppo_trainer
