// Elo scores of policy snapshots, fitted by maximum likelihood from pairwise
// comparisons (Bai et al. 2022): P(i beats j) = 1 / (1 + 10^(−(E_i − E_j)/400)).
//
// Only comparisons whose two responses came from DIFFERENT snapshots carry
// information. The scale has one free offset, so the first snapshot in
// `order` that appears in the data is anchored at Elo 0; every other score is
// relative to it. The fit is Newton's method on the log-likelihood (concave),
// with an optional weak Gaussian prior (default sd 1000 Elo, centred on 0)
// that keeps a snapshot that won or lost every game finite; with a few dozen
// games per pair its effect is far below the confidence interval. The
// confidence interval comes from the observed Fisher information (the
// negative Hessian at the optimum): E ± z·sqrt(diag(H⁻¹)).
//
// Torch-free, pure functions; thread-safe.
#ifndef SHAMMIE_SERVICES_SCHEDULER_ELO_H_
#define SHAMMIE_SERVICES_SCHEDULER_ELO_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shammie/v1/conversation.pb.h"

namespace shammie::scheduler {

// Wins of `winner` over `loser`, counted over comparisons.
struct PairCount {
  std::string winner;
  std::string loser;
  double count = 1;
};

struct EloOptions {
  // Standard deviation of the Gaussian prior on each free score, in Elo.
  // 0 = none (pure MLE; FAILED_PRECONDITION when the MLE does not exist).
  double prior_sd = 1000;
  // Two-sided confidence level of the interval (0.95 → z = 1.96).
  double confidence = 0.95;
  int max_iterations = 100;
};

struct EloScore {
  double elo = 0;
  double stderr_elo = 0;  // 0 for the anchor
  double ci_low = 0;
  double ci_high = 0;
  double games = 0;  // comparisons this snapshot took part in
};

// `order` lists snapshot names oldest first (the anchor is the first that has
// games); names in `counts` missing from `order` are appended in first-seen
// order. Snapshots without games are left out of the result.
// INVALID_ARGUMENT: a negative count or a self-pair.
// FAILED_PRECONDITION: prior_sd == 0 and the scores are not identifiable
// (a snapshot won or lost all its games, or the comparison graph is split).
absl::StatusOr<std::map<std::string, EloScore>> FitElo(const std::vector<std::string>& order,
                                                       const std::vector<PairCount>& counts,
                                                       const EloOptions& options = {});

// The pair count a comparison contributes, or false when it carries no Elo
// information (same snapshot on both sides, or a response without one).
// Preference 1–4 means A won, 5–8 B won.
bool PairFromComparison(const v1::Comparison& comparison, PairCount* out);

// Win probability of a over b for an Elo difference of (a − b).
double EloWinProbability(double elo_difference);

}  // namespace shammie::scheduler

#endif  // SHAMMIE_SERVICES_SCHEDULER_ELO_H_
