#include "policy/reward_kl_fit.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace shammie::policy {

absl::StatusOr<RewardKlFit> FitRewardVsSqrtKl(const std::vector<RewardKlPoint>& points) {
  std::vector<double> x, y;
  for (const RewardKlPoint& p : points) {
    if (!std::isfinite(p.kl) || !std::isfinite(p.reward)) continue;
    // The per-token estimator log π − log π0 can average slightly below 0 on a
    // finite sample although the true KL is >= 0; clamp before the sqrt.
    x.push_back(std::sqrt(std::max(p.kl, 0.0)));
    y.push_back(p.reward);
  }
  const int n = static_cast<int>(x.size());
  if (n < 2) {
    return absl::FailedPreconditionError(
        absl::StrCat("reward-vs-sqrt(KL) fit needs >= 2 finite points, have ", n));
  }
  double mx = 0, my = 0;
  for (int i = 0; i < n; ++i) mx += x[i], my += y[i];
  mx /= n;
  my /= n;
  double sxx = 0, sxy = 0, syy = 0;
  for (int i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx <= 1e-300) {
    return absl::FailedPreconditionError("reward-vs-sqrt(KL) fit: sqrt(KL) does not vary");
  }
  RewardKlFit fit;
  fit.points = n;
  fit.b = sxy / sxx;
  fit.a = my - fit.b * mx;
  double ss_res = 0;
  for (int i = 0; i < n; ++i) {
    const double r = y[i] - (fit.a + fit.b * x[i]);
    ss_res += r * r;
  }
  fit.r2 = syy > 0 ? 1.0 - ss_res / syy : 1.0;
  return fit;
}

}  // namespace shammie::policy
