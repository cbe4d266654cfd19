// PPO's update: `ppo_epochs` passes over the rollout in shuffled minibatches;
// each minibatch re-evaluates the policy, takes the clipped policy loss plus
// value_coef × the clipped value loss, and steps Adam (gradients clipped to
// max_grad_norm). A non-finite loss stops the update before the optimizer
// step, so the weights never take a NaN.
//
// Data parallel (ppo_data_parallel.h): the minibatches are global — one
// seeded permutation of the B global episodes on every rank — and each rank
// evaluates the members it owns; gradients and statistics are summed across
// ranks (weighted by token shares) before clipping and Adam. On one process
// this is the plain loop.
//
// Shape legend: B episodes (global), b this rank's minibatch episodes,
// R response columns.
//
// Private to policy/: includes torch. Not thread-safe.
#ifndef SHAMMIE_POLICY_PPO_UPDATE_H_
#define SHAMMIE_POLICY_PPO_UPDATE_H_

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "policy/ppo_data_parallel.h"
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

// advantages, returns: (b_rank, R) for this rank's episodes, constants.
// `generator` shuffles minibatches (seeded alike on every rank).
// INTERNAL naming the minibatch when a loss is not finite on any rank
// (nothing stepped for that minibatch; earlier minibatches did step).
absl::StatusOr<UpdateStats> RunPpoUpdate(PpoPolicy& policy, torch::optim::Optimizer& optimizer,
                                         const Rollout& rollout, const torch::Tensor& advantages,
                                         const torch::Tensor& returns, const PpoOptions& options,
                                         torch::Generator& generator,
                                         const PpoDataParallel& parallel = {});

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PPO_UPDATE_H_
