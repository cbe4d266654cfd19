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
#include "policy/fused_adam.h"
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

double Seconds(absl::Time from, absl::Time to) { return absl::ToDoubleSeconds(to - from); }

double Sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

// Whitening over the real tokens of every rank's episodes: the global masked
// mean and (population) variance, summed across ranks in double precision.
torch::Tensor WhitenAcrossRanks(const torch::Tensor& x, const torch::Tensor& mask,
                                const PpoDataParallel& parallel) {
  if (!parallel.enabled()) return Whiten(x, mask);                              // (b, R)
  torch::Tensor xd = x.to(torch::kDouble);                                      // (b, R)
  torch::Tensor md = mask.to(torch::kDouble);                                   // (b, R)
  std::vector<torch::Tensor> first{torch::stack({(xd * md).sum(), md.sum()})};  // (2)
  parallel.Sum(first);
  const double count = std::max(first[0][1].item<double>(), 1.0);
  const double mean = first[0][0].item<double>() / count;
  std::vector<torch::Tensor> second{((xd - mean).pow(2) * md).sum().reshape({1})};  // (1)
  parallel.Sum(second);
  const double var = second[0].item<double>() / count;
  return ((x - mean) * (1.0 / std::sqrt(var + 1e-8))) * mask;  // (b, R)
}

// 1 / (standard deviation of the global batch's scores), in double precision
// across ranks; 1 when the scores do not spread (a constant PM).
double InverseScoreSpread(const std::vector<double>& scores, const PpoDataParallel& parallel) {
  double sum = 0, sq = 0;
  for (double s : scores) sum += s, sq += s * s;
  std::vector<torch::Tensor> totals{torch::tensor(
      std::vector<double>{sum, sq, static_cast<double>(scores.size())}, torch::kDouble)};  // (3)
  parallel.Sum(totals);
  const double n = std::max(totals[0][2].item<double>(), 1.0);
  const double mean = totals[0][0].item<double>() / n;
  const double var = totals[0][1].item<double>() / n - mean * mean;
  return var > 1e-12 ? 1.0 / std::sqrt(var) : 1.0;
}

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
                                                               PpoScorers scorers,
                                                               PpoDataParallel parallel) {
  SHAMMIE_RETURN_IF_ERROR(ValidatePpoOptions(options));
  if (parallel.world_size < 1 || parallel.rank < 0 || parallel.rank >= parallel.world_size) {
    return absl::InvalidArgumentError(absl::StrCat("rank ", parallel.rank, " / world_size ",
                                                   parallel.world_size, " out of range"));
  }
  if (parallel.enabled() && !parallel.allreduce_sum) {
    return absl::InvalidArgumentError("allreduce: required when world_size > 1");
  }
  if (options.batch_size < static_cast<uint64_t>(parallel.world_size)) {
    return absl::InvalidArgumentError(absl::StrCat("batch_size ", options.batch_size,
                                                   " leaves some of the ", parallel.world_size,
                                                   " ranks without episodes"));
  }
  if (scorers.reward == nullptr) return absl::InvalidArgumentError("pm_checkpoint is required");
  if (!models.policy || !models.reference) {
    return absl::InvalidArgumentError("policy_checkpoint: no policy or reference model");
  }
  const GptConfig& pc = models.policy->config();
  const GptConfig& rc = models.reference->config();
  if (!SameShape(pc, rc)) {
    return absl::InvalidArgumentError(absl::StrCat("reference_checkpoint has shape ",
                                                   ShapeString(rc), " but the policy has ",
                                                   ShapeString(pc)));
  }
  if (prompts.empty()) return absl::InvalidArgumentError("prompts: the prompt set is empty");
  for (size_t i = 0; i < prompts.size(); ++i) {
    const size_t n = prompts[i].context_ids.size();
    if (n == 0) return absl::InvalidArgumentError(absl::StrCat("prompts[", i, "] is empty"));
    if (n + options.max_response_tokens > static_cast<size_t>(pc.n_positions)) {
      return absl::InvalidArgumentError(
          absl::StrCat("max_response_tokens: prompts[", i, "] has ", n, " tokens; with ",
                       options.max_response_tokens, " response tokens it exceeds the model's ",
                       pc.n_positions, " positions"));
    }
  }
  return common::GuardTorch("create PPO trainer", [&]() -> std::unique_ptr<PpoTrainer> {
    return std::unique_ptr<PpoTrainer>(new PpoTrainer(
        options, std::move(models), std::move(prompts), scorers, std::move(parallel)));
  });
}

PpoTrainer::PpoTrainer(const PpoOptions& options, PpoModels models, std::vector<PpoPrompt> prompts,
                       PpoScorers scorers, PpoDataParallel parallel)
    : options_(options),
      models_(std::move(models)),
      prompts_(std::move(prompts)),
      scorers_(scorers),
      parallel_(std::move(parallel)),
      kl_(options.kl) {
  for (torch::Tensor& p : models_.reference->parameters()) p.set_requires_grad(false);
  policy_ = PpoPolicy(models_.policy);
  // Two groups: the trunk at learning_rate, the value head at its own rate.
  const double value_lr =
      options_.value_learning_rate > 0 ? options_.value_learning_rate : options_.learning_rate;
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(policy_->trunk->parameters(),
                      std::make_unique<torch::optim::AdamOptions>(options_.learning_rate));
  groups.emplace_back(policy_->value_head->parameters(),
                      std::make_unique<torch::optim::AdamOptions>(value_lr));
  optimizer_ = std::make_unique<FusedAdam>(std::move(groups),
                                           torch::optim::AdamOptions(options_.learning_rate));
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
  const int64_t batch = options_.batch_size;  // global episodes
  PpoStepMetrics m;
  m.step = step;
  m.beta = kl_.beta();
  const absl::Time t0 = absl::Now();

  // 1. Rollout: this rank's share of the step's episodes, each from the
  // stream of its global index (all of them on one process).
  RolloutParams params;
  params.max_response_tokens = options_.max_response_tokens;
  params.temperature = options_.temperature;
  params.pad_token_id = models_.pad_token_id;
  std::vector<const PpoPrompt*> all = PromptsForStep(step);
  std::vector<const PpoPrompt*> mine;
  for (int64_t i = 0; i < batch; ++i) {
    if (!parallel_.Owns(i)) continue;
    mine.push_back(all[i]);
    params.seeds.push_back(MixSeed(options_.seed, step, 1000 + i));
  }
  GenerationScores sampled;  // π's log-probs and hidden states from the rollout itself
  SHAMMIE_ASSIGN_OR_RETURN(std::vector<Episode> episodes,
                           SampleEpisodes(*sampler_, mine, params, &sampled));
  const absl::Time t1 = absl::Now();

  // 2. Score: π0 log-probs (π's come from the rollout), values, then the PMs (and gold).
  Rollout rollout =
      EvaluateRollout(std::move(episodes), policy_, models_.reference, params, &sampled);
  SHAMMIE_ASSIGN_OR_RETURN(std::vector<double> scores, scorers_.reward->Score(rollout.episodes));
  if (scores.size() != rollout.episodes.size()) {
    return absl::InternalError(absl::StrCat("PM returned ", scores.size(), " scores for ",
                                            rollout.episodes.size(), " episodes"));
  }
  std::vector<double> test, gold;
  if (scorers_.test != nullptr) {
    SHAMMIE_ASSIGN_OR_RETURN(test, scorers_.test->Score(rollout.episodes));
  }
  if (scorers_.gold != nullptr) {
    SHAMMIE_ASSIGN_OR_RETURN(gold, scorers_.gold->Score(rollout.episodes));
  }
  const absl::Time t2 = absl::Now();

  // 3. Advantages: KL-penalized per-token rewards → GAE → whitening.
  const torch::Tensor& mask = rollout.mask;                                           // (b, R)
  if (options_.normalize_reward && reward_scale_ == 0) {
    reward_scale_ = InverseScoreSpread(scores, parallel_);
  }
  const double scale = options_.normalize_reward ? reward_scale_ : 1.0;
  torch::Tensor score_t = (torch::tensor(scores, torch::kDouble) * scale).to(torch::kFloat32);  // (b)
  KlPenalizedRewards rewards = ComputeKlPenalizedRewards(score_t, rollout.old_logprobs,
                                                         rollout.ref_logprobs, mask, kl_.beta());
  Advantages adv =
      ComputeGae(rewards.rewards, rollout.old_values, mask, options_.gamma, options_.lam);
  torch::Tensor advantages = options_.whiten_advantages
                                 ? WhitenAcrossRanks(adv.advantages, mask, parallel_)
                                 : adv.advantages;  // (b, R)
  const double explained_variance =
      ExplainedVariance(rollout.old_values, adv.returns, mask).item<double>();

  // 4. Update: PPO epochs over shuffled minibatches (global ones across ranks).
  torch::Generator gen = at::detail::createCPUGenerator(MixSeed(options_.seed, step, 2));
  SHAMMIE_ASSIGN_OR_RETURN(UpdateStats u, RunPpoUpdate(policy_, *optimizer_, rollout, advantages,
                                                       adv.returns, options_, gen, parallel_));
  const absl::Time t3 = absl::Now();

  // 5. Log over the global batch (sums across ranks), and let β follow the KL.
  const double nan = PpoStepMetrics::kNaN;
  std::vector<torch::Tensor> sums{torch::tensor(
      std::vector<double>{Sum(scores), Sum(test), Sum(gold),
                          rewards.episode_kl.to(torch::kDouble).sum().item<double>(),
                          (rollout.entropy * mask).to(torch::kDouble).sum().item<double>(),
                          mask.to(torch::kDouble).sum().item<double>(),
                          std::isfinite(explained_variance) ? explained_variance : 0.0,
                          std::isfinite(explained_variance) ? 1.0 : 0.0},
      torch::kDouble)};  // (8)
  parallel_.Sum(sums);
  auto total = [&sums](int k) { return sums[0][k].item<double>(); };
  const double n = static_cast<double>(batch);
  m.reward = total(0) / n;
  m.test_reward = scorers_.test != nullptr ? total(1) / n : nan;
  m.gold_reward = scorers_.gold != nullptr ? total(2) / n : nan;
  m.kl = total(3) / n;
  m.sqrt_kl = std::sqrt(std::max(m.kl, 0.0));
  m.entropy = total(4) / std::max(total(5), 1.0);
  m.response_length = total(5) / n;
  // The mean of the ranks' explained variances (each over its own episodes).
  m.explained_variance = total(7) > 0 ? total(6) / total(7) : nan;
  m.clip_fraction = u.clip_fraction;
  m.approx_kl = u.approx_kl;
  m.value_loss = u.value_loss;
  m.policy_loss = u.policy_loss;
  m.rollout_seconds = Seconds(t0, t1);
  m.scoring_seconds = Seconds(t1, t2);
  m.update_seconds = Seconds(t2, t3);
  m.episodes_per_second = n / std::max(Seconds(t0, t3), 1e-9);
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
    archive.write("reward_scale", torch::tensor(reward_scale_, torch::kDouble));
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
        // States written before the scale existed: it is measured again on
        // the next step.
        torch::Tensor scale;
        reward_scale_ = archive.try_read("reward_scale", scale) ? scale.item<double>() : 0;
        return absl::OkStatus();
      },
      absl::StatusCode::kDataLoss);
}

}  // namespace shammie::policy
