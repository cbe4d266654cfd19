// What the trainers learn, as series: the preference model's loss, accuracy
// and calibration, and PPO's per-step curve (reward against sqrt(KL), β,
// entropy, clip fraction, response length, test-PM and gold reward).
//
// Series (docs/metrics.md):
//   shammie_pm_train_loss{half}            gauge, loss of the latest training step
//   shammie_pm_test_loss{half}             gauge, from the latest report
//   shammie_pm_accuracy{half}              gauge, held-out accuracy (0..1)
//   shammie_pm_ece{half}                   gauge, expected calibration error
//   shammie_pm_gold_accuracy{half}         gauge, against the gold ordering (synthetic task)
//   shammie_pm_train_comparisons{half}     gauge
//   shammie_ppo_reward                     gauge, mean train-PM score of the step
//   shammie_ppo_test_reward                gauge, test-PM score of the same samples
//   shammie_ppo_gold_reward                gauge, hidden gold reward (synthetic task)
//   shammie_ppo_kl                         gauge, KL(π‖π0) in nats per episode
//   shammie_ppo_sqrt_kl                    gauge
//   shammie_ppo_kl_coef                    gauge, β
//   shammie_ppo_entropy                    gauge, nats per token
//   shammie_ppo_clip_fraction              gauge (0..1)
//   shammie_ppo_value_loss                 gauge
//   shammie_ppo_response_length_tokens     gauge, mean response length
//   shammie_ppo_steps_total                counter
//   shammie_ppo_fit_slope / shammie_ppo_fit_r2  gauges, reward ≈ a + b·sqrt(KL)
// `half` is the PM's data half: "all", "first" or "second" (PmJobSpec.data_half).
// NaN values (no test PM, no gold reward) leave their gauge untouched.
// Thread-safe; keeps the registry alive.
#ifndef SHAMMIE_SERVICES_METRICS_TRAINING_METRICS_H_
#define SHAMMIE_SERVICES_METRICS_TRAINING_METRICS_H_

#include <cstdint>
#include <memory>

#include "absl/strings/string_view.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "services/metrics/metrics_registry.h"
#include "shammie/v1/pm_trainer.pb.h"
#include "shammie/v1/ppo_trainer.pb.h"

namespace shammie::metrics {

// The `half` label for PmJobSpec.data_half.
absl::string_view PmHalfLabel(uint32_t data_half);

class PmMetrics {
 public:
  explicit PmMetrics(std::shared_ptr<MetricsRegistry> registry);
  void ObserveTrainLoss(uint32_t data_half, double loss);
  void ObserveReport(uint32_t data_half, const v1::PmReport& report);

 private:
  const std::shared_ptr<MetricsRegistry> registry_;
  prometheus::Family<prometheus::Gauge>& train_loss_;
  prometheus::Family<prometheus::Gauge>& test_loss_;
  prometheus::Family<prometheus::Gauge>& accuracy_;
  prometheus::Family<prometheus::Gauge>& ece_;
  prometheus::Family<prometheus::Gauge>& gold_accuracy_;
  prometheus::Family<prometheus::Gauge>& train_comparisons_;
};

class PpoMetrics {
 public:
  explicit PpoMetrics(std::shared_ptr<MetricsRegistry> registry);
  void ObserveStep(const v1::PpoStep& step);
  void ObserveReport(const v1::PpoReport& report);

 private:
  const std::shared_ptr<MetricsRegistry> registry_;
  prometheus::Gauge& reward_;
  prometheus::Gauge& test_reward_;
  prometheus::Gauge& gold_reward_;
  prometheus::Gauge& kl_;
  prometheus::Gauge& sqrt_kl_;
  prometheus::Gauge& kl_coef_;
  prometheus::Gauge& entropy_;
  prometheus::Gauge& clip_fraction_;
  prometheus::Gauge& value_loss_;
  prometheus::Gauge& response_length_;
  prometheus::Counter& steps_;
  prometheus::Gauge& fit_slope_;
  prometheus::Gauge& fit_r2_;
};

}  // namespace shammie::metrics

#endif  // SHAMMIE_SERVICES_METRICS_TRAINING_METRICS_H_
