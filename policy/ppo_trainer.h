// The PPO loop (Ziegler et al. 2019; Bai et al. 2022), one Step() at a time:
//   rollout → score → advantages → update → log.
// rollout:    the KV-cache sampler draws a response per prompt; the policy's
//             log-probs and values and π0's log-probs are taken once.
// score:      the train PM (and the test PM and gold reward when given)
//             score each episode.
// advantages: r_t = −β·(log π − log π0), plus the PM score at the last token;
//             GAE(γ, λ); whitened.
// update:     PPO epochs over shuffled minibatches (ppo_update.h).
// log:        a PpoStepMetrics; the KL controller updates β.
//
// Data parallel: with a PpoDataParallel of world_size W > 1, this trainer is
// one rank of W (ppo_data_parallel.h): it rolls out its share of the global
// batch, whitens with global statistics, sums gradients across ranks, and
// reports metrics over the global batch — identical on every rank.
//
// Randomness: every draw of step s derives from (seed, s) — the prompts, each
// episode's sampling stream, the minibatch order — so a trainer restored
// from the state saved after step s continues exactly as the original would.
//
// Private to policy/: includes torch. Not thread-safe: one thread drives a
// trainer. Step() returns errors, never throws (one GuardTorch boundary).
#ifndef SHAMMIE_POLICY_PPO_TRAINER_H_
#define SHAMMIE_POLICY_PPO_TRAINER_H_

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "policy/kl_controller.h"
#include "policy/ppo_data_parallel.h"
#include "policy/ppo_episode.h"
#include "policy/ppo_metrics.h"
#include "policy/ppo_options.h"
#include "policy/ppo_policy.h"
#include "policy/sampler.h"

namespace shammie::policy {

struct PpoModels {
  Gpt policy{nullptr};     // trained in place
  Gpt reference{nullptr};  // π0, frozen; must have the policy's shape
  Detokenizer decode;      // token ids → text, for scorers that read text
  int64_t eos_token_id = 256;
  int64_t pad_token_id = 256;
};

class PpoTrainer {
 public:
  // INVALID_ARGUMENT naming the field: options (ValidatePpoOptions), no
  // prompts ("prompts"), a missing reward scorer ("pm_checkpoint"), policy
  // and reference of different shapes ("reference_checkpoint"), a prompt
  // too long to leave room for max_response_tokens ("max_response_tokens"),
  // a rank outside [0, world_size), no allreduce_sum with world_size > 1,
  // or fewer episodes than ranks ("batch_size").
  static absl::StatusOr<std::unique_ptr<PpoTrainer>> Create(const PpoOptions& options,
                                                            PpoModels models,
                                                            std::vector<PpoPrompt> prompts,
                                                            PpoScorers scorers,
                                                            PpoDataParallel parallel = {});

  // Runs step() + 1. Errors: from scorers and sampler as they come; INTERNAL
  // for a non-finite loss (the step's update stops before the optimizer
  // takes it) or a torch error.
  absl::StatusOr<PpoStepMetrics> Step();

  uint32_t step() const { return step_; }
  double beta() const { return kl_.beta(); }
  PpoPolicy& policy() { return policy_; }

  // Everything needed to continue: policy and value head weights, Adam's
  // moments, β, the step and the reward scale. Written to `path` (a file) atomically
  // (temporary name, then rename). LoadState: NOT_FOUND / DATA_LOSS /
  // INVALID_ARGUMENT (shape mismatch) as the file says.
  absl::Status SaveState(const std::string& path);
  absl::Status LoadState(const std::string& path);

 private:
  PpoTrainer(const PpoOptions& options, PpoModels models, std::vector<PpoPrompt> prompts,
             PpoScorers scorers, PpoDataParallel parallel);
  std::vector<const PpoPrompt*> PromptsForStep(uint32_t step) const;
  absl::StatusOr<PpoStepMetrics> RunStep();

  const PpoOptions options_;
  PpoModels models_;
  std::vector<PpoPrompt> prompts_;
  PpoScorers scorers_;
  const PpoDataParallel parallel_;
  PpoPolicy policy_{nullptr};
  std::unique_ptr<torch::optim::Adam> optimizer_;
  std::unique_ptr<Sampler> sampler_;
  KlController kl_;
  uint32_t step_ = 0;
  // options_.normalize_reward: 1 / (std of step 1's PM scores); 0 until set.
  double reward_scale_ = 0;
};

// splitmix64 of (seed, a, b): the seeds of step-level random streams.
uint64_t MixSeed(uint64_t seed, uint64_t a, uint64_t b);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PPO_TRAINER_H_
