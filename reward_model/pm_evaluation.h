// How good a preference model is, from its scores on held-out comparisons
// (torch-free: the PM scores the pairs, this file only does arithmetic).
//
// For each scored pair, P(A>B) = σ(r_A − r_B) (Bradley–Terry; Bai et al.
// 2022 use the same form to check calibration).
//  - loss:      mean −log P(chosen > rejected)
//  - accuracy:  fraction where the chosen response scores higher (a tie
//               counts as half)
//  - ECE:       10 equal-width bins of P(A>B) in [0, 1]; Σ_b (n_b/N)·|mean
//               predicted_b − observed fraction of "A chosen"_b|
//  - reliability table: one row per bin (empty bins included, count 0)
//  - accuracy per labeler and per source; accuracy against the gold
//    ordering when the pair carries one (synthetic task).
#ifndef SHAMMIE_REWARD_MODEL_PM_EVALUATION_H_
#define SHAMMIE_REWARD_MODEL_PM_EVALUATION_H_

#include <string>
#include <vector>

#include "shammie/v1/pm_trainer.pb.h"

namespace shammie::reward_model {

struct ScoredPair {
  double score_a = 0;
  double score_b = 0;
  bool a_preferred = true;  // the label
  std::string labeler;
  std::string source;
  // +1: gold says A is better, −1: B is better, 0: unknown (or a gold tie).
  int gold = 0;
};

inline constexpr int kCalibrationBins = 10;

double Sigmoid(double x);
// −log σ(x), computed without overflow for large |x|.
double NegLogSigmoid(double x);

// Fills test_loss, test_accuracy, ece, reliability, accuracy_by_labeler,
// accuracy_by_source, gold_accuracy (NaN when no pair has a gold order) and
// test_comparisons. An empty input leaves NaN metrics and count 0.
void Evaluate(const std::vector<ScoredPair>& pairs, v1::PmReport* report);

// The offset that makes `base_scores` (the PM's raw scores of the base
// policy's samples) average 0: their mean. Later scores are raw − offset.
double ScoreOffset(const std::vector<double>& base_scores);

}  // namespace shammie::reward_model

#endif  // SHAMMIE_REWARD_MODEL_PM_EVALUATION_H_
