#include "services/scheduler/elo.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace shammie::scheduler {
namespace {

// Natural-log units per Elo point: P = σ(kScale · ΔElo).
constexpr double kScale = 2.302585092994046 / 400.0;  // ln(10) / 400

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Solves A x = b in place by Gaussian elimination with partial pivoting
// (n is the number of snapshots: a handful). Returns false when singular.
bool Solve(std::vector<std::vector<double>> a, std::vector<double> b, std::vector<double>* x) {
  const size_t n = b.size();
  for (size_t col = 0; col < n; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < n; ++r) {
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    }
    if (std::fabs(a[pivot][col]) < 1e-12) return false;
    std::swap(a[pivot], a[col]);
    std::swap(b[pivot], b[col]);
    for (size_t r = 0; r < n; ++r) {
      if (r == col) continue;
      double f = a[r][col] / a[col][col];
      if (f == 0) continue;
      for (size_t k = col; k < n; ++k) a[r][k] -= f * a[col][k];
      b[r] -= f * b[col];
    }
  }
  x->resize(n);
  for (size_t i = 0; i < n; ++i) (*x)[i] = b[i] / a[i][i];
  return true;
}

// z with P(|Z| <= z) = confidence, by the rational approximation of
// Abramowitz–Stegun 26.2.23 (|error| < 4.5e-4; 0.95 → 1.960).
double TwoSidedZ(double confidence) {
  double p = (1 - confidence) / 2;
  double t = std::sqrt(-2 * std::log(p));
  return t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
                 (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
}

}  // namespace

double EloWinProbability(double elo_difference) { return Sigmoid(kScale * elo_difference); }

bool PairFromComparison(const v1::Comparison& c, PairCount* out) {
  const std::string& a = c.response_a().policy();
  const std::string& b = c.response_b().policy();
  if (a.empty() || b.empty() || a == b) return false;
  if (c.preference() < 1 || c.preference() > 8) return false;
  bool a_won = c.preference() <= 4;
  out->winner = a_won ? a : b;
  out->loser = a_won ? b : a;
  out->count = 1;
  return true;
}

absl::StatusOr<std::map<std::string, EloScore>> FitElo(const std::vector<std::string>& order,
                                                       const std::vector<PairCount>& counts,
                                                       const EloOptions& options) {
  // Index the snapshots that have games, in `order` first.
  std::map<std::string, double> games;
  for (const PairCount& p : counts) {
    if (p.count < 0) return absl::InvalidArgumentError("counts: negative count");
    if (p.winner == p.loser) {
      return absl::InvalidArgumentError(absl::StrCat("counts: self-pair for \"", p.winner, "\""));
    }
    games[p.winner] += p.count;
    games[p.loser] += p.count;
  }
  std::vector<std::string> names;
  std::map<std::string, size_t> index;
  auto add = [&](const std::string& n) {
    if (games.count(n) && games[n] > 0 && !index.count(n)) {
      index[n] = names.size();
      names.push_back(n);
    }
  };
  for (const std::string& n : order) add(n);
  for (const PairCount& p : counts) {
    add(p.winner);
    add(p.loser);
  }
  std::map<std::string, EloScore> result;
  if (names.empty()) return result;

  // wins[i][j]: games i won against j. Free parameters are 1..n-1 (0 is the
  // anchor); x[k] is Elo of names[k + 1].
  const size_t n = names.size();
  std::vector<std::vector<double>> wins(n, std::vector<double>(n, 0));
  for (const PairCount& p : counts) wins[index[p.winner]][index[p.loser]] += p.count;
  const double prior_precision =
      options.prior_sd > 0 ? 1.0 / (options.prior_sd * options.prior_sd) : 0;

  std::vector<double> elo(n, 0);
  std::vector<std::vector<double>> neg_hessian;  // over free parameters
  auto gradient_and_hessian = [&](std::vector<double>* grad) {
    const size_t m = n - 1;
    grad->assign(m, 0);
    neg_hessian.assign(m, std::vector<double>(m, 0));
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = i + 1; j < n; ++j) {
        double games_ij = wins[i][j] + wins[j][i];
        if (games_ij == 0) continue;
        double p = Sigmoid(kScale * (elo[i] - elo[j]));  // P(i beats j)
        double g = kScale * (wins[i][j] - games_ij * p);  // d logL / d elo_i
        double h = kScale * kScale * games_ij * p * (1 - p);
        if (i > 0) { (*grad)[i - 1] += g; neg_hessian[i - 1][i - 1] += h; }
        if (j > 0) { (*grad)[j - 1] -= g; neg_hessian[j - 1][j - 1] += h; }
        if (i > 0 && j > 0) { neg_hessian[i - 1][j - 1] -= h; neg_hessian[j - 1][i - 1] -= h; }
      }
    }
    for (size_t k = 0; k < m; ++k) {
      (*grad)[k] -= prior_precision * elo[k + 1];
      neg_hessian[k][k] += prior_precision;
    }
  };

  std::vector<double> grad, step;
  bool converged = n == 1;
  for (int it = 0; it < options.max_iterations && !converged; ++it) {
    gradient_and_hessian(&grad);
    if (!Solve(neg_hessian, grad, &step)) {
      return absl::FailedPreconditionError(
          "Elo is not identifiable: the comparison graph between snapshots is split");
    }
    double largest = 0;
    for (size_t k = 0; k < step.size(); ++k) {
      // Damped: at most 400 Elo per step keeps Newton stable far from the optimum.
      double s = std::max(-400.0, std::min(400.0, step[k]));
      elo[k + 1] += s;
      largest = std::max(largest, std::fabs(s));
    }
    if (largest < 1e-7) converged = true;
    for (double e : elo) {
      if (std::fabs(e) > 1e5) {
        return absl::FailedPreconditionError(
            "Elo is not identifiable: a snapshot won or lost every comparison (set a prior)");
      }
    }
  }
  if (!converged) return absl::FailedPreconditionError("Elo fit did not converge");

  std::vector<double> variance(n, 0);
  if (n > 1) {
    gradient_and_hessian(&grad);
    for (size_t k = 0; k + 1 < n; ++k) {
      std::vector<double> unit(n - 1, 0), col;
      unit[k] = 1;
      if (!Solve(neg_hessian, unit, &col)) return absl::FailedPreconditionError("singular Fisher information");
      variance[k + 1] = col[k];
    }
  }
  const double z = TwoSidedZ(options.confidence);
  for (size_t i = 0; i < n; ++i) {
    EloScore s;
    s.elo = elo[i];
    s.stderr_elo = std::sqrt(std::max(0.0, variance[i]));
    s.ci_low = s.elo - z * s.stderr_elo;
    s.ci_high = s.elo + z * s.stderr_elo;
    s.games = games[names[i]];
    result[names[i]] = s;
  }
  return result;
}

}  // namespace shammie::scheduler
