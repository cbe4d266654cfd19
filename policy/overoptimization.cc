#include "policy/overoptimization.h"

#include <algorithm>
#include <cmath>

namespace shammie::policy {

OverOptimizationDetector::OverOptimizationDetector(const OverOptimizationOptions& options)
    : options_(options) {}

double OverOptimizationDetector::Smoothed(const std::vector<double>& series) const {
  const size_t k = std::min<size_t>(std::max(options_.window, 1), series.size());
  double sum = 0;
  for (size_t i = series.size() - k; i < series.size(); ++i) sum += series[i];
  return sum / static_cast<double>(k);
}

bool OverOptimizationDetector::Add(uint32_t step, double train_reward, double test_reward) {
  if (!std::isfinite(train_reward) || !std::isfinite(test_reward)) {
    // Without both curves there is nothing to compare; restart the windows so
    // a gap does not mix old and new samples.
    train_.clear();
    test_.clear();
    return false;
  }
  train_.push_back(train_reward);
  test_.push_back(test_reward);
  if (fired()) return false;
  const double rbar = Smoothed(train_);
  const double qbar = Smoothed(test_);
  if (!have_peak_ || qbar > peak_test_) {
    have_peak_ = true;
    peak_test_ = qbar;
    train_at_peak_ = rbar;
    peak_step_ = step;
    return false;
  }
  const bool waited = step >= peak_step_ + static_cast<uint32_t>(std::max(options_.patience, 1));
  const bool test_falls = qbar <= peak_test_ - options_.tolerance;
  const bool train_rises = rbar >= train_at_peak_ + options_.tolerance;
  if (waited && test_falls && train_rises) {
    fired_ = true;
    parting_step_ = peak_step_;
    detected_step_ = step;
    return true;
  }
  return false;
}

}  // namespace shammie::policy
