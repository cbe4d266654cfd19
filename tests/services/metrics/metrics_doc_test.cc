// docs/metrics.md documents every series the metrics library registers: the
// test registers them all and looks each family name up in the page.
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/metrics/collector_metrics.h"
#include "services/metrics/iteration_metrics.h"
#include "services/metrics/job_metrics.h"
#include "services/metrics/rpc_metrics.h"
#include "services/metrics/training_metrics.h"

namespace shammie::metrics {
namespace {

std::string ReadDoc() {
  const char* src = std::getenv("SHAMMIE_SOURCE_DIR");
  std::ifstream in(std::string(src ? src : ".") + "/docs/metrics.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(MetricsDocTest, EverySeriesIsDocumentedWithItsType) {
  auto registry = MetricsRegistry::Create();
  CollectorMetrics collector(registry);
  JobMetrics jobs(registry, "pm");
  PmMetrics pm(registry);
  PpoMetrics ppo(registry);
  IterationMetrics iterations(registry);
  auto rpc = MakeRpcMetricsInterceptorFactory(registry);
  // Families with labels export nothing until a series exists: create one each.
  collector.ComparisonStored(v1::SOURCE_HUMAN, "a");
  jobs.SetState("j", v1::JOB_SUCCEEDED);
  jobs.SetProgress("j", v1::JobProgress());
  pm.ObserveTrainLoss(0, 1);
  pm.ObserveReport(0, v1::PmReport());
  iterations.EnterStage("iter-0001", v1::SUCCEEDED);
  iterations.ObserveStageDuration(v1::SNAPSHOT, absl::Seconds(1));
  iterations.SetElo("p", 0, 0, 0);

  const std::string doc = ReadDoc();
  ASSERT_FALSE(doc.empty()) << "docs/metrics.md not found";
  int families = 0;
  for (const auto& family : registry->prom().Collect()) {
    ++families;
    // Each series has a table row: | `name` | type | …
    const std::string row = "| `" + family.name + "` |";
    EXPECT_NE(doc.find(row), std::string::npos) << family.name << " is not in docs/metrics.md";
  }
  EXPECT_GE(families, 35);
}

}  // namespace
}  // namespace shammie::metrics
