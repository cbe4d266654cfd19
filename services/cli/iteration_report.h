// How the CLI shows iterations: one status line, a detail view, the
// per-iteration table `shammie up` prints at the end, and its JSON form
// ({"base": {...}, "iterations": [...]}, NaN written as null).
// Pure formatting; thread-safe.
#ifndef SHAMMIE_SERVICES_CLI_ITERATION_REPORT_H_
#define SHAMMIE_SERVICES_CLI_ITERATION_REPORT_H_

#include <string>
#include <vector>

#include "shammie/v1/scheduler.pb.h"

namespace shammie::cli {

// "iter-0002  TRAIN_POLICY  63%  PPO step 12/20 …  ETA 41s"
std::string StatusLine(const v1::Iteration& it);
// Every field an operator looks at, one per line.
std::string DetailView(const v1::Iteration& it);
// The table: comparisons, PM accuracy, ECE, reward, KL, sqrt(KL), slope, R²,
// gold reward, Elo (± half CI) per iteration.
std::string SummaryTable(const std::vector<v1::Iteration>& iterations, double base_gold_reward);
// {"base": {"gold_reward": g}, "iterations": [{"id", "stage", "comparisons",
// "pm_accuracy", "pm_ece", "reward", "kl", "sqrt_kl", "slope", "r2",
// "gold_reward", "elo", "elo_ci_low", "elo_ci_high"}, …]}
std::string SummaryJson(const std::vector<v1::Iteration>& iterations, double base_gold_reward);

}  // namespace shammie::cli

#endif  // SHAMMIE_SERVICES_CLI_ITERATION_REPORT_H_
