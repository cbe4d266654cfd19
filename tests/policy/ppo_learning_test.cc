// Proof that PPO learns (LABEL learning), on the synthetic task:
//   tiny_base (the pretrained fixture) is the policy and π0;
//   tiny_pm (the fixture `shammie sim-pm` writes: the PM trainer's job on
//   10,000 curated simulated comparisons plus pairs of tiny_base's own
//   samples, Bradley–Terry labeler ~70% agreement with gold; offset so base
//   samples score 0) is the reward;
//   PPO optimizes it: 16 steps of 512 episodes (minibatch 16, 2 epochs),
//   lr 5e-5, value head lr 1e-3, value coefficient 0.5, GAE λ = 1, β 0.05.
// Checks, and prints: the mean gold reward of fresh samples (1024 eval
// prompts, the same prompts and sampling seeds before and after: a paired
// measurement) rises by at least half a standard deviation of the base
// policy's gold reward (also printed per prompt family); KL stays finite;
// reward ≈ a + b·sqrt(KL) over the early phase (steps 1…steps/2: one point
// per step, the step's mean PM reward against the square root of its mean
// per-episode KL) has R² ≥ 0.8 (Bai et al. 2022).
// Knobs for sweeps (docs/results.md lists the runs): SHAMMIE_PPO_LEARNING_SEED
// (default 5), _STEPS, _BATCH, _LR, _BETA, _EPOCHS, _EVAL (eval prompts),
// _NORMALIZE (PpoOptions::normalize_reward, default 0).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"

#include "gtest/gtest.h"
#include "policy/checkpoint.h"
#include "policy/ppo_trainer.h"
#include "policy/reward_kl_fit.h"
#include "reward_model/pm_episode_scorer.h"
#include "services/ppo_trainer/gold_scorer.h"
#include "sim/gold_reward.h"
#include "sim/prompt.h"
#include "sim/task_generator.h"

namespace shammie::policy {
namespace {

std::string TinyBase() {
  const char* dir = std::getenv("SHAMMIE_TINY_BASE_DIR");
  return dir ? dir : "";
}

std::vector<PpoPrompt> Prompts(const Tokenizer& tok, uint64_t seed, int n) {
  sim::TaskGenerator tasks(seed);
  std::vector<PpoPrompt> out;
  for (int i = 0; i < n; ++i) {
    PpoPrompt p;
    p.context = tasks.NextPrompt().context;
    p.context_ids = tok.Encode(p.context);
    out.push_back(std::move(p));
  }
  return out;
}

struct GoldStats {
  double mean = 0, std = 0;
  std::map<std::string, std::pair<double, int>> by_family;  // family → (sum, count)
};

std::string Family(const std::string& context) {
  absl::optional<std::string> human = sim::LastHumanTurn(context);
  absl::optional<sim::PromptSpec> spec = human ? sim::ParsePrompt(*human) : absl::nullopt;
  return spec ? sim::PromptFamilyName(spec->family) : "other";
}

// "arithmetic -0.60 → -0.41, list …": where the gain comes from.
std::string ByFamily(const GoldStats& before, const GoldStats& after) {
  std::string out;
  for (const auto& [family, sum_count] : before.by_family) {
    const auto& a = after.by_family.at(family);
    out += absl::StrFormat("%s%s %+.3f → %+.3f (n %d)", out.empty() ? "" : ", ", family,
                           sum_count.first / sum_count.second, a.first / a.second, a.second);
  }
  return out;
}

// Gold reward of fresh samples (one per prompt, seeded) from `model`.
GoldStats SampleGold(Gpt model, const Tokenizer& tok, const std::vector<PpoPrompt>& prompts,
                     int64_t max_tokens) {
  Sampler sampler(model, {tok.eos_token_id(), tok.eos_token_id(), true},
                  [&tok](const std::vector<int64_t>& ids) { return tok.Decode(ids).value_or(""); });
  std::vector<GenerationRequest> requests;
  for (size_t i = 0; i < prompts.size(); ++i) {
    GenerationRequest r;
    r.prompt = prompts[i].context_ids;
    r.params.max_new_tokens = max_tokens;
    r.params.seed = 1000 + i;
    requests.push_back(r);
  }
  std::vector<Completion> out = *sampler.Generate(requests);
  GoldStats stats;
  double sum = 0, sq = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const double g = sim::GoldReward::Reward(prompts[i].context, out[i].text);
    sum += g;
    sq += g * g;
    auto& [family_sum, family_count] = stats.by_family[Family(prompts[i].context)];
    family_sum += g;
    ++family_count;
  }
  GoldStats& s = stats;
  s.mean = sum / out.size();
  s.std = std::sqrt(std::max(sq / out.size() - s.mean * s.mean, 0.0));
  return s;
}

// A numeric knob from the environment (for sweeps), else `def`.
double Knob(const char* name, double def) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::strtod(v, nullptr) : def;
}

TEST(PpoLearningTest, RaisesGoldRewardAndRewardIsLinearInSqrtKlEarly) {
  const std::string base_dir = TinyBase();
  ASSERT_FALSE(base_dir.empty()) << "SHAMMIE_TINY_BASE_DIR not set (fixture tiny_base)";
  absl::StatusOr<Checkpoint> policy = LoadCheckpoint(base_dir);
  ASSERT_TRUE(policy.ok()) << policy.status();
  Checkpoint reference = *LoadCheckpoint(base_dir);
  const Tokenizer& tok = *policy->tokenizer;
  const char* pm_dir = std::getenv("SHAMMIE_TINY_PM_DIR");
  ASSERT_TRUE(pm_dir != nullptr) << "SHAMMIE_TINY_PM_DIR not set (fixture tiny_pm)";
  auto pm = reward_model::LoadPmEpisodeScorer(pm_dir);
  ASSERT_TRUE(pm.ok()) << pm.status();

  const int kMaxTokens = 24;
  // Paired measurement: base and final policy sample the same prompts with
  // the same per-prompt seeds.
  std::vector<PpoPrompt> eval_prompts =
      Prompts(tok, /*seed=*/99, static_cast<int>(Knob("SHAMMIE_PPO_LEARNING_EVAL", 1024)));
  const GoldStats before = SampleGold(policy->model, tok, eval_prompts, kMaxTokens);

  // Why these (docs/ppo.md, "What learns"): λ = 1 because the value head
  // explains little in 16 steps, so bootstrapping from it (λ < 1) shrinks the
  // credit of the first response tokens; the head gets its own, higher rate
  // so it still becomes a useful baseline.
  PpoOptions o;
  // 16 steps of 512 episodes: at 12 × 256 the gain sat at 0.45–0.56 std
  // across seeds and fixtures, and the gold reward of the training samples
  // was still rising at step 12; a higher learning rate bought KL, not gold
  // (docs/results.md, "PPO learning test, session 4").
  o.steps = static_cast<uint32_t>(Knob("SHAMMIE_PPO_LEARNING_STEPS", 16));
  o.batch_size = static_cast<uint32_t>(Knob("SHAMMIE_PPO_LEARNING_BATCH", 512));
  o.minibatch_size = 16;
  o.ppo_epochs = static_cast<uint32_t>(Knob("SHAMMIE_PPO_LEARNING_EPOCHS", 2));
  o.learning_rate = Knob("SHAMMIE_PPO_LEARNING_LR", 5e-5);
  o.value_learning_rate = 1e-3;
  o.value_coef = 0.5;
  o.lam = 1.0;
  o.max_response_tokens = kMaxTokens;
  o.kl.initial_beta = Knob("SHAMMIE_PPO_LEARNING_BETA", 0.05);
  // Off: on this fixture the PM's own scale with β 0.05 did best (0.51 std
  // normalized at seed 5, 0.63 not); on other PMs normalizing helped
  // (docs/results.md, "PPO learning test, session 4").
  o.normalize_reward = Knob("SHAMMIE_PPO_LEARNING_NORMALIZE", 0) != 0;
  const char* seed = std::getenv("SHAMMIE_PPO_LEARNING_SEED");
  o.seed = seed != nullptr ? std::strtoull(seed, nullptr, 10) : 5;
  ppo_trainer::GoldScorer gold;
  PpoModels models;
  models.policy = policy->model;
  models.reference = reference.model;
  models.eos_token_id = tok.eos_token_id();
  models.pad_token_id = tok.eos_token_id();
  models.decode = [&tok](const std::vector<int64_t>& ids) { return tok.Decode(ids).value_or(""); };
  auto trainer = PpoTrainer::Create(o, models, Prompts(tok, /*seed=*/5, 512),
                                    {pm->get(), nullptr, &gold});
  ASSERT_TRUE(trainer.ok()) << trainer.status();
  std::vector<RewardKlPoint> early;
  for (uint32_t s = 1; s <= o.steps; ++s) {
    absl::StatusOr<PpoStepMetrics> m = (*trainer)->Step();
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_TRUE(std::isfinite(m->kl)) << "step " << s;
    if (s <= o.steps / 2) early.push_back({m->kl, m->reward});
    std::printf("step %2u reward %+.3f gold %+.3f kl %.3f sqrt_kl %.3f entropy %.3f "
                "clip %.3f approx_kl %.4f vloss %.4f ev %+.3f len %.1f\n",
                m->step, m->reward, m->gold_reward, m->kl, m->sqrt_kl, m->entropy,
                m->clip_fraction, m->approx_kl, m->value_loss, m->explained_variance,
                m->response_length);
    std::fflush(stdout);
  }
  const GoldStats after = SampleGold(policy->model, tok, eval_prompts, kMaxTokens);
  absl::StatusOr<RewardKlFit> fit = FitRewardVsSqrtKl(early);
  ASSERT_TRUE(fit.ok()) << fit.status();
  std::printf("gold reward of fresh samples: base %.3f (std %.3f) → PPO %.3f; gain %.3f = %.2f std\n",
              before.mean, before.std, after.mean, after.mean - before.mean,
              (after.mean - before.mean) / before.std);
  std::printf("by family: %s\n", ByFamily(before, after).c_str());
  std::printf("seed %llu; early-phase fit (steps 1-%u): reward = %.3f + %.3f·sqrt(KL), R² = %.3f\n",
              static_cast<unsigned long long>(o.seed), o.steps / 2, fit->a, fit->b, fit->r2);
  EXPECT_GE(after.mean - before.mean, 0.5 * before.std);
  EXPECT_GE(fit->r2, 0.8);
}

}  // namespace
}  // namespace shammie::policy
