// GAE runs backwards over T; each step is a vector op over the B episodes, so
// the loop costs T small kernels, not B·T scalar ones.
#include "policy/ppo_advantages.h"

namespace shammie::policy {

Advantages ComputeGae(const torch::Tensor& rewards, const torch::Tensor& values,
                      const torch::Tensor& mask, double gamma, double lam) {
  TORCH_CHECK(rewards.dim() == 2 && rewards.sizes() == values.sizes() &&
                  rewards.sizes() == mask.sizes(),
              "GAE: rewards, values and mask must share one (B, T) shape");
  const int64_t T = rewards.size(1);
  // Padding carries no reward and no value, so δ and A are 0 there and the
  // last real token bootstraps from V = 0 (the response ended).
  torch::Tensor r = rewards * mask;                           // (B, T)
  torch::Tensor v = values * mask;                            // (B, T)
  torch::Tensor next_value = torch::zeros_like(r.select(1, 0));  // (B)
  torch::Tensor last_gae = torch::zeros_like(next_value);         // (B)
  std::vector<torch::Tensor> reversed;
  reversed.reserve(T);
  for (int64_t t = T - 1; t >= 0; --t) {
    torch::Tensor v_t = v.select(1, t);                                   // (B)
    torch::Tensor delta = r.select(1, t) + gamma * next_value - v_t;      // (B)
    last_gae = (delta + gamma * lam * last_gae) * mask.select(1, t);      // (B)
    reversed.push_back(last_gae);
    next_value = v_t;
  }
  std::reverse(reversed.begin(), reversed.end());
  Advantages out;
  out.advantages = torch::stack(reversed, /*dim=*/1);  // (B, T)
  out.returns = out.advantages + v;                    // (B, T)
  return out;
}

torch::Tensor MaskedMean(const torch::Tensor& x, const torch::Tensor& mask) {
  return (x * mask).sum() / mask.sum().clamp_min(1.0);  // ()
}

torch::Tensor MaskedVar(const torch::Tensor& x, const torch::Tensor& mask) {
  torch::Tensor mean = MaskedMean(x, mask);       // ()
  return MaskedMean((x - mean).pow(2), mask);     // ()
}

torch::Tensor Whiten(const torch::Tensor& x, const torch::Tensor& mask, bool shift_mean) {
  torch::Tensor mean = MaskedMean(x, mask);                               // ()
  torch::Tensor var = MaskedVar(x, mask);                                 // ()
  torch::Tensor white = (x - mean) * torch::rsqrt(var + 1e-8);            // (B, T)
  if (!shift_mean) white = white + mean;                                  // (B, T)
  return white * mask;                                                    // (B, T)
}

}  // namespace shammie::policy
