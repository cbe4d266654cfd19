#include "policy/ppo_rewards.h"

namespace shammie::policy {

KlPenalizedRewards ComputeKlPenalizedRewards(const torch::Tensor& scores,
                                             const torch::Tensor& logprobs,
                                             const torch::Tensor& ref_logprobs,
                                             const torch::Tensor& mask, double beta) {
  TORCH_CHECK(logprobs.dim() == 2 && logprobs.sizes() == ref_logprobs.sizes() &&
                  logprobs.sizes() == mask.sizes(),
              "KL rewards: logprobs, ref_logprobs and mask must share one (B, T) shape");
  TORCH_CHECK(scores.dim() == 1 && scores.size(0) == logprobs.size(0),
              "KL rewards: scores must be (B)");
  torch::Tensor lengths = mask.sum(/*dim=*/1).to(torch::kLong);  // (B)
  TORCH_CHECK(lengths.min().item<int64_t>() >= 1, "KL rewards: an episode has no response tokens");
  KlPenalizedRewards out;
  out.kl = (logprobs - ref_logprobs) * mask;      // (B, T)
  out.episode_kl = out.kl.sum(/*dim=*/1);         // (B)
  out.rewards = -beta * out.kl;                   // (B, T)
  // The PM judges the whole response, so its score is the reward of the
  // final action only; GAE carries it back to earlier tokens.
  torch::Tensor last = (lengths - 1).unsqueeze(1);                   // (B, 1)
  out.rewards = out.rewards.scatter_add(/*dim=*/1, last,
                                        scores.to(out.rewards.dtype()).unsqueeze(1));  // (B, T)
  return out;
}

}  // namespace shammie::policy
