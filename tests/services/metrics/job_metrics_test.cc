#include "services/metrics/job_metrics.h"

#include "gtest/gtest.h"
#include "tests/lib/metrics_text.h"

namespace shammie::metrics {
namespace {

using shammie::testing::SeriesValue;

TEST(JobMetricsTest, StateIsOneHotAndEndStatesAreCounted) {
  auto registry = MetricsRegistry::Create();
  JobMetrics pm(registry, "pm");
  pm.SetState("iter-0001/pm", v1::JOB_RUNNING);
  std::string text = registry->RenderText();
  EXPECT_EQ(SeriesValue(text, "shammie_job_state",
                        {{"trainer", "pm"}, {"job", "iter-0001/pm"}, {"state", "RUNNING"}}),
            1);
  EXPECT_EQ(SeriesValue(text, "shammie_job_state", {{"job", "iter-0001/pm"}, {"state", "PENDING"}}),
            0);

  pm.SetState("iter-0001/pm", v1::JOB_SUCCEEDED);
  pm.SetState("iter-0001/pm", v1::JOB_SUCCEEDED);  // reported again: counted once
  text = registry->RenderText();
  EXPECT_EQ(SeriesValue(text, "shammie_job_state", {{"job", "iter-0001/pm"}, {"state", "RUNNING"}}),
            0);
  EXPECT_EQ(
      SeriesValue(text, "shammie_job_state", {{"job", "iter-0001/pm"}, {"state", "SUCCEEDED"}}), 1);
  EXPECT_EQ(SeriesValue(text, "shammie_jobs_finished_total",
                        {{"trainer", "pm"}, {"state", "SUCCEEDED"}}),
            1);
}

TEST(JobMetricsTest, ProgressIsStepOverTotal) {
  auto registry = MetricsRegistry::Create();
  JobMetrics ppo(registry, "ppo");
  v1::JobProgress p;
  p.set_step(30);
  p.set_total_steps(120);
  p.set_items_per_second(12.5);
  p.set_eta_seconds(90);
  ppo.SetProgress("iter-0002/ppo", p);
  const std::string text = registry->RenderText();
  const std::map<std::string, std::string> l = {{"trainer", "ppo"}, {"job", "iter-0002/ppo"}};
  EXPECT_DOUBLE_EQ(SeriesValue(text, "shammie_job_progress_ratio", l), 0.25);
  EXPECT_EQ(SeriesValue(text, "shammie_job_step", l), 30);
  EXPECT_EQ(SeriesValue(text, "shammie_job_items_per_second", l), 12.5);
  EXPECT_EQ(SeriesValue(text, "shammie_job_eta_seconds", l), 90);

  p.set_total_steps(0);  // not known yet: no division by zero
  ppo.SetProgress("iter-0002/ppo", p);
  EXPECT_EQ(SeriesValue(registry->RenderText(), "shammie_job_progress_ratio", l), 0);
}

}  // namespace
}  // namespace shammie::metrics
