// The per-token PPO reward with the KL penalty (Ziegler et al. 2019):
//   r_t = −β·(log π(a_t) − log π0(a_t))      on every response token t,
//   plus the PM score on the last real response token.
//
// Shape legend: B episodes, T response tokens (right-padded; `mask` 1.0 on
// real tokens, rows 1…1 0…0, at least one real token per row).
//
// Private to policy/: includes torch. Pure functions, thread-safe.
#ifndef SHAMMIE_POLICY_PPO_REWARDS_H_
#define SHAMMIE_POLICY_PPO_REWARDS_H_

#include <torch/torch.h>

namespace shammie::policy {

struct KlPenalizedRewards {
  torch::Tensor rewards;  // (B, T) 0 on padding
  torch::Tensor kl;       // (B, T) log π − log π0 per token, 0 on padding
  torch::Tensor episode_kl;  // (B) kl summed over the response
};

// scores: (B) PM scores (offset already applied); logprobs, ref_logprobs,
// mask: (B, T). Throws c10::Error on shape mismatch or an empty response.
KlPenalizedRewards ComputeKlPenalizedRewards(const torch::Tensor& scores,
                                             const torch::Tensor& logprobs,
                                             const torch::Tensor& ref_logprobs,
                                             const torch::Tensor& mask, double beta);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PPO_REWARDS_H_
