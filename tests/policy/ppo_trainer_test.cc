// The PPO loop end to end on a tiny random GPT: it raises a reward that the
// model can reach, resumes bit-for-bit from saved state, refuses bad input
// naming the field, and stops on a non-finite loss without touching weights.
#include "policy/ppo_trainer.h"

#include <cmath>
#include <cstdio>
#include <numeric>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace shammie::policy {
namespace {

using ::testing::HasSubstr;

GptConfig TinyConfig() {
  GptConfig c;
  c.n_layer = 2;
  c.n_head = 2;
  c.n_embd = 64;
  c.n_positions = 64;
  return c;
}

Gpt MakeGpt(const GptConfig& config, uint64_t seed) {
  torch::manual_seed(seed);
  return Gpt(config);
}

// Share of response bytes in the lower half of the byte range: about 0.5 for
// a random model, 1 for one that learned the preference.
class LowByteScorer : public EpisodeScorer {
 public:
  absl::StatusOr<std::vector<double>> Score(const std::vector<Episode>& episodes) override {
    std::vector<double> out;
    for (const Episode& e : episodes) {
      double low = 0;
      for (int64_t id : e.response_ids) low += id < 128 ? 1 : 0;
      out.push_back(low / static_cast<double>(e.response_ids.size()));
    }
    return out;
  }
};

// Another scorer's scores times a constant: the same preferences on another scale.
class ScaledScorer : public EpisodeScorer {
 public:
  ScaledScorer(EpisodeScorer& inner, double factor) : inner_(inner), factor_(factor) {}
  absl::StatusOr<std::vector<double>> Score(const std::vector<Episode>& episodes) override {
    absl::StatusOr<std::vector<double>> out = inner_.Score(episodes);
    if (out.ok()) for (double& x : *out) x *= factor_;
    return out;
  }

 private:
  EpisodeScorer& inner_;
  double factor_;
};

class NanScorer : public EpisodeScorer {
 public:
  absl::StatusOr<std::vector<double>> Score(const std::vector<Episode>& episodes) override {
    return std::vector<double>(episodes.size(), std::nan(""));
  }
};

std::vector<PpoPrompt> Prompts(int n) {
  std::vector<PpoPrompt> out;
  for (int i = 0; i < n; ++i) {
    PpoPrompt p;
    p.context = "prompt " + std::to_string(i);
    for (char ch : p.context) p.context_ids.push_back(static_cast<unsigned char>(ch));
    out.push_back(p);
  }
  return out;
}

PpoOptions SmallOptions() {
  PpoOptions o;
  o.batch_size = 32;
  o.minibatch_size = 16;
  o.ppo_epochs = 2;
  o.max_response_tokens = 8;
  o.learning_rate = 3e-3;
  o.kl.initial_beta = 0.01;
  o.seed = 7;
  return o;
}

PpoModels Models(uint64_t seed = 1) {
  PpoModels m;
  m.policy = MakeGpt(TinyConfig(), seed);
  m.reference = MakeGpt(TinyConfig(), seed);
  m.decode = [](const std::vector<int64_t>& ids) {
    std::string s;
    for (int64_t id : ids) if (id < 256) s.push_back(static_cast<char>(id));
    return s;
  };
  return m;
}

TEST(PpoTrainerTest, RaisesAReachableReward) {
  LowByteScorer scorer;
  auto trainer = PpoTrainer::Create(SmallOptions(), Models(), Prompts(20), {&scorer});
  ASSERT_TRUE(trainer.ok()) << trainer.status();
  std::vector<double> rewards;
  for (int s = 0; s < 15; ++s) {
    absl::StatusOr<PpoStepMetrics> m = (*trainer)->Step();
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->step, static_cast<uint32_t>(s + 1));
    EXPECT_TRUE(std::isfinite(m->kl));
    EXPECT_TRUE(std::isnan(m->test_reward));
    rewards.push_back(m->reward);
    std::printf("step %2u reward %.3f kl %.3f entropy %.3f clip %.3f vloss %.4f ev %.3f\n", m->step,
                m->reward, m->kl, m->entropy, m->clip_fraction, m->value_loss,
                m->explained_variance);
  }
  const double first = (rewards[0] + rewards[1] + rewards[2]) / 3;
  const double last = (rewards[12] + rewards[13] + rewards[14]) / 3;
  std::printf("mean reward of steps 1-3 %.3f, of steps 13-15 %.3f\n", first, last);
  EXPECT_GT(last, first + 0.15);
}

// With normalize_reward the run does not depend on the PM's scale: a PM whose
// scores are 5× another's trains the same policy (same KL, same value loss);
// only the reported reward carries the factor. Without it, β weighs the KL
// against a 5× larger reward and the run differs.
TEST(PpoTrainerTest, NormalizedRewardDoesNotDependOnThePmScale) {
  LowByteScorer scorer;
  ScaledScorer scaled(scorer, 5.0);
  auto run = [](EpisodeScorer& pm, bool normalize) {
    PpoOptions o = SmallOptions();
    o.kl.initial_beta = 0.1;
    o.normalize_reward = normalize;
    auto t = PpoTrainer::Create(o, Models(), Prompts(20), {&pm});
    EXPECT_TRUE(t.ok()) << t.status();
    std::vector<PpoStepMetrics> steps;
    for (int s = 0; s < 3; ++s) steps.push_back(*(*t)->Step());
    return steps;
  };
  const std::vector<PpoStepMetrics> unit = run(scorer, true), five = run(scaled, true);
  for (size_t s = 0; s < unit.size(); ++s) {
    EXPECT_NEAR(five[s].reward, 5 * unit[s].reward, 1e-9) << "step " << s + 1;
    EXPECT_NEAR(five[s].kl, unit[s].kl, 1e-4 * (1 + std::abs(unit[s].kl))) << "step " << s + 1;
    EXPECT_NEAR(five[s].value_loss, unit[s].value_loss, 1e-4) << "step " << s + 1;
  }
  const std::vector<PpoStepMetrics> raw_unit = run(scorer, false), raw_five = run(scaled, false);
  EXPECT_GT(std::abs(raw_five[2].kl - raw_unit[2].kl), 1e-3);
}

TEST(PpoTrainerTest, ResumesFromSavedStateWithTheSameRandomStream) {
  LowByteScorer scorer;
  const std::string path = ::testing::TempDir() + "/ppo_state.pt";
  std::vector<PpoStepMetrics> original;
  // With the reward scale of step 1, which the state must carry: measured
  // again on step 3, it would give other rewards.
  PpoOptions options = SmallOptions();
  options.normalize_reward = true;
  {
    auto t = PpoTrainer::Create(options, Models(), Prompts(20), {&scorer});
    ASSERT_TRUE(t.ok());
    for (int s = 0; s < 2; ++s) ASSERT_TRUE((*t)->Step().ok());
    ASSERT_TRUE((*t)->SaveState(path).ok());
    for (int s = 0; s < 2; ++s) original.push_back(*(*t)->Step());
  }
  // A fresh trainer from other initial weights: everything must come from the file.
  auto t = PpoTrainer::Create(options, Models(/*seed=*/1), Prompts(20), {&scorer});
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE((*t)->LoadState(path).ok());
  EXPECT_EQ((*t)->step(), 2u);
  for (int s = 0; s < 2; ++s) {
    absl::StatusOr<PpoStepMetrics> m = (*t)->Step();
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->step, original[s].step);
    EXPECT_DOUBLE_EQ(m->reward, original[s].reward);
    EXPECT_DOUBLE_EQ(m->kl, original[s].kl);
    EXPECT_DOUBLE_EQ(m->value_loss, original[s].value_loss);
    EXPECT_DOUBLE_EQ(m->beta, original[s].beta);
  }
  EXPECT_EQ((*t)->LoadState(path + ".missing").code(), absl::StatusCode::kNotFound);
  std::remove(path.c_str());
}

TEST(PpoTrainerTest, NonFiniteLossFailsTheStepAndLeavesWeights) {
  NanScorer nan;
  PpoModels models = Models();
  Gpt policy = models.policy;
  auto t = PpoTrainer::Create(SmallOptions(), std::move(models), Prompts(4), {&nan});
  ASSERT_TRUE(t.ok());
  std::vector<torch::Tensor> before;
  for (const torch::Tensor& p : policy->parameters()) before.push_back(p.detach().clone());
  absl::StatusOr<PpoStepMetrics> m = (*t)->Step();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(m.status().message(), HasSubstr("non-finite PPO loss"));
  auto params = policy->parameters();
  for (size_t i = 0; i < params.size(); ++i) EXPECT_TRUE(torch::equal(params[i], before[i]));
  EXPECT_EQ((*t)->step(), 0u);
}

TEST(PpoTrainerTest, RefusesBadInputNamingTheField) {
  LowByteScorer scorer;
  auto expect_invalid = [](const absl::StatusOr<std::unique_ptr<PpoTrainer>>& t,
                           const std::string& field) {
    ASSERT_FALSE(t.ok()) << field;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr(field));
  };
  expect_invalid(PpoTrainer::Create(SmallOptions(), Models(), {}, {&scorer}), "prompts");
  expect_invalid(PpoTrainer::Create(SmallOptions(), Models(), Prompts(2), {}), "pm_checkpoint");
  PpoModels mismatched = Models();
  GptConfig wider = TinyConfig();
  wider.n_embd = 128;
  mismatched.reference = MakeGpt(wider, 1);
  expect_invalid(PpoTrainer::Create(SmallOptions(), mismatched, Prompts(2), {&scorer}),
                 "reference_checkpoint");
  PpoOptions o = SmallOptions();
  o.minibatch_size = 5;
  expect_invalid(PpoTrainer::Create(o, Models(), Prompts(2), {&scorer}), "minibatch_size");
  o = SmallOptions();
  o.learning_rate = 0;
  expect_invalid(PpoTrainer::Create(o, Models(), Prompts(2), {&scorer}), "learning_rate");
  o = SmallOptions();
  o.lam = 1.5;
  expect_invalid(PpoTrainer::Create(o, Models(), Prompts(2), {&scorer}), "lam");
  o = SmallOptions();
  o.max_response_tokens = 60;
  expect_invalid(PpoTrainer::Create(o, Models(), Prompts(2), {&scorer}), "max_response_tokens");
  o = SmallOptions();
  o.kl.initial_beta = -1;
  expect_invalid(PpoTrainer::Create(o, Models(), Prompts(2), {&scorer}), "kl_coef");
  o = SmallOptions();
  o.value_learning_rate = -1e-3;
  expect_invalid(PpoTrainer::Create(o, Models(), Prompts(2), {&scorer}), "value_learning_rate");
  PpoDataParallel two;
  two.world_size = 2;  // no allreduce_sum
  expect_invalid(PpoTrainer::Create(SmallOptions(), Models(), Prompts(2), {&scorer}, two),
                 "allreduce");
}

// One Adam step on the whole batch: Adam's first step moves each weight by
// about its group's rate, so the value head moves ~20× further than at the
// policy's rate, while the trunk takes the same step either way.
TEST(PpoTrainerTest, ValueHeadLearnsAtItsOwnRate) {
  LowByteScorer scorer;
  auto value_head_and_trunk_change = [&](double value_lr) {
    PpoOptions o = SmallOptions();
    o.minibatch_size = o.batch_size;
    o.ppo_epochs = 1;
    o.learning_rate = 1e-4;
    o.value_learning_rate = value_lr;
    PpoModels models = Models();
    Gpt before = MakeGpt(TinyConfig(), 1);
    auto t = PpoTrainer::Create(o, models, Prompts(20), {&scorer});
    EXPECT_TRUE(t.ok()) << t.status();
    EXPECT_TRUE((*t)->Step().ok());
    const double head = (*t)->policy()->value_head->weight.abs().max().item<double>();
    const double trunk = ((*t)->policy()->trunk->parameters()[0] - before->parameters()[0])
                             .abs().max().item<double>();
    return std::pair{head, trunk};
  };
  auto [head_default, trunk_default] = value_head_and_trunk_change(0);
  auto [head_fast, trunk_fast] = value_head_and_trunk_change(2e-3);
  std::printf("value head max |Δw|: %.3g at the policy's rate, %.3g at 2e-3; trunk %.3g / %.3g\n",
              head_default, head_fast, trunk_default, trunk_fast);
  EXPECT_NEAR(head_default, 1e-4, 2e-5);  // the head starts at 0
  EXPECT_NEAR(head_fast, 2e-3, 4e-4);
  EXPECT_NEAR(trunk_fast, trunk_default, 1e-9);
}

}  // namespace
}  // namespace shammie::policy
