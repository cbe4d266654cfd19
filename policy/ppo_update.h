// PPO's update: `ppo_epochs` passes over the rollout in shuffled minibatches;
// each minibatch re-evaluates the policy, takes the clipped policy loss plus
// value_coef × the clipped value loss, and steps Adam (gradients clipped to
// max_grad_norm). A non-finite loss stops the update before the optimizer
// step, so the weights never take a NaN.
//
// Shape legend: B episodes, b minibatch episodes, R response columns.
//
// Private to policy/: includes torch. Not thread-safe.
#ifndef SHAMMIE_POLICY_PPO_UPDATE_H_
#define SHAMMIE_POLICY_PPO_UPDATE_H_

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "policy/ppo_options.h"
#include "policy/ppo_policy.h"
#include "policy/ppo_rollout.h"

namespace shammie::policy {

// Means over the minibatches of the update.
struct UpdateStats {
  double policy_loss = 0;
  double value_loss = 0;
  double entropy = 0;
  double clip_fraction = 0;
  double value_clip_fraction = 0;
  double approx_kl = 0;
  int minibatches = 0;
};

// advantages, returns: (B, R), constants. `generator` shuffles minibatches.
// INTERNAL naming the minibatch when a loss is not finite (nothing stepped
// for that minibatch; earlier minibatches did step).
absl::StatusOr<UpdateStats> RunPpoUpdate(PpoPolicy& policy, torch::optim::Optimizer& optimizer,
                                         const Rollout& rollout, const torch::Tensor& advantages,
                                         const torch::Tensor& returns, const PpoOptions& options,
                                         torch::Generator& generator);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PPO_UPDATE_H_
