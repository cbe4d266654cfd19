#include "reward_model/pm_evaluation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

namespace shammie::reward_model {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Correct-count and total per group; a tie scores half a point.
struct Tally {
  double correct = 0;
  double total = 0;
  void Add(double c) {
    correct += c;
    total += 1;
  }
  double Rate() const { return total > 0 ? correct / total : kNaN; }
};

double Correct(double margin_for_label) {
  if (margin_for_label > 0) return 1.0;
  if (margin_for_label < 0) return 0.0;
  return 0.5;
}

}  // namespace

double Sigmoid(double x) {
  return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
}

double NegLogSigmoid(double x) {
  // −log σ(x) = log(1 + e^−x) = softplus(−x).
  return x >= 0 ? std::log1p(std::exp(-x)) : -x + std::log1p(std::exp(x));
}

void Evaluate(const std::vector<ScoredPair>& pairs, v1::PmReport* report) {
  report->set_test_comparisons(pairs.size());
  report->clear_reliability();
  report->clear_accuracy_by_labeler();
  report->clear_accuracy_by_source();

  double loss = 0;
  Tally all, gold;
  std::map<std::string, Tally> by_labeler, by_source;
  struct Bin {
    double predicted = 0, observed = 0, count = 0;
  };
  Bin bins[kCalibrationBins];

  for (const ScoredPair& p : pairs) {
    const double diff = p.score_a - p.score_b;  // r_A − r_B
    const double label_margin = p.a_preferred ? diff : -diff;
    loss += NegLogSigmoid(label_margin);
    const double c = Correct(label_margin);
    all.Add(c);
    by_labeler[p.labeler].Add(c);
    by_source[p.source].Add(c);
    if (p.gold != 0) gold.Add(Correct(p.gold > 0 ? diff : -diff));

    const double predicted = Sigmoid(diff);  // P(A>B)
    const int b = std::min(kCalibrationBins - 1, static_cast<int>(predicted * kCalibrationBins));
    bins[b].predicted += predicted;
    bins[b].observed += p.a_preferred ? 1.0 : 0.0;
    bins[b].count += 1;
  }

  const double n = static_cast<double>(pairs.size());
  report->set_test_loss(n > 0 ? loss / n : kNaN);
  report->set_test_accuracy(all.Rate());
  report->set_gold_accuracy(gold.Rate());
  double ece = 0;
  for (int b = 0; b < kCalibrationBins; ++b) {
    v1::ReliabilityBin* row = report->add_reliability();
    row->set_predicted_low(static_cast<double>(b) / kCalibrationBins);
    row->set_predicted_high(static_cast<double>(b + 1) / kCalibrationBins);
    row->set_count(static_cast<uint64_t>(bins[b].count));
    if (bins[b].count == 0) {
      row->set_mean_predicted(kNaN);
      row->set_observed(kNaN);
      continue;
    }
    const double mean_pred = bins[b].predicted / bins[b].count;
    const double observed = bins[b].observed / bins[b].count;
    row->set_mean_predicted(mean_pred);
    row->set_observed(observed);
    ece += bins[b].count / n * std::abs(mean_pred - observed);
  }
  report->set_ece(n > 0 ? ece : kNaN);
  for (const auto& [name, t] : by_labeler) (*report->mutable_accuracy_by_labeler())[name] = t.Rate();
  for (const auto& [name, t] : by_source) (*report->mutable_accuracy_by_source())[name] = t.Rate();
}

double ScoreOffset(const std::vector<double>& base_scores) {
  if (base_scores.empty()) return 0.0;
  double sum = 0;
  for (double s : base_scores) sum += s;
  return sum / static_cast<double>(base_scores.size());
}

}  // namespace shammie::reward_model
