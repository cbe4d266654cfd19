// PPO's losses and the diagnostics logged with them (Schulman et al. 2017;
// the clipped value loss as in OpenAI's baselines and Ziegler et al. 2019).
//
// Shape legend: B episodes in the minibatch, T response tokens (right-padded;
// `mask` 1.0 on real tokens). All means are over real tokens of the
// minibatch (token-level), not per episode.
//
// Private to policy/: includes torch. Pure functions, thread-safe.
#ifndef SHAMMIE_POLICY_PPO_LOSSES_H_
#define SHAMMIE_POLICY_PPO_LOSSES_H_

#include <torch/torch.h>

namespace shammie::policy {

struct PolicyLoss {
  torch::Tensor loss;           // () mean of max(−A·ρ, −A·clip(ρ, 1±ε)); has grad
  torch::Tensor clip_fraction;  // () share of tokens where the clipped term won
  torch::Tensor approx_kl;      // () mean of (ρ − 1) − log ρ  (≥ 0, Schulman's k3)
};

// ρ = exp(logprobs − old_logprobs). logprobs (B, T) carries grad; the others
// are constants from the rollout.
PolicyLoss ClippedPolicyLoss(const torch::Tensor& logprobs, const torch::Tensor& old_logprobs,
                             const torch::Tensor& advantages, const torch::Tensor& mask,
                             double clip_range);

struct ValueLoss {
  torch::Tensor loss;           // () ½·mean of max((V − R)², (V_clip − R)²); has grad
  torch::Tensor clip_fraction;  // () share of tokens where the clipped term won
};

// V_clip = V_old + clip(V − V_old, ±value_clip_range). values (B, T) carries
// grad; old_values and returns are rollout constants.
ValueLoss ClippedValueLoss(const torch::Tensor& values, const torch::Tensor& old_values,
                           const torch::Tensor& returns, const torch::Tensor& mask,
                           double value_clip_range);

// Mean of per-token entropies (B, T) over real tokens: ().
torch::Tensor MeanEntropy(const torch::Tensor& entropy, const torch::Tensor& mask);

// 1 − Var[R − V] / Var[R] over real tokens; NaN when Var[R] is 0. ().
torch::Tensor ExplainedVariance(const torch::Tensor& values, const torch::Tensor& returns,
                                const torch::Tensor& mask);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PPO_LOSSES_H_
