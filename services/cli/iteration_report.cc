#include "services/cli/iteration_report.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace shammie::cli {
namespace {

std::string Num(double v, int precision = 3) {
  return std::isfinite(v) ? absl::StrFormat("%.*f", precision, v) : "-";
}

nlohmann::json JsonNumber(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

std::string When(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

bool Ended(v1::IterationStage s) {
  return s == v1::SUCCEEDED || s == v1::FAILED || s == v1::CANCELLED;
}

// Evaluation fields mean something once TRAIN_PM / TRAIN_POLICY finished.
bool HasPm(const v1::Iteration& it) { return !it.pm_checkpoint().empty(); }
bool HasPolicy(const v1::Iteration& it) { return !it.policy_checkpoint().empty(); }

}  // namespace

std::string StatusLine(const v1::Iteration& it) {
  std::string line = absl::StrFormat("%s  %-12s", it.id(), v1::IterationStage_Name(it.stage()));
  if (it.stage() == v1::SUCCEEDED) {
    absl::StrAppend(&line, "  gold ", Num(it.gold_reward()), "  PM acc ", Num(it.pm_accuracy()),
                    "  deployed ", it.policy_snapshot());
  } else if (Ended(it.stage())) {
    absl::StrAppend(&line, "  ", it.error());
  } else {
    absl::StrAppend(&line, absl::StrFormat("  %3.0f%%", 100 * it.stage_progress()));
    if (!it.stage_detail().empty()) absl::StrAppend(&line, "  ", it.stage_detail());
    if (it.eta_seconds() > 0) {
      absl::StrAppend(&line, absl::StrFormat("  ETA %.0fs", it.eta_seconds()));
    }
  }
  return line;
}

std::string DetailView(const v1::Iteration& it) {
  std::string out;
  auto row = [&](const char* name, const std::string& v) {
    if (!v.empty()) absl::StrAppend(&out, absl::StrFormat("%-20s %s\n", name, v));
  };
  row("id", it.id());
  row("key", it.key());
  row("stage", v1::IterationStage_Name(it.stage()));
  row("error", it.error());
  row("created", When(it.created_at()));
  row("finished", When(it.finished_at()));
  row("watermark", it.watermark() ? absl::StrCat(it.watermark()) : "");
  row("pm job", it.pm_job());
  row("test pm job", it.test_pm_job());
  row("ppo job", it.ppo_job());
  row("pm checkpoint", it.pm_checkpoint());
  row("test pm checkpoint", it.test_pm_checkpoint());
  row("policy checkpoint", it.policy_checkpoint());
  row("policy snapshot", it.policy_snapshot());
  row("previous snapshot", it.previous_policy_snapshot());
  if (HasPm(it)) row("pm accuracy / ece", absl::StrCat(Num(it.pm_accuracy()), " / ", Num(it.pm_ece())));
  if (HasPolicy(it)) {
    row("reward / kl", absl::StrCat(Num(it.reward()), " / ", Num(it.kl())));
    row("fit slope / r2", absl::StrCat(Num(it.fit_slope()), " / ", Num(it.fit_r2())));
    row("gold reward", Num(it.gold_reward()));
    row("elo [95% CI]", absl::StrCat(Num(it.elo(), 0), " [", Num(it.elo_ci_low(), 0), ", ",
                                     Num(it.elo_ci_high(), 0), "]"));
  }
  if (!Ended(it.stage())) row("progress", StatusLine(it));
  return out;
}

std::string SummaryTable(const std::vector<v1::Iteration>& iterations, double base_gold_reward) {
  std::string out = absl::StrFormat(
      "%-10s %-10s %11s %7s %6s %7s %7s %7s %6s %5s %7s %11s\n", "iteration", "stage",
      "comparisons", "PM acc", "ECE", "reward", "KL", "sqrtKL", "slope", "R2", "gold", "Elo");
  absl::StrAppend(&out, absl::StrFormat("%-10s %-10s %11s %7s %6s %7s %7s %7s %6s %5s %7s %11s\n",
                                        "base", "", "", "", "", "", "", "", "", "",
                                        Num(base_gold_reward), "0"));
  for (const v1::Iteration& it : iterations) {
    std::string elo = std::isfinite(it.elo()) && HasPolicy(it)
                          ? absl::StrFormat("%.0f±%.0f", it.elo(), (it.elo_ci_high() - it.elo_ci_low()) / 2)
                          : "-";
    absl::StrAppend(
        &out, absl::StrFormat("%-10s %-10s %11d %7s %6s %7s %7s %7s %6s %5s %7s %11s\n", it.id(),
                              v1::IterationStage_Name(it.stage()), it.comparisons(),
                              Num(it.pm_accuracy()), Num(it.pm_ece()), Num(it.reward()),
                              Num(it.kl()), Num(it.sqrt_kl()), Num(it.fit_slope()),
                              Num(it.fit_r2(), 2), Num(it.gold_reward()), elo));
  }
  return out;
}

std::string SummaryJson(const std::vector<v1::Iteration>& iterations, double base_gold_reward) {
  nlohmann::json j;
  j["base"] = {{"gold_reward", JsonNumber(base_gold_reward)}};
  j["iterations"] = nlohmann::json::array();
  for (const v1::Iteration& it : iterations) {
    j["iterations"].push_back({{"id", it.id()},
                               {"stage", v1::IterationStage_Name(it.stage())},
                               {"comparisons", it.comparisons()},
                               {"pm_accuracy", JsonNumber(it.pm_accuracy())},
                               {"pm_ece", JsonNumber(it.pm_ece())},
                               {"reward", JsonNumber(it.reward())},
                               {"kl", JsonNumber(it.kl())},
                               {"sqrt_kl", JsonNumber(it.sqrt_kl())},
                               {"slope", JsonNumber(it.fit_slope())},
                               {"r2", JsonNumber(it.fit_r2())},
                               {"gold_reward", JsonNumber(it.gold_reward())},
                               {"elo", JsonNumber(it.elo())},
                               {"elo_ci_low", JsonNumber(it.elo_ci_low())},
                               {"elo_ci_high", JsonNumber(it.elo_ci_high())}});
  }
  return j.dump(2);
}

}  // namespace shammie::cli
