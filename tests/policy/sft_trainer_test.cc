#include "policy/sft_trainer.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace shammie::policy {
namespace {

namespace fs = std::filesystem;

GptConfig TinyConfig() {
  GptConfig c;
  c.n_layer = 2;
  c.n_head = 2;
  c.n_embd = 32;
  c.n_positions = 32;
  c.vocab_size = 20;
  return c;
}

Gpt NewModel(uint64_t seed) {
  torch::manual_seed(seed);
  return Gpt(TinyConfig());
}

// Counting sequences "s, s+1, s+2, …" (mod 19) of varying length, with a
// "response" that starts halfway: learnable, so the loss must fall.
std::vector<SftExample> Counting(int n) {
  std::vector<SftExample> out;
  for (int i = 0; i < n; ++i) {
    SftExample e;
    const int len = 8 + i % 9;
    for (int j = 0; j < len; ++j) e.tokens.push_back((i * 7 + j) % 19);
    e.response_start = len / 2;
    out.push_back(e);
  }
  return out;
}

SftOptions Quick(int steps) {
  SftOptions o;
  o.steps = steps;
  o.batch_size = 8;
  o.learning_rate = 1e-2;
  o.warmup_steps = 5;
  o.seed = 11;
  o.progress = ProgressMode::kNone;
  return o;
}

std::string FreshDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / (name + "." + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

TEST(SftTrainerTest, LossDecreases) {
  auto trainer = SftTrainer::Create(NewModel(1), Counting(64), Quick(80));
  ASSERT_TRUE(trainer.ok()) << trainer.status();
  auto result = (*trainer)->Train();
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->losses.size(), 80u);
  double first = 0, last = 0;
  for (int i = 0; i < 5; ++i) first += result->losses[i] / 5;
  for (int i = 75; i < 80; ++i) last += result->losses[i] / 5;
  EXPECT_GT(first, 2.5);        // about log(20) at initialisation
  EXPECT_LT(last, first * 0.4);  // counting is easy to learn
}

TEST(SftTrainerTest, StoppedAndResumedRunGivesTheSameLossesBitForBit) {
  const std::string dir_a = FreshDir("sft_resume_a"), dir_b = FreshDir("sft_resume_b");
  SftOptions o = Quick(24);
  o.checkpoint_every = 10;
  o.out_dir = dir_a;
  auto a = SftTrainer::Create(NewModel(2), Counting(40), o);
  ASSERT_TRUE(a.ok());
  auto full = (*a)->Train();
  ASSERT_TRUE(full.ok()) << full.status();

  o.out_dir = dir_b;
  o.stop_at_step = 13;  // interrupted after the checkpoint at 10, mid-epoch
  auto b = SftTrainer::Create(NewModel(2), Counting(40), o);
  ASSERT_TRUE(b.ok());
  auto first = (*b)->Train();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->losses.size(), 13u);

  // A new process would start from a fresh (differently initialised) model.
  o.stop_at_step = -1;
  auto c = SftTrainer::Create(NewModel(99), Counting(40), o);
  ASSERT_TRUE(c.ok());
  auto latest = SftTrainer::LatestCheckpoint(dir_b);
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(fs::path(*latest).filename(), "checkpoint-00000013");
  // Resume from step 10 (not the end-of-run state at 13) to replay steps 11–13 too.
  ASSERT_TRUE((*c)->Resume(dir_b + "/checkpoint-00000010/training_state.pt").ok());
  EXPECT_EQ((*c)->step(), 10);
  auto rest = (*c)->Train();
  ASSERT_TRUE(rest.ok()) << rest.status();
  ASSERT_EQ(rest->losses.size(), 14u);
  for (size_t i = 0; i < rest->losses.size(); ++i) {
    EXPECT_EQ(rest->losses[i], full->losses[10 + i]) << "step " << 11 + i;
  }
  fs::remove_all(dir_a);
  fs::remove_all(dir_b);
}

TEST(SftTrainerTest, ResponseLossCountsOnlyResponseTokens) {
  std::vector<SftExample> data = Counting(8);
  SftOptions o = Quick(1);
  o.loss = SftLoss::kResponseTokens;
  o.batch_size = 8;
  Gpt model = NewModel(3);
  // The expected first-step loss, computed by hand on a copy of the model.
  Gpt copy = NewModel(3);
  double want = 0;
  {
    torch::NoGradGuard g;
    double total = 0, count = 0;
    for (const SftExample& e : data) {
      torch::Tensor ids = torch::tensor(e.tokens).unsqueeze(0);             // (1, n)
      torch::Tensor logp = torch::log_softmax(copy->forward(ids).logits, -1);  // (1, n, V)
      for (size_t j = e.response_start; j < e.tokens.size(); ++j) {
        total -= logp[0][j - 1][e.tokens[j]].item<double>();
        count += 1;
      }
    }
    want = total / count;
  }
  auto trainer = SftTrainer::Create(model, data, o);
  ASSERT_TRUE(trainer.ok());
  auto result = (*trainer)->Train();
  ASSERT_TRUE(result.ok());
  EXPECT_NEAR(result->losses[0], want, 1e-5);
}

TEST(SftTrainerTest, WarmupThenCosineSchedule) {
  SftOptions o = Quick(100);
  o.warmup_steps = 10;
  o.learning_rate = 1.0;
  o.min_learning_rate_ratio = 0.1;
  auto t = SftTrainer::Create(NewModel(4), Counting(4), o);
  ASSERT_TRUE(t.ok());
  EXPECT_DOUBLE_EQ((*t)->LearningRate(0), 0.1);
  EXPECT_DOUBLE_EQ((*t)->LearningRate(9), 1.0);
  EXPECT_NEAR((*t)->LearningRate(55), 0.55, 1e-9);  // halfway down the cosine
  EXPECT_NEAR((*t)->LearningRate(100), 0.1, 1e-9);
  for (int s = 10; s < 100; ++s) EXPECT_LE((*t)->LearningRate(s + 1), (*t)->LearningRate(s));
}

TEST(SftTrainerTest, RejectsBadInputNamingTheField) {
  SftOptions o = Quick(10);
  std::vector<SftExample> data = Counting(4);
  data[2].tokens.assign(34, 1);  // n_positions + 2
  auto t = SftTrainer::Create(NewModel(5), data, o);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("examples[2]"), absl::string_view::npos);
  data = Counting(4);
  data[1].tokens[0] = 20;
  EXPECT_EQ(SftTrainer::Create(NewModel(5), data, o).status().code(),
            absl::StatusCode::kInvalidArgument);
  o.batch_size = 0;
  t = SftTrainer::Create(NewModel(5), Counting(4), o);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("batch_size"), absl::string_view::npos);
  EXPECT_EQ(SftTrainer::Create(NewModel(5), {}, Quick(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SftTrainerTest, ResumeReportsMissingCorruptAndMismatchedState) {
  const std::string dir = FreshDir("sft_resume_errors");
  SftOptions o = Quick(2);
  o.out_dir = dir;
  auto t = SftTrainer::Create(NewModel(6), Counting(8), o);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->Resume(dir + "/nope.pt").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(SftTrainer::LatestCheckpoint(dir).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE((*t)->Train().ok());
  const std::string state = dir + "/checkpoint-00000002/training_state.pt";
  ASSERT_TRUE(fs::exists(state));

  o.seed = 12;  // a different data order cannot continue this run
  auto other = SftTrainer::Create(NewModel(6), Counting(8), o);
  EXPECT_EQ((*other)->Resume(state).code(), absl::StatusCode::kFailedPrecondition);

  fs::resize_file(state, fs::file_size(state) / 2);
  o.seed = 11;
  auto again = SftTrainer::Create(NewModel(6), Counting(8), o);
  EXPECT_EQ((*again)->Resume(state).code(), absl::StatusCode::kDataLoss);
  fs::remove_all(dir);
}

TEST(TrainingProgressTest, BarShowsStepLossAndTokensPerSecond) {
  EXPECT_EQ(TrainingProgress::BarText("pretrain", 5, 10, 1.23456, 0.003, 12345.6, 10),
            "pretrain [=====>    ] 5/10 loss 1.2346 lr 3.00e-03 12346 tok/s");
  EXPECT_EQ(TrainingProgress::BarText("x", 10, 10, 0, 0, 0, 4), "x [====] 10/10 loss 0.0000 lr 0.00e+00 0 tok/s");
}

}  // namespace
}  // namespace shammie::policy
