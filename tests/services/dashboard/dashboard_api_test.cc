#include "services/dashboard/dashboard_api.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "prometheus/counter.h"
#include "tests/lib/run_command.h"

namespace shammie::dashboard {
namespace {

using shammie::testing::TempDir;

class DashboardApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = IterationHistory::Open(dir_.path());
    ASSERT_TRUE(h.ok()) << h.status();
    history_ = *std::move(h);
    v1::IterationRecord r;
    r.mutable_iteration()->set_id("iter-0001");
    r.mutable_iteration()->set_stage(v1::SUCCEEDED);
    for (int i = 1; i <= 4; ++i) {
      v1::PpoStep* s = r.mutable_ppo()->add_steps();
      s->set_step(i);
      s->set_sqrt_kl(0.5 * i);
      s->set_reward(0.1 + 0.4 * i);
    }
    r.mutable_ppo()->set_fit_a(0.1);
    r.mutable_ppo()->set_fit_b(0.8);
    r.mutable_ppo()->set_fit_r2(1.0);
    ASSERT_TRUE(history_->Put(r).ok());
  }

  TempDir dir_;
  std::unique_ptr<IterationHistory> history_;
};

TEST_F(DashboardApiTest, ServesThePageAndItsAssets) {
  DashboardApi api({history_.get(), nullptr, nullptr});
  for (const char* path : {"/dashboard", "/dashboard/", "/dashboard/dashboard.js",
                           "/dashboard/dashboard.css", "/dashboard/uPlot.iife.min.js",
                           "/dashboard/uPlot.min.css"}) {
    ASSERT_TRUE(api.Handles(path)) << path;
    auto reply = api.Get(path);
    ASSERT_TRUE(reply.ok()) << path << ": " << reply.status();
    EXPECT_FALSE(reply->body.empty()) << path;
    EXPECT_FALSE(reply->etag.empty()) << path;
  }
  auto page = api.Get("/dashboard");
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("chart-reward-kl"), std::string::npos);
  EXPECT_EQ(api.Get("/dashboard/nope.js").status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(api.Handles("/api/v1/tasks/next"));
  EXPECT_FALSE(api.Handles("/"));
}

TEST_F(DashboardApiTest, IterationsListAndCurveAsProtoJson) {
  DashboardApi api({history_.get(), nullptr, nullptr});
  auto list = api.Get("/api/v1/iterations");
  ASSERT_TRUE(list.ok()) << list.status();
  const auto j = nlohmann::json::parse(list->body);
  ASSERT_EQ(j.at("iterations").size(), 1u);
  EXPECT_EQ(j["iterations"][0]["iteration"]["id"], "iter-0001");
  EXPECT_EQ(j["iterations"][0]["iteration"]["stage"], "SUCCEEDED");
  EXPECT_EQ(j["iterations"][0]["ppo"]["steps"].size(), 4u);

  auto curve = api.Get("/api/v1/iterations/iter-0001/curve");
  ASSERT_TRUE(curve.ok()) << curve.status();
  const auto c = nlohmann::json::parse(curve->body);
  EXPECT_DOUBLE_EQ(c["fit_b"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(c["steps"][3]["sqrt_kl"].get<double>(), 2.0);  // proto field names

  auto one = api.Get("/api/v1/iterations/iter-0001");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(nlohmann::json::parse(one->body)["iteration"]["id"], "iter-0001");

  EXPECT_EQ(api.Get("/api/v1/iterations/iter-0404").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(api.Get("/api/v1/iterations/..%2Fx/curve").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(DashboardApiNoHistoryTest, ListsNothingWithoutAnArtifactFolder) {
  DashboardApi api({nullptr, nullptr, nullptr});
  auto list = api.Get("/api/v1/iterations");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(nlohmann::json::parse(list->body)["iterations"].size(), 0u);
  EXPECT_EQ(api.Get("/api/v1/iterations/iter-0001").status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(api.Handles("/metrics"));  // no registry: /metrics is someone else's
  EXPECT_EQ(api.Get("/api/v1/labeling").status().code(), absl::StatusCode::kNotFound);
}

TEST(DashboardApiSourcesTest, LabelingStatsAndMetricsComeFromTheirSources) {
  auto registry = metrics::MetricsRegistry::Create();
  prometheus::BuildCounter().Name("shammie_tasks_served_total").Help("h").Register(
      registry->prom()).Add({}).Increment(4);
  int calls = 0;
  DashboardApi api({nullptr, registry, [&]() -> absl::StatusOr<v1::Stats> {
                      ++calls;
                      v1::Stats s;
                      s.set_comparisons(12);
                      (*s.mutable_by_day())["2026-11-28"] = 12;
                      (*s.mutable_by_labeler())["alice"] = 7;
                      return s;
                    }});
  auto labeling = api.Get("/api/v1/labeling");
  ASSERT_TRUE(labeling.ok()) << labeling.status();
  const auto j = nlohmann::json::parse(labeling->body);
  EXPECT_EQ(j["by_day"]["2026-11-28"], "12");  // uint64 → string in proto JSON
  EXPECT_EQ(j["by_labeler"]["alice"], "7");
  EXPECT_EQ(calls, 1);

  auto m = api.Get("/metrics");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->content_type, metrics::kTextContentType);
  EXPECT_NE(m->body.find("shammie_tasks_served_total 4"), std::string::npos) << m->body;
}

TEST(DashboardApiSourcesTest, LabelingErrorsPassThrough) {
  DashboardApi api({nullptr, nullptr, []() -> absl::StatusOr<v1::Stats> {
                      return absl::UnavailableError("store closed");
                    }});
  EXPECT_EQ(api.Get("/api/v1/labeling").status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace shammie::dashboard
