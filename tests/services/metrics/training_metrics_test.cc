#include "services/metrics/training_metrics.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"
#include "tests/lib/metrics_text.h"

namespace shammie::metrics {
namespace {

using shammie::testing::SeriesValue;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(PmMetricsTest, ReportSetsAccuracyAndCalibrationPerHalf) {
  auto registry = MetricsRegistry::Create();
  PmMetrics m(registry);
  v1::PmReport all;
  all.set_test_accuracy(0.71);
  all.set_ece(0.04);
  all.set_test_loss(0.58);
  all.set_gold_accuracy(0.83);
  all.set_train_comparisons(950);
  m.ObserveReport(/*data_half=*/0, all);
  v1::PmReport second = all;
  second.set_test_accuracy(0.66);
  m.ObserveReport(/*data_half=*/2, second);
  m.ObserveTrainLoss(/*data_half=*/0, 0.61);

  const std::string text = registry->RenderText();
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_pm_accuracy", {{"half", "all"}}), 0.71);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_pm_accuracy", {{"half", "second"}}), 0.66);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_pm_ece", {{"half", "all"}}), 0.04);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_pm_test_loss", {{"half", "all"}}), 0.58);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_pm_gold_accuracy", {{"half", "all"}}), 0.83);
  EXPECT_EQ(SeriesValue(text, "shammie_pm_train_comparisons", {{"half", "all"}}), 950);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_pm_train_loss", {{"half", "all"}}), 0.61);
}

TEST(PpoMetricsTest, StepSetsEveryCurveSeries) {
  auto registry = MetricsRegistry::Create();
  PpoMetrics m(registry);
  v1::PpoStep s;
  s.set_step(4);
  s.set_reward(0.9);
  s.set_kl(2.25);
  s.set_sqrt_kl(1.5);
  s.set_beta(0.05);
  s.set_entropy(1.7);
  s.set_clip_fraction(0.12);
  s.set_value_loss(0.3);
  s.set_response_length(23);
  s.set_test_reward(0.7);
  s.set_gold_reward(0.4);
  m.ObserveStep(s);
  m.ObserveStep(s);
  v1::PpoReport r;
  r.set_fit_b(0.6);
  r.set_fit_r2(0.93);
  m.ObserveReport(r);

  const std::string text = registry->RenderText();
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_reward"), 0.9);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_kl"), 2.25);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_sqrt_kl"), 1.5);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_kl_coef"), 0.05);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_entropy"), 1.7);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_clip_fraction"), 0.12);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_value_loss"), 0.3);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_response_length_tokens"), 23);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_test_reward"), 0.7);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_gold_reward"), 0.4);
  EXPECT_EQ(SeriesValue(text, "shammie_ppo_steps_total"), 2);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_fit_slope"), 0.6);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_fit_r2"), 0.93);
}

// No test PM and no gold reward (NaN in the step): the gauges keep their last
// real values instead of exporting NaN.
TEST(PpoMetricsTest, NanValuesLeaveGaugesUntouched) {
  auto registry = MetricsRegistry::Create();
  PpoMetrics m(registry);
  v1::PpoStep s;
  s.set_reward(1.0);
  s.set_test_reward(0.8);
  s.set_gold_reward(0.5);
  m.ObserveStep(s);
  s.set_reward(1.2);
  s.set_test_reward(kNaN);
  s.set_gold_reward(kNaN);
  m.ObserveStep(s);
  const std::string text = registry->RenderText();
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_reward"), 1.2);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_test_reward"), 0.8);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_ppo_gold_reward"), 0.5);
}

}  // namespace
}  // namespace shammie::metrics
