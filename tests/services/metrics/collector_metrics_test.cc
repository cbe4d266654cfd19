#include "services/metrics/collector_metrics.h"

#include <cmath>

#include "gtest/gtest.h"
#include "tests/lib/metrics_text.h"

namespace shammie::metrics {
namespace {

using shammie::testing::SeriesValue;

TEST(CollectorMetricsTest, CountsComparisonsBySourceAndLabeler) {
  auto registry = MetricsRegistry::Create();
  CollectorMetrics m(registry);
  m.ComparisonStored(v1::SOURCE_HUMAN, "alice");
  m.ComparisonStored(v1::SOURCE_HUMAN, "alice");
  m.ComparisonStored(v1::SOURCE_SIMULATED, "sim-3");
  m.ComparisonStored(v1::SOURCE_IMPORTED, "operator");
  const std::string text = registry->RenderText();
  EXPECT_EQ(SeriesValue(text, "shammie_comparisons_stored_total",
                        {{"source", "human"}, {"labeler", "alice"}}),
            2);
  EXPECT_EQ(SeriesValue(text, "shammie_comparisons_stored_total",
                        {{"source", "simulated"}, {"labeler", "sim-3"}}),
            1);
  EXPECT_EQ(SeriesValue(text, "shammie_comparisons_stored_total", {{"source", "imported"}}), 1);
  EXPECT_TRUE(std::isnan(
      SeriesValue(text, "shammie_comparisons_stored_total", {{"source", "simulated"},
                                                             {"labeler", "alice"}})));
}

TEST(CollectorMetricsTest, CountsTasksAndStoreSize) {
  auto registry = MetricsRegistry::Create();
  CollectorMetrics m(registry);
  m.TaskCreated();
  m.TaskCreated();
  m.TaskServed();
  m.TaskSkipped();
  m.SetStoreSize(/*comparisons=*/41, /*open_tasks=*/5);
  const std::string text = registry->RenderText();
  EXPECT_EQ(SeriesValue(text, "shammie_tasks_created_total"), 2);
  EXPECT_EQ(SeriesValue(text, "shammie_tasks_served_total"), 1);
  EXPECT_EQ(SeriesValue(text, "shammie_tasks_skipped_total"), 1);
  EXPECT_EQ(SeriesValue(text, "shammie_comparisons"), 41);
  EXPECT_EQ(SeriesValue(text, "shammie_tasks_open"), 5);
}

}  // namespace
}  // namespace shammie::metrics
