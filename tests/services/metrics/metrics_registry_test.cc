#include "services/metrics/metrics_registry.h"

#include <cmath>

#include "gtest/gtest.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "tests/lib/metrics_text.h"

namespace shammie::metrics {
namespace {

using shammie::testing::SeriesValue;

TEST(MetricsRegistryTest, RendersRegisteredSeriesInTextFormat) {
  auto registry = MetricsRegistry::Create();
  prometheus::BuildCounter().Name("shammie_test_events_total").Help("h").Register(registry->prom())
      .Add({{"kind", "a"}}).Increment(3);
  const std::string text = registry->RenderText();
  EXPECT_NE(text.find("# TYPE shammie_test_events_total counter"), std::string::npos) << text;
  EXPECT_EQ(SeriesValue(text, "shammie_test_events_total", {{"kind", "a"}}), 3);
}

// `shammie up` runs several services on one registry; a family both declare
// (e.g. the RPC series) must merge, not throw.
TEST(MetricsRegistryTest, SecondRegistrationOfAFamilyMerges) {
  auto registry = MetricsRegistry::Create();
  auto& first = prometheus::BuildGauge().Name("shammie_test_gauge").Help("h").Register(
      registry->prom());
  auto& second = prometheus::BuildGauge().Name("shammie_test_gauge").Help("h").Register(
      registry->prom());
  EXPECT_EQ(&first, &second);
  first.Add({}).Set(2);
  second.Add({}).Increment();
  EXPECT_EQ(SeriesValue(registry->RenderText(), "shammie_test_gauge"), 3);
}

TEST(MetricsRegistryTest, EmptyRegistryRendersNothing) {
  auto registry = MetricsRegistry::Create();
  EXPECT_TRUE(std::isnan(SeriesValue(registry->RenderText(), "shammie_test_gauge")));
}

}  // namespace
}  // namespace shammie::metrics
