// Over-optimization detection (Bai et al. 2022 §4.3; Gao et al. 2022): the
// policy keeps raising the reward of the PM it is trained against (the "train
// PM") while a PM trained on a disjoint half of the comparisons (the "test
// PM"), scoring the same samples, stops agreeing. The two curves part.
//
// The rule, precisely. Per step s the trainer adds the mean train-PM reward
// R(s) and the mean test-PM reward Q(s) of that step's episodes. Both are
// smoothed with a trailing mean over the last `window` steps: R̄(s), Q̄(s).
// Let p be the step with the highest Q̄ so far (earliest on ties). The
// detector fires at the first step s where all of
//   1. s − p >= patience                      (no new test high for a while)
//   2. Q̄(s) <= Q̄(p) − tolerance               (the test reward is falling)
//   3. R̄(s) >= R̄(p) + tolerance               (the train reward still rises)
// hold. Then p is the over-optimization step — where the curves part — and
// s the step at which that became certain. Steps whose Q is NaN (no test PM)
// never fire it. Rewards are PM scores normalized so base-policy samples
// average 0, so one absolute tolerance fits both PMs.
//
// Torch-free. Not thread-safe (one per trainer loop). To resume, replay the
// persisted steps through Add().
#ifndef SHAMMIE_POLICY_OVEROPTIMIZATION_H_
#define SHAMMIE_POLICY_OVEROPTIMIZATION_H_

#include <cstdint>
#include <vector>

namespace shammie::policy {

struct OverOptimizationOptions {
  int window = 3;          // steps in the trailing mean; >= 1
  int patience = 3;        // steps since the test peak; >= 1
  double tolerance = 0.05; // PM score units; >= 0
};

class OverOptimizationDetector {
 public:
  explicit OverOptimizationDetector(const OverOptimizationOptions& options = {});

  // Adds the step's mean rewards; returns true on the step the rule fires
  // (once; later calls return false). Steps are numbered by the caller,
  // from 1 (0 means "none" in the getters and in PpoReport).
  bool Add(uint32_t step, double train_reward, double test_reward);

  bool fired() const { return fired_; }
  // The step where the curves part (the test-PM peak); 0 = not (yet) seen.
  uint32_t parting_step() const { return parting_step_; }
  // The step at which the rule fired; 0 = not (yet).
  uint32_t detected_step() const { return detected_step_; }

 private:
  double Smoothed(const std::vector<double>& series) const;

  const OverOptimizationOptions options_;
  std::vector<double> train_, test_;
  double peak_test_ = 0, train_at_peak_ = 0;
  uint32_t peak_step_ = 0;
  bool have_peak_ = false;
  bool fired_ = false;
  uint32_t parting_step_ = 0, detected_step_ = 0;
};

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_OVEROPTIMIZATION_H_
