#include "services/metrics/iteration_metrics.h"

#include "gtest/gtest.h"
#include "tests/lib/metrics_text.h"

namespace shammie::metrics {
namespace {

using shammie::testing::SeriesValue;

TEST(IterationMetricsTest, StageIsOneHotAndEndsAreCounted) {
  auto registry = MetricsRegistry::Create();
  IterationMetrics m(registry);
  m.EnterStage("iter-0003", v1::TRAIN_PM);
  m.SetStageProgress(0.4);
  std::string text = registry->RenderText();
  EXPECT_EQ(SeriesValue(text, "shammie_iteration_stage", {{"stage", "TRAIN_PM"}}), 1);
  EXPECT_EQ(SeriesValue(text, "shammie_iteration_stage", {{"stage", "SNAPSHOT"}}), 0);
  EXPECT_EQ(SeriesValue(text, "shammie_iteration_number"), 3);
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_iteration_stage_progress_ratio"), 0.4);
  EXPECT_TRUE(std::isnan(SeriesValue(text, "shammie_iterations_total")));

  m.EnterStage("iter-0003", v1::SUCCEEDED);
  text = registry->RenderText();
  EXPECT_EQ(SeriesValue(text, "shammie_iteration_stage", {{"stage", "TRAIN_PM"}}), 0);
  EXPECT_EQ(SeriesValue(text, "shammie_iteration_stage", {{"stage", "SUCCEEDED"}}), 1);
  EXPECT_EQ(SeriesValue(text, "shammie_iterations_total", {{"result", "SUCCEEDED"}}), 1);
}

TEST(IterationMetricsTest, StageDurationsAreHistogramsByStage) {
  auto registry = MetricsRegistry::Create();
  IterationMetrics m(registry);
  m.ObserveStageDuration(v1::TRAIN_POLICY, absl::Seconds(90));
  m.ObserveStageDuration(v1::TRAIN_POLICY, absl::Seconds(30));
  const std::string text = registry->RenderText();
  EXPECT_EQ(SeriesValue(text, "shammie_iteration_stage_duration_seconds_count",
                        {{"stage", "TRAIN_POLICY"}}),
            2);
  EXPECT_EQ(SeriesValue(text, "shammie_iteration_stage_duration_seconds_sum",
                        {{"stage", "TRAIN_POLICY"}}),
            120);
  EXPECT_EQ(SeriesValue(text, "shammie_iteration_stage_duration_seconds_bucket",
                        {{"stage", "TRAIN_POLICY"}, {"le", "60"}}),
            1);
}

TEST(IterationMetricsTest, EloPerSnapshotWithInterval) {
  auto registry = MetricsRegistry::Create();
  IterationMetrics m(registry);
  m.SetElo("policy-0000", 0, -20, 20);
  m.SetElo("policy-0001", 85, 60, 110);
  const std::string text = registry->RenderText();
  EXPECT_EQ(SeriesValue(text, "shammie_policy_elo", {{"policy", "policy-0001"}}), 85);
  EXPECT_EQ(SeriesValue(text, "shammie_policy_elo_interval",
                        {{"policy", "policy-0001"}, {"bound", "low"}}),
            60);
  EXPECT_EQ(SeriesValue(text, "shammie_policy_elo_interval",
                        {{"policy", "policy-0001"}, {"bound", "high"}}),
            110);
}

TEST(IterationMetricsTest, IterationNumberFromId) {
  EXPECT_EQ(IterationNumber("iter-0012"), 12);
  EXPECT_EQ(IterationNumber("iteration"), 0);
  EXPECT_EQ(IterationNumber("iter-x"), 0);
}

}  // namespace
}  // namespace shammie::metrics
