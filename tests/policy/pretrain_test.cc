#include "policy/pretrain.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "policy/policy_runtime.h"

namespace shammie::policy {
namespace {

namespace fs = std::filesystem;

// Two prompts with fixed answers: a 2-layer byte model learns them in a few
// dozen steps, so the evaluation must find the right answers.
std::vector<std::string> Corpus() {
  std::vector<std::string> out;
  for (int i = 0; i < 64; ++i) {
    out.push_back(i % 2 ? "\n\nHuman: hi\n\nAssistant: hello!" : "\n\nHuman: 2+2?\n\nAssistant: 4.");
  }
  return out;
}

PretrainOptions Small(const std::string& dir) {
  PretrainOptions o;
  o.config.n_layer = 2;
  o.config.n_embd = 64;
  o.config.n_head = 2;
  o.config.n_positions = 64;
  o.steps = 80;
  o.batch_size = 16;
  o.learning_rate = 1e-2;
  o.warmup_steps = 5;
  o.progress = TrainingProgress::Mode::kNone;
  o.out_dir = dir + "/model";
  o.training_dir = dir + "/training";
  o.checkpoint_every = 40;
  return o;
}

PretrainEval Eval() {
  PretrainEval eval;
  for (int i = 0; i < 8; ++i) {
    eval.contexts.push_back(i % 2 ? "\n\nHuman: hi\n\nAssistant:" : "\n\nHuman: 2+2?\n\nAssistant:");
  }
  eval.reward = [](const std::string& context, const std::string& response) {
    const bool hi = context.find("hi") != std::string::npos;
    return response == (hi ? " hello!" : " 4.") ? 1.0 : 0.0;
  };
  eval.sampling.temperature = 0.0;
  eval.sampling.max_new_tokens = 16;
  return eval;
}

TEST(PretrainTest, LearnsTheCorpusSavesALoadableCheckpointAndResumes) {
  const std::string dir = (fs::temp_directory_path() / ("pretrain_test." + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  PretrainEval eval = Eval();
  auto report = PretrainBytePolicy(Corpus(), Small(dir), &eval);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->steps, 80);
  EXPECT_LT(report->final_loss, report->first_loss / 4);
  EXPECT_EQ(report->mean_reward, 1.0);
  EXPECT_EQ(report->well_formed_fraction, 1.0);
  ASSERT_EQ(report->samples.size(), 8u);

  // The saved folder serves the same answers through the torch-free runtime.
  auto runtime = PolicyRuntime::Load(dir + "/model");
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  SamplingParams greedy;
  greedy.temperature = 0;
  greedy.max_new_tokens = 16;
  // The second prompt is too long for the 64-token context: its oldest bytes
  // are cut so that it keeps the newest 64 - 16 = 48.
  auto out = (*runtime)->Generate({{"\n\nHuman: hi\n\nAssistant:", greedy},
                                   {std::string(100, 'x') + "\n\nHuman: hi\n\nAssistant:", greedy}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].text, " hello!");
  EXPECT_EQ((*out)[0].finish, FinishReason::kEndOfText);
  EXPECT_EQ((*out)[0].prompt_tokens, 23);
  EXPECT_EQ((*out)[1].prompt_tokens, 48);

  // Saving over an existing folder is refused; a longer run resumes from
  // the training checkpoint at step 80 instead of starting over.
  PretrainOptions more = Small(dir);
  more.steps = 80;
  EXPECT_EQ(PretrainBytePolicy(Corpus(), more, nullptr).status().code(),
            absl::StatusCode::kAlreadyExists);
  more.out_dir.clear();
  more.steps = 90;
  auto resumed = PretrainBytePolicy(Corpus(), more, nullptr);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->resumed_from_step, 80);
  EXPECT_EQ(resumed->steps, 90);
  fs::remove_all(dir);
}

TEST(PretrainTest, RejectsBadInput) {
  PretrainOptions o = Small("/nonexistent");
  EXPECT_EQ(PretrainBytePolicy({}, o, nullptr).status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> too_long = {std::string(100, 'x')};
  auto s = PretrainBytePolicy(too_long, o, nullptr).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("dialogs[0]"), absl::string_view::npos);
  o.config.vocab_size = 300;
  EXPECT_EQ(PretrainBytePolicy(Corpus(), o, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PretrainTest, WellFormedMeansOneCleanFinishedTurn) {
  EXPECT_TRUE(IsWellFormedResponse(" 12.", FinishReason::kEndOfText));
  EXPECT_TRUE(IsWellFormedResponse(" ok", FinishReason::kStopString));
  EXPECT_FALSE(IsWellFormedResponse(" 12.", FinishReason::kLength));
  EXPECT_FALSE(IsWellFormedResponse("  ", FinishReason::kEndOfText));
  EXPECT_FALSE(IsWellFormedResponse(" a\n\nHuman: b", FinishReason::kEndOfText));
  EXPECT_FALSE(IsWellFormedResponse(" caf\xc3\xa9", FinishReason::kEndOfText));
}

}  // namespace
}  // namespace shammie::policy
