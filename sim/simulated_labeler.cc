#include "sim/simulated_labeler.h"

#include <cmath>

#include "sim/gold_reward.h"

namespace shammie::sim {

SimulatedLabeler::SimulatedLabeler(LabelerOptions options)
    : options_(options), rng_(options.seed) {}

double SimulatedLabeler::ProbabilityAPreferred(double gold_a, double gold_b, double temperature) {
  return 1.0 / (1.0 + std::exp(-(gold_a - gold_b) / temperature));
}

int SimulatedLabeler::Choose(absl::string_view context, absl::string_view a, absl::string_view b) {
  return ChooseByGold(GoldReward::Reward(context, a), GoldReward::Reward(context, b));
}

int SimulatedLabeler::ChooseByGold(double gold_a, double gold_b) {
  const double p_a = ProbabilityAPreferred(gold_a, gold_b, options_.temperature);
  const bool picks_a = rng_.UniformDouble() < p_a;
  // Strength from the labeler's own confidence in the side it picked: a
  // labeler who picks against its odds only ever says "slightly".
  const double confidence = picks_a ? p_a : 1.0 - p_a;
  const int steps = confidence > 0.9 ? 3 : confidence > 0.75 ? 2 : confidence > 0.6 ? 1 : 0;
  return picks_a ? 4 - steps : 5 + steps;
}

double ExpectedAgreement(const std::vector<ComparisonPair>& pairs, double temperature) {
  double sum = 0;
  int n = 0;
  for (const ComparisonPair& p : pairs) {
    const double gap = std::abs(p.gold_a - p.gold_b);
    if (gap < 1e-9) continue;
    sum += 1.0 / (1.0 + std::exp(-gap / temperature));
    ++n;
  }
  return n ? sum / n : 0.5;
}

double CalibrateTemperature(const std::vector<ComparisonPair>& pairs, double target) {
  // Agreement falls monotonically from 1 (T→0) to 0.5 (T→∞); bisect in log T.
  double lo = std::log(1e-4), hi = std::log(1e4);
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (ExpectedAgreement(pairs, std::exp(mid)) > target) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return std::exp(0.5 * (lo + hi));
}

}  // namespace shammie::sim
