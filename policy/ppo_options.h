// The hyperparameters of a PPO run (Bai et al. 2022; Ziegler et al. 2019 for
// the defaults). Torch-free: services fill it from a PpoJobSpec and validate
// it before starting a job.
#ifndef SHAMMIE_POLICY_PPO_OPTIONS_H_
#define SHAMMIE_POLICY_PPO_OPTIONS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "policy/kl_controller.h"
#include "policy/overoptimization.h"

namespace shammie::policy {

struct PpoOptions {
  // --- The run.
  uint32_t steps = 20;            // PPO steps (rollout + update each)
  uint32_t batch_size = 32;       // episodes per step
  uint64_t seed = 0;              // every random draw derives from (seed, step)
  uint32_t checkpoint_every = 0;  // steps between resumable checkpoints; 0 = end only

  // --- Rollout.
  uint32_t max_response_tokens = 32;
  double temperature = 1.0;  // > 0; log-probs are taken at this temperature

  // --- Reward: PM score − β·(log π − log π0) per token.
  KlControllerOptions kl;
  // Divide PM scores by their standard deviation over step 1's episodes
  // (the starting policy's samples), fixed for the rest of the run. PMs
  // trained on the same data differ in scale by 3× and more, and β weighs
  // the KL against that scale; normalized, β means "nats per unit of the
  // starting policy's score spread" against any PM. Metrics still report
  // the PM's own scores.
  bool normalize_reward = false;

  // --- Advantages.
  double gamma = 1.0;  // discount, in [0, 1]
  double lam = 0.95;   // GAE λ, in [0, 1]
  bool whiten_advantages = true;

  // --- Update.
  uint32_t minibatch_size = 8;    // divides batch_size
  uint32_t ppo_epochs = 1;        // passes over the batch, 1–16
  double learning_rate = 1e-5;    // Adam, the policy trunk
  // Adam's rate for the value head (a Linear on the trunk that starts at 0);
  // 0 = learning_rate. A short run needs it higher: at the policy's rate the
  // head barely learns a baseline within tens of steps.
  double value_learning_rate = 0;
  double clip_range = 0.2;        // ε of the policy ratio, in (0, 1)
  double value_clip_range = 0.2;  // of V around the rollout's V; > 0
  double value_coef = 0.1;        // weight of the value loss; >= 0
  double max_grad_norm = 1.0;     // gradient clipping; <= 0 = off

  // --- Over-optimization (needs a test PM).
  OverOptimizationOptions overoptimization;
  bool stop_on_overoptimization = false;
};

// INVALID_ARGUMENT naming the field (by its PpoJobSpec name) for nonsense:
// zero steps/batch/minibatch/epochs, a minibatch that does not divide the
// batch, non-positive or non-finite rates and ranges, γ or λ outside [0, 1],
// temperature <= 0, and the KL controller's own checks.
absl::Status ValidatePpoOptions(const PpoOptions& options);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PPO_OPTIONS_H_
