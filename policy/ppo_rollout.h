// PPO's rollout: sample one response per prompt with the KV-cache sampler,
// then evaluate the batch once without gradients — the policy's log-probs and
// values (the "old" ones the update's ratios and value clip refer to) and the
// reference π0's log-probs (for the KL penalty).
//
// Shape legend: B episodes, P context columns, R response columns.
//
// Private to policy/: includes torch. Not thread-safe (uses the models).
#ifndef SHAMMIE_POLICY_PPO_ROLLOUT_H_
#define SHAMMIE_POLICY_PPO_ROLLOUT_H_

#include <torch/torch.h>

#include <vector>

#include "absl/status/statusor.h"
#include "policy/ppo_episode.h"
#include "policy/ppo_policy.h"
#include "policy/sampler.h"

namespace shammie::policy {

struct Rollout {
  std::vector<Episode> episodes;  // B
  PackedBatch batch;              // contexts left-padded to P, responses right-padded to R
  torch::Tensor mask;             // (B, R) float: 1 on real response tokens
  torch::Tensor old_logprobs;     // (B, R)
  torch::Tensor old_values;       // (B, R)
  torch::Tensor ref_logprobs;     // (B, R)
  torch::Tensor entropy;          // (B, R) of the sampling policy
};

struct RolloutParams {
  int64_t max_response_tokens = 32;
  double temperature = 1.0;
  int64_t pad_token_id = 256;
  // Episode i draws from its own stream seeded by seeds[i] (sampler contract),
  // so a resumed run samples the same responses.
  std::vector<uint64_t> seeds;
};

// Samples responses for `prompts` (one episode each); the sampler's
// Detokenizer fills Episode::response. Errors from the
// sampler pass through (INVALID_ARGUMENT for a prompt too long for the model).
// When `scores` is not null the sampler's own log-probs, entropies and hidden
// states of the drawn tokens are stored there (see GenerationScores).
absl::StatusOr<std::vector<Episode>> SampleEpisodes(Sampler& sampler,
                                                    const std::vector<const PpoPrompt*>& prompts,
                                                    const RolloutParams& params,
                                                    GenerationScores* scores = nullptr);

// Packs the episodes and evaluates policy and reference on them (no grad).
// With `sampled` (the scores SampleEpisodes recorded for these episodes, from
// the same policy weights), the policy's old log-probs, entropies and values
// come from the rollout's own forward passes (KV-cache steps; equal to a full
// forward within float rounding, ~1e-6) and only the reference runs a
// forward; without it the policy is evaluated by a full forward.
// Throws c10::Error on shape problems (caught by the trainer's boundary).
Rollout EvaluateRollout(std::vector<Episode> episodes, PpoPolicy& policy, Gpt& reference,
                        const RolloutParams& params, const GenerationScores* sampled = nullptr);

// Rows `index` (b) of a packed batch, for minibatches; P and R stay.
PackedBatch SelectRows(const PackedBatch& batch, const torch::Tensor& index);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PPO_ROLLOUT_H_
