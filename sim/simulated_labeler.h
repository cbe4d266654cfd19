// A simulated crowdworker: prefers responses by Bradley–Terry on the hidden
// gold reward, P(A preferred) = σ((gold_A − gold_B) / temperature).
//
// kDefaultLabelerTemperature is tuned so that, on pairs from PairGenerator,
// the labeler agrees with the gold ordering ≈70% of the time — about what
// Bai et al. report for crowdworkers (researchers agreed with them ~63%).
// The answer is on the 8-point scale of the labeling page:
// 1 = A much better … 4 = A slightly better | 5 = B slightly better … 8 = B
// much better; the strength grows with the labeler's confidence in its pick.
//
// Not thread-safe (owns a random stream): one labeler per thread.
#ifndef SHAMMIE_SIM_SIMULATED_LABELER_H_
#define SHAMMIE_SIM_SIMULATED_LABELER_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "sim/comparison_pairs.h"
#include "sim/rng.h"

namespace shammie::sim {

// CalibrateTemperature(PairGenerator(1).Take(20000), 0.70) = 1.119; rounded.
inline constexpr double kDefaultLabelerTemperature = 1.12;

struct LabelerOptions {
  double temperature = kDefaultLabelerTemperature;  // > 0; smaller = closer to gold
  uint64_t seed = 0;
};

class SimulatedLabeler {
 public:
  explicit SimulatedLabeler(LabelerOptions options);

  // Preference 1..8 for (context, a, b), scored with GoldReward.
  int Choose(absl::string_view context, absl::string_view a, absl::string_view b);
  // The same, given the gold rewards.
  int ChooseByGold(double gold_a, double gold_b);

  // σ((gold_a − gold_b) / temperature).
  static double ProbabilityAPreferred(double gold_a, double gold_b, double temperature);
  // True for preferences 1–4.
  static bool PrefersA(int preference) { return preference <= 4; }

 private:
  LabelerOptions options_;
  SimRng rng_;
};

// The expected fraction of pairs on which a labeler of `temperature` picks
// the response with the higher gold reward (pairs with equal gold excluded).
double ExpectedAgreement(const std::vector<ComparisonPair>& pairs, double temperature);
// The temperature whose ExpectedAgreement on `pairs` is `target` (bisection;
// REQUIRES 0.5 < target < 1).
double CalibrateTemperature(const std::vector<ComparisonPair>& pairs, double target);

}  // namespace shammie::sim

#endif  // SHAMMIE_SIM_SIMULATED_LABELER_H_
