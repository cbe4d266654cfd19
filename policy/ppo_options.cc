#include "policy/ppo_options.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace shammie::policy {
namespace {

absl::Status Bad(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, " ", rule));
}

bool InRange(double x, double lo, double hi) { return std::isfinite(x) && x >= lo && x <= hi; }

}  // namespace

absl::Status ValidatePpoOptions(const PpoOptions& o) {
  if (o.steps == 0) return Bad("steps", "must be >= 1");
  if (o.batch_size == 0) return Bad("batch_size", "must be >= 1");
  if (o.minibatch_size == 0 || o.minibatch_size > o.batch_size ||
      o.batch_size % o.minibatch_size != 0) {
    return Bad("minibatch_size", absl::StrCat("must divide batch_size (", o.batch_size, ")"));
  }
  if (o.ppo_epochs == 0 || o.ppo_epochs > 16) return Bad("ppo_epochs", "must be in 1..16");
  if (o.max_response_tokens == 0) return Bad("max_response_tokens", "must be >= 1");
  if (!(o.temperature > 0) || !std::isfinite(o.temperature)) {
    return Bad("temperature", "must be a finite number > 0");
  }
  if (!(o.learning_rate > 0) || !(o.learning_rate < 1)) {
    return Bad("learning_rate", "must be in (0, 1)");
  }
  if (!(o.value_learning_rate >= 0) || !(o.value_learning_rate < 1)) {
    return Bad("value_learning_rate", "must be in [0, 1) (0 = learning_rate)");
  }
  if (!(o.clip_range > 0) || !(o.clip_range < 1)) return Bad("clip_range", "must be in (0, 1)");
  if (!(o.value_clip_range > 0) || !std::isfinite(o.value_clip_range)) {
    return Bad("value_clip_range", "must be a finite number > 0");
  }
  if (!InRange(o.value_coef, 0, 1e6)) return Bad("value_coef", "must be a finite number >= 0");
  if (!InRange(o.gamma, 0, 1)) return Bad("gamma", "must be in [0, 1]");
  if (!InRange(o.lam, 0, 1)) return Bad("lam", "must be in [0, 1]");
  if (!std::isfinite(o.max_grad_norm)) return Bad("max_grad_norm", "must be finite");
  SHAMMIE_RETURN_IF_ERROR(KlController::Validate(o.kl));
  return absl::OkStatus();
}

}  // namespace shammie::policy
