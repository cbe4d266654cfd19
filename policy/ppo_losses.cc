#include "policy/ppo_losses.h"

#include <limits>

#include "policy/ppo_advantages.h"

namespace shammie::policy {

PolicyLoss ClippedPolicyLoss(const torch::Tensor& logprobs, const torch::Tensor& old_logprobs,
                             const torch::Tensor& advantages, const torch::Tensor& mask,
                             double clip_range) {
  TORCH_CHECK(logprobs.sizes() == old_logprobs.sizes() && logprobs.sizes() == advantages.sizes() &&
                  logprobs.sizes() == mask.sizes(),
              "policy loss: logprobs, old_logprobs, advantages and mask must share one shape");
  torch::Tensor log_ratio = logprobs - old_logprobs;                                 // (B, T)
  torch::Tensor ratio = torch::exp(log_ratio);                                       // (B, T)
  torch::Tensor unclipped = -advantages * ratio;                                     // (B, T)
  torch::Tensor clipped = -advantages * ratio.clamp(1.0 - clip_range, 1.0 + clip_range);  // (B, T)
  PolicyLoss out;
  out.loss = MaskedMean(torch::max(unclipped, clipped), mask);                       // ()
  torch::NoGradGuard no_grad;
  out.clip_fraction = MaskedMean((clipped > unclipped).to(logprobs.dtype()), mask);  // ()
  out.approx_kl = MaskedMean((ratio - 1.0) - log_ratio, mask);                       // ()
  return out;
}

ValueLoss ClippedValueLoss(const torch::Tensor& values, const torch::Tensor& old_values,
                           const torch::Tensor& returns, const torch::Tensor& mask,
                           double value_clip_range) {
  TORCH_CHECK(values.sizes() == old_values.sizes() && values.sizes() == returns.sizes() &&
                  values.sizes() == mask.sizes(),
              "value loss: values, old_values, returns and mask must share one shape");
  torch::Tensor v_clip =
      old_values + (values - old_values).clamp(-value_clip_range, value_clip_range);  // (B, T)
  torch::Tensor unclipped = (values - returns).pow(2);                                // (B, T)
  torch::Tensor clipped = (v_clip - returns).pow(2);                                  // (B, T)
  ValueLoss out;
  out.loss = 0.5 * MaskedMean(torch::max(unclipped, clipped), mask);                  // ()
  torch::NoGradGuard no_grad;
  out.clip_fraction = MaskedMean((clipped > unclipped).to(values.dtype()), mask);    // ()
  return out;
}

torch::Tensor MeanEntropy(const torch::Tensor& entropy, const torch::Tensor& mask) {
  return MaskedMean(entropy, mask);  // ()
}

torch::Tensor ExplainedVariance(const torch::Tensor& values, const torch::Tensor& returns,
                                const torch::Tensor& mask) {
  torch::NoGradGuard no_grad;
  torch::Tensor var_r = MaskedVar(returns, mask);           // ()
  torch::Tensor var_res = MaskedVar(returns - values, mask);  // ()
  if (var_r.item<double>() <= 0) {
    return torch::full({}, std::numeric_limits<double>::quiet_NaN(), returns.options());  // ()
  }
  return 1.0 - var_res / var_r;  // ()
}

}  // namespace shammie::policy
