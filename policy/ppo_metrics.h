// One PPO step's measurements: what WatchJob streams and what the
// reward-vs-sqrt(KL) fit and the over-optimization rule read. Definitions
// (docs/ppo.md has them with the formulas):
//   reward       mean train-PM score of the step's episodes (offset applied,
//                KL penalty not included)
//   kl           Σ_t (log π − log π0) over response tokens, mean over episodes,
//                with π the policy that sampled them; sqrt_kl = sqrt(max(kl, 0))
//   beta         the KL coefficient used for this step's rewards
//   entropy      mean per-token entropy of the sampling policy
//   clip_fraction, approx_kl, value_loss, policy_loss: means over the
//                update's minibatches (approx_kl = mean (ρ − 1) − log ρ)
//   explained_variance  1 − Var[R − V] / Var[R] of the rollout's values
//   response_length     mean response tokens (end-of-text included)
//   test_reward  mean test-PM score (NaN without a test PM)
//   gold_reward  mean gold reward (NaN unless the synthetic task is on)
// Torch-free.
#ifndef SHAMMIE_POLICY_PPO_METRICS_H_
#define SHAMMIE_POLICY_PPO_METRICS_H_

#include <cstdint>
#include <limits>

namespace shammie::policy {

struct PpoStepMetrics {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  uint32_t step = 0;
  double reward = 0;
  double kl = 0;
  double sqrt_kl = 0;
  double beta = 0;
  double entropy = 0;
  double clip_fraction = 0;
  double approx_kl = 0;
  double value_loss = 0;
  double policy_loss = 0;
  double explained_variance = 0;
  double response_length = 0;
  double test_reward = kNaN;
  double gold_reward = kNaN;
  // Where the step's time went, and its throughput.
  double rollout_seconds = 0;
  double scoring_seconds = 0;
  double update_seconds = 0;
  double episodes_per_second = 0;
};

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PPO_METRICS_H_
