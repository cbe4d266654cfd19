// The reward-vs-sqrt(KL) relation of Bai et al. 2022: over a PPO run the mean
// PM reward grows roughly linearly in sqrt(KL(π‖π0)). This fits
//   reward ≈ a + b · sqrt(KL)
// by ordinary least squares over (KL, reward) points, one per step, and
// reports R² = 1 − SS_res / SS_tot.
//
// Torch-free; pure functions, thread-safe.
#ifndef SHAMMIE_POLICY_REWARD_KL_FIT_H_
#define SHAMMIE_POLICY_REWARD_KL_FIT_H_

#include <vector>

#include "absl/status/statusor.h"

namespace shammie::policy {

struct RewardKlPoint {
  double kl = 0;      // per-episode KL; negative sample estimates count as 0
  double reward = 0;  // mean PM reward of the step
};

struct RewardKlFit {
  double a = 0;   // intercept: reward at KL = 0
  double b = 0;   // slope per unit sqrt(KL)
  double r2 = 0;  // coefficient of determination on the fitted points
  int points = 0;
};

// FAILED_PRECONDITION when fewer than 2 finite points remain or sqrt(KL) does
// not vary (the slope is undefined). Non-finite points are skipped. When the
// rewards do not vary at all, R² is 1 if the fit is exact (it is: b = 0).
absl::StatusOr<RewardKlFit> FitRewardVsSqrtKl(const std::vector<RewardKlPoint>& points);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_REWARD_KL_FIT_H_
