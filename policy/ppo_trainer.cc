#include "policy/ppo_trainer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "common/torch_boundary.h"
#include "policy/ppo_advantages.h"
#include "policy/ppo_losses.h"
#include "policy/ppo_rewards.h"
#include "policy/ppo_rollout.h"
#include "policy/ppo_update.h"

namespace shammie::policy {
namespace {

bool SameShape(const GptConfig& a, const GptConfig& b) {
  return a.n_layer == b.n_layer && a.n_head == b.n_head && a.n_embd == b.n_embd &&
         a.n_positions == b.n_positions && a.vocab_size == b.vocab_size;
}

std::string ShapeString(const GptConfig& c) {
  return absl::StrCat("{n_layer ", c.n_layer, ", n_head ", c.n_head, ", n_embd ", c.n_embd,
                      ", n_positions ", c.n_positions, ", vocab_size ", c.vocab_size, "}");
}

double Mean(const std::vector<double>& v) {
  return v.empty() ? PpoStepMetrics::kNaN
                   : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double Seconds(absl::Time from, absl::Time to) { return absl::ToDoubleSeconds(to - from); }

}  // namespace

uint64_t MixSeed(uint64_t seed, uint64_t a, uint64_t b) {
  uint64_t z = seed ^ (a * 0x9E3779B97F4A7C15ULL) ^ (b * 0xC2B2AE3D27D4EB4FULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

absl::StatusOr<std::unique_ptr<PpoTrainer>> PpoTrainer::Create(const PpoOptions& options,
                                                               PpoModels models,
                                                               std::vector<PpoPrompt> prompts,
                                                               PpoScorers scorers) {
  SHAMMIE_RETURN_IF_ERROR(ValidatePpoOptions(options));
  if (scorers.reward == nullptr) return absl::InvalidArgumentError("pm_checkpoint is required");
  if (!models.policy || !models.reference) {
    return absl::InvalidArgumentError("policy_checkpoint: no policy or reference model");
  }
  const GptConfig& pc = models.policy->config();
  const GptConfig& rc = models.reference->config();
  if (!SameShape(pc, rc)) {
    return absl::InvalidArgumentError(
        absl::StrCat("reference_checkpoint has shape ", ShapeString(rc),
                     " but the policy has ", ShapeString(pc)));
  }
  if (prompts.empty()) return absl::InvalidArgumentError("prompts: the prompt set is empty");
  for (size_t i = 0; i < prompts.size(); ++i) {
    const size_t n = prompts[i].context_ids.size();
    if (n == 0) return absl::InvalidArgumentError(absl::StrCat("prompts[", i, "] is empty"));
    if (n + options.max_response_tokens > static_cast<size_t>(pc.n_positions)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "max_response_tokens: prompts[", i, "] has ", n, " tokens; with ",
          options.max_response_tokens, " response tokens it exceeds the model's ",
          pc.n_positions, " positions"));
    }
  }
  return common::GuardTorch("create PPO trainer", [&]() -> std::unique_ptr<PpoTrainer> {
    return std::unique_ptr<PpoTrainer>(
        new PpoTrainer(options, std::move(models), std::move(prompts), scorers));
  });
}

PpoTrainer::PpoTrainer(const PpoOptions& options, PpoModels models, std::vector<PpoPrompt> prompts,
                       PpoScorers scorers)
    : options_(options),
      models_(std::move(models)),
      prompts_(std::move(prompts)),
      scorers_(scorers),
      kl_(options.kl) {
  for (torch::Tensor& p : models_.reference->parameters()) p.set_requires_grad(false);
  policy_ = PpoPolicy(models_.policy);
  optimizer_ = std::make_unique<torch::optim::Adam>(
      policy_->parameters(), torch::optim::AdamOptions(options_.learning_rate));
  SamplerOptions so;
  so.eos_token_id = models_.eos_token_id;
  so.pad_token_id = models_.pad_token_id;
  sampler_ = std::make_unique<Sampler>(models_.policy, so, models_.decode);
}

std::vector<const PpoPrompt*> PpoTrainer::PromptsForStep(uint32_t step) const {
  // Passes over the prompt set, each in its own seeded order: global episode
  // k = (step − 1)·B + i is position k mod N of pass k / N.
  const uint64_t n = prompts_.size();
  const uint64_t first = static_cast<uint64_t>(step - 1) * options_.batch_size;
  std::vector<const PpoPrompt*> out;
  uint64_t cached_pass = UINT64_MAX;
  std::vector<uint64_t> order(n);
  for (uint64_t k = first; k < first + options_.batch_size; ++k) {
    const uint64_t pass = k / n;
    if (pass != cached_pass) {
      std::iota(order.begin(), order.end(), 0);
      std::mt19937_64 rng(MixSeed(options_.seed, pass, /*stream=*/1));
      // Fisher–Yates by hand: std::shuffle's draws differ between libraries.
      for (uint64_t j = n; j > 1; --j) std::swap(order[j - 1], order[rng() % j]);
      cached_pass = pass;
    }
    out.push_back(&prompts_[order[k % n]]);
  }
  return out;
}

absl::StatusOr<PpoStepMetrics> PpoTrainer::Step() {
  return common::GuardTorch("PPO step", [&] { return RunStep(); });
}

absl::StatusOr<PpoStepMetrics> PpoTrainer::RunStep() {
  const uint32_t step = step_ + 1;
  const int64_t batch = options_.batch_size;
  PpoStepMetrics m;
  m.step = step;
  m.beta = kl_.beta();
  const absl::Time t0 = absl::Now();

  // 1. Rollout: one sampled response per prompt, each from its own stream.
  RolloutParams params;
  params.max_response_tokens = options_.max_response_tokens;
  params.temperature = options_.temperature;
  params.pad_token_id = models_.pad_token_id;
  for (int64_t i = 0; i < batch; ++i) params.seeds.push_back(MixSeed(options_.seed, step, 1000 + i));
  GenerationScores sampled;  // π's log-probs and hidden states from the rollout itself
  SHAMMIE_ASSIGN_OR_RETURN(std::vector<Episode> episodes,
                           SampleEpisodes(*sampler_, PromptsForStep(step), params, &sampled));
  const absl::Time t1 = absl::Now();

  // 2. Score: π0 log-probs (π's come from the rollout), values, then the PMs (and gold).
  Rollout rollout =
      EvaluateRollout(std::move(episodes), policy_, models_.reference, params, &sampled);
  SHAMMIE_ASSIGN_OR_RETURN(std::vector<double> scores, scorers_.reward->Score(rollout.episodes));
  if (scores.size() != rollout.episodes.size()) {
    return absl::InternalError(absl::StrCat("PM returned ", scores.size(), " scores for ",
                                            rollout.episodes.size(), " episodes"));
  }
  m.reward = Mean(scores);
  if (scorers_.test != nullptr) {
    SHAMMIE_ASSIGN_OR_RETURN(std::vector<double> test, scorers_.test->Score(rollout.episodes));
    m.test_reward = Mean(test);
  }
  if (scorers_.gold != nullptr) {
    SHAMMIE_ASSIGN_OR_RETURN(std::vector<double> gold, scorers_.gold->Score(rollout.episodes));
    m.gold_reward = Mean(gold);
  }
  const absl::Time t2 = absl::Now();

  // 3. Advantages: KL-penalized per-token rewards → GAE → whitening.
  const torch::Tensor& mask = rollout.mask;                                   // (B, R)
  torch::Tensor score_t = torch::tensor(scores, torch::kDouble).to(torch::kFloat32);  // (B)
  KlPenalizedRewards rewards = ComputeKlPenalizedRewards(
      score_t, rollout.old_logprobs, rollout.ref_logprobs, mask, kl_.beta());
  Advantages adv = ComputeGae(rewards.rewards, rollout.old_values, mask, options_.gamma,
                              options_.lam);
  torch::Tensor advantages =
      options_.whiten_advantages ? Whiten(adv.advantages, mask) : adv.advantages;  // (B, R)
  m.explained_variance = ExplainedVariance(rollout.old_values, adv.returns, mask).item<double>();

  // 4. Update: PPO epochs over shuffled minibatches.
  torch::Generator gen = at::detail::createCPUGenerator(MixSeed(options_.seed, step, 2));
  SHAMMIE_ASSIGN_OR_RETURN(UpdateStats u, RunPpoUpdate(policy_, *optimizer_, rollout, advantages,
                                                       adv.returns, options_, gen));
  const absl::Time t3 = absl::Now();

  // 5. Log, and let β follow the KL.
  m.kl = rewards.episode_kl.mean().item<double>();
  m.sqrt_kl = std::sqrt(std::max(m.kl, 0.0));
  m.entropy = MeanEntropy(rollout.entropy, mask).item<double>();
  m.clip_fraction = u.clip_fraction;
  m.approx_kl = u.approx_kl;
  m.value_loss = u.value_loss;
  m.policy_loss = u.policy_loss;
  m.response_length = mask.sum().item<double>() / static_cast<double>(batch);
  m.rollout_seconds = Seconds(t0, t1);
  m.scoring_seconds = Seconds(t1, t2);
  m.update_seconds = Seconds(t2, t3);
  m.episodes_per_second = static_cast<double>(batch) / std::max(Seconds(t0, t3), 1e-9);
  kl_.Update(m.kl, batch);
  step_ = step;
  return m;
}

absl::Status PpoTrainer::SaveState(const std::string& path) {
  return common::GuardTorch("save PPO state", [&]() -> absl::Status {
    torch::serialize::OutputArchive archive;
    policy_->save(archive);
    torch::serialize::OutputArchive optimizer;
    optimizer_->save(optimizer);
    archive.write("optimizer", optimizer);
    archive.write("step", torch::tensor(static_cast<int64_t>(step_)));
    archive.write("beta", torch::tensor(kl_.beta(), torch::kDouble));
    const std::string tmp = path + ".tmp";
    archive.save_to(tmp);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      return absl::InternalError(absl::StrCat("rename ", tmp, " → ", path, " failed"));
    }
    return absl::OkStatus();
  });
}

absl::Status PpoTrainer::LoadState(const std::string& path) {
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
  } else {
    return absl::NotFoundError(absl::StrCat("PPO state ", path, " not found"));
  }
  return common::GuardTorch(
      absl::StrCat("load PPO state ", path),
      [&]() -> absl::Status {
        torch::serialize::InputArchive archive;
        archive.load_from(path);
        policy_->load(archive);
        torch::serialize::InputArchive optimizer;
        archive.read("optimizer", optimizer);
        optimizer_->load(optimizer);
        torch::Tensor step, beta;
        archive.read("step", step);
        archive.read("beta", beta);
        step_ = static_cast<uint32_t>(step.item<int64_t>());
        kl_.set_beta(beta.item<double>());
        return absl::OkStatus();
      },
      absl::StatusCode::kDataLoss);
}

}  // namespace shammie::policy
