// The KL coefficient β of PPO's per-token penalty r = r_PM − β·(log π − log π0).
//
// Fixed (kl_target <= 0): β never changes. Adaptive (Ziegler et al. 2019,
// kl_target > 0): after each step that measured KL over n episodes,
//   e = clip(KL / kl_target − 1, −0.2, 0.2);   β ← β · (1 + e · n / horizon).
// KL here is the per-episode KL (sum over response tokens, mean over
// episodes), the same number the step metrics report.
//
// Torch-free. Not thread-safe: the trainer loop owns one and calls it from
// its own thread. The state is the single double beta(); a resumed job
// restores it with set_beta().
#ifndef SHAMMIE_POLICY_KL_CONTROLLER_H_
#define SHAMMIE_POLICY_KL_CONTROLLER_H_

#include <cstdint>

#include "absl/status/status.h"

namespace shammie::policy {

struct KlControllerOptions {
  double initial_beta = 0.05;  // β at step 0; must be >= 0 and finite
  double kl_target = 0.0;      // <= 0: fixed β; > 0: adaptive toward this KL
  double horizon = 10000.0;    // episodes; adaptive only; must be > 0
};

class KlController {
 public:
  // INVALID_ARGUMENT naming the field when an option is out of range
  // (negative or non-finite β, non-positive horizon with a target).
  static absl::Status Validate(const KlControllerOptions& options);

  // REQUIRES: Validate(options).ok().
  explicit KlController(const KlControllerOptions& options);

  double beta() const { return beta_; }
  void set_beta(double beta) { beta_ = beta; }
  bool adaptive() const { return options_.kl_target > 0; }

  // Applies one step's measurement: `kl` (per-episode KL, finite) observed
  // over `n_episodes` episodes. A fixed controller ignores it.
  void Update(double kl, int64_t n_episodes);

 private:
  const KlControllerOptions options_;
  double beta_;
};

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_KL_CONTROLLER_H_
