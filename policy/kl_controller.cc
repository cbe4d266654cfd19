#include "policy/kl_controller.h"

#include <algorithm>
#include <cmath>

namespace shammie::policy {

absl::Status KlController::Validate(const KlControllerOptions& options) {
  if (!std::isfinite(options.initial_beta) || options.initial_beta < 0) {
    return absl::InvalidArgumentError("kl_coef must be a finite number >= 0");
  }
  if (!std::isfinite(options.kl_target)) {
    return absl::InvalidArgumentError("kl_target must be finite (<= 0 for a fixed kl_coef)");
  }
  if (options.kl_target > 0 && !(options.horizon > 0 && std::isfinite(options.horizon))) {
    return absl::InvalidArgumentError("kl_horizon must be > 0 when kl_target is set");
  }
  return absl::OkStatus();
}

KlController::KlController(const KlControllerOptions& options)
    : options_(options), beta_(options.initial_beta) {}

void KlController::Update(double kl, int64_t n_episodes) {
  if (!adaptive()) return;
  // A non-finite KL carries no information about direction; leave β alone
  // (the trainer fails the job on non-finite losses anyway).
  if (!std::isfinite(kl)) return;
  const double error = std::clamp(kl / options_.kl_target - 1.0, -0.2, 0.2);
  beta_ *= 1.0 + error * static_cast<double>(n_episodes) / options_.horizon;
}

}  // namespace shammie::policy
