// Generalized advantage estimation and whitening for PPO over response tokens.
//
// Shape legend: B episodes, T response tokens (right-padded). `mask` is 1.0
// on real response tokens and 0.0 on padding; every row's real tokens come
// first (a mask row is 1…1 0…0).
//
// Private to policy/: includes torch. Pure functions, thread-safe. Shape
// mismatches throw c10::Error; the trainer's GuardTorch boundary turns them
// into a status.
#ifndef SHAMMIE_POLICY_PPO_ADVANTAGES_H_
#define SHAMMIE_POLICY_PPO_ADVANTAGES_H_

#include <torch/torch.h>

namespace shammie::policy {

struct Advantages {
  torch::Tensor advantages;  // (B, T) GAE(γ, λ), 0 on padding
  torch::Tensor returns;     // (B, T) advantages + values: the value target
};

// δ_t = r_t + γ·V_{t+1} − V_t (V past the last real token is 0: the episode
// ends there), A_t = δ_t + γλ·A_{t+1}. rewards, values, mask: (B, T).
Advantages ComputeGae(const torch::Tensor& rewards, const torch::Tensor& values,
                      const torch::Tensor& mask, double gamma, double lam);

// Masked mean and (population) variance over the real tokens of x (B, T).
torch::Tensor MaskedMean(const torch::Tensor& x, const torch::Tensor& mask);
torch::Tensor MaskedVar(const torch::Tensor& x, const torch::Tensor& mask);

// (x − mean) / sqrt(var + 1e-8) over real tokens; padding stays 0. With
// shift_mean false the mean is added back (scale only).
torch::Tensor Whiten(const torch::Tensor& x, const torch::Tensor& mask, bool shift_mean = true);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PPO_ADVANTAGES_H_
