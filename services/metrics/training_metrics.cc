#include "services/metrics/training_metrics.h"

#include <cmath>
#include <string>

namespace shammie::metrics {
namespace {

prometheus::Family<prometheus::Gauge>& GaugeFamily(prometheus::Registry& r, const char* name,
                                                   const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}
prometheus::Gauge& SingleGauge(prometheus::Registry& r, const char* name, const char* help) {
  return GaugeFamily(r, name, help).Add({});
}

// NaN means "not measured" in the protos (no test PM, no gold reward): a
// gauge keeps its last real value rather than exporting NaN.
void SetIfReal(prometheus::Gauge& g, double v) {
  if (!std::isnan(v)) g.Set(v);
}

}  // namespace

absl::string_view PmHalfLabel(uint32_t data_half) {
  switch (data_half) {
    case 0: return "all";
    case 1: return "first";
    case 2: return "second";
    default: return "other";
  }
}

PmMetrics::PmMetrics(std::shared_ptr<MetricsRegistry> registry)
    : registry_(std::move(registry)),
      train_loss_(GaugeFamily(registry_->prom(), "shammie_pm_train_loss",
                              "Preference-model training loss of the latest step.")),
      test_loss_(GaugeFamily(registry_->prom(), "shammie_pm_test_loss",
                             "Preference-model loss on held-out comparisons.")),
      accuracy_(GaugeFamily(registry_->prom(), "shammie_pm_accuracy",
                            "Preference-model accuracy on held-out comparisons (0..1).")),
      ece_(GaugeFamily(registry_->prom(), "shammie_pm_ece",
                       "Preference-model expected calibration error on held-out comparisons.")),
      gold_accuracy_(GaugeFamily(registry_->prom(), "shammie_pm_gold_accuracy",
                                 "Preference-model accuracy against the gold ordering "
                                 "(synthetic task).")),
      train_comparisons_(GaugeFamily(registry_->prom(), "shammie_pm_train_comparisons",
                                     "Comparisons the latest preference model trained on.")) {}

void PmMetrics::ObserveTrainLoss(uint32_t data_half, double loss) {
  SetIfReal(train_loss_.Add({{"half", std::string(PmHalfLabel(data_half))}}), loss);
}

void PmMetrics::ObserveReport(uint32_t data_half, const v1::PmReport& report) {
  const prometheus::Labels labels = {{"half", std::string(PmHalfLabel(data_half))}};
  SetIfReal(test_loss_.Add(labels), report.test_loss());
  SetIfReal(accuracy_.Add(labels), report.test_accuracy());
  SetIfReal(ece_.Add(labels), report.ece());
  SetIfReal(gold_accuracy_.Add(labels), report.gold_accuracy());
  train_comparisons_.Add(labels).Set(static_cast<double>(report.train_comparisons()));
}

PpoMetrics::PpoMetrics(std::shared_ptr<MetricsRegistry> registry)
    : registry_(std::move(registry)),
      reward_(SingleGauge(registry_->prom(), "shammie_ppo_reward",
                          "Mean train-PM score of the latest PPO step's samples.")),
      test_reward_(SingleGauge(registry_->prom(), "shammie_ppo_test_reward",
                               "Mean test-PM score of the same samples.")),
      gold_reward_(SingleGauge(registry_->prom(), "shammie_ppo_gold_reward",
                               "Mean hidden gold reward of the samples (synthetic task).")),
      kl_(SingleGauge(registry_->prom(), "shammie_ppo_kl",
                      "KL(policy || reference) in nats, summed over response tokens, mean over "
                      "episodes.")),
      sqrt_kl_(SingleGauge(registry_->prom(), "shammie_ppo_sqrt_kl",
                           "Square root of shammie_ppo_kl.")),
      kl_coef_(SingleGauge(registry_->prom(), "shammie_ppo_kl_coef",
                           "The KL penalty coefficient beta.")),
      entropy_(SingleGauge(registry_->prom(), "shammie_ppo_entropy",
                           "Mean policy entropy per response token, in nats.")),
      clip_fraction_(SingleGauge(registry_->prom(), "shammie_ppo_clip_fraction",
                                 "Fraction of tokens whose probability ratio was clipped.")),
      value_loss_(SingleGauge(registry_->prom(), "shammie_ppo_value_loss",
                              "Value-head loss of the latest PPO step.")),
      response_length_(SingleGauge(registry_->prom(), "shammie_ppo_response_length_tokens",
                                   "Mean response length of the latest PPO step.")),
      steps_(prometheus::BuildCounter()
                 .Name("shammie_ppo_steps_total")
                 .Help("PPO steps completed.")
                 .Register(registry_->prom())
                 .Add({})),
      fit_slope_(SingleGauge(registry_->prom(), "shammie_ppo_fit_slope",
                             "Slope b of reward = a + b*sqrt(KL) over the latest PPO run.")),
      fit_r2_(SingleGauge(registry_->prom(), "shammie_ppo_fit_r2",
                          "R squared of the reward-vs-sqrt(KL) fit of the latest PPO run.")) {}

void PpoMetrics::ObserveStep(const v1::PpoStep& step) {
  SetIfReal(reward_, step.reward());
  SetIfReal(test_reward_, step.test_reward());
  SetIfReal(gold_reward_, step.gold_reward());
  SetIfReal(kl_, step.kl());
  SetIfReal(sqrt_kl_, step.sqrt_kl());
  SetIfReal(kl_coef_, step.beta());
  SetIfReal(entropy_, step.entropy());
  SetIfReal(clip_fraction_, step.clip_fraction());
  SetIfReal(value_loss_, step.value_loss());
  SetIfReal(response_length_, step.response_length());
  steps_.Increment();
}

void PpoMetrics::ObserveReport(const v1::PpoReport& report) {
  SetIfReal(fit_slope_, report.fit_b());
  SetIfReal(fit_r2_, report.fit_r2());
}

}  // namespace shammie::metrics
