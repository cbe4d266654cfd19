#include "services/metrics/metrics_exposer.h"

#include "gtest/gtest.h"
#include "httplib.h"
#include "prometheus/counter.h"
#include "tests/lib/metrics_text.h"

namespace shammie::metrics {
namespace {

using shammie::testing::SeriesValue;

TEST(MetricsExposerTest, ServesTheRegistryOverHttp) {
  auto registry = MetricsRegistry::Create();
  auto& counter = prometheus::BuildCounter()
                      .Name("shammie_test_requests_total")
                      .Help("h")
                      .Register(registry->prom())
                      .Add({});
  auto exposer = MetricsExposer::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(exposer.ok()) << exposer.status();
  ASSERT_GT((*exposer)->port(), 0);

  counter.Increment(7);
  httplib::Client client("127.0.0.1", (*exposer)->port());
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(SeriesValue(res->body, "shammie_test_requests_total"), 7);

  // Values are read at scrape time, not when the exposer started.
  counter.Increment();
  res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(SeriesValue(res->body, "shammie_test_requests_total"), 8);
}

TEST(MetricsExposerTest, PortInUseIsUnavailable) {
  auto registry = MetricsRegistry::Create();
  auto first = MetricsExposer::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second =
      MetricsExposer::Start("127.0.0.1:" + std::to_string((*first)->port()), registry);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
}

TEST(MetricsExposerTest, BadAddressIsInvalidArgument) {
  auto registry = MetricsRegistry::Create();
  EXPECT_EQ(MetricsExposer::Start("127.0.0.1", registry).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MetricsExposer::Start("127.0.0.1:99999", registry).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MetricsExposer::Start("127.0.0.1:0", nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MetricsExposerTest, MetricsPortIsGrpcPortPlus1000) {
  EXPECT_EQ(MetricsPortForGrpcPort(50052), 51052);
  EXPECT_EQ(MetricsPortForGrpcPort(0), 0);
}

}  // namespace
}  // namespace shammie::metrics
