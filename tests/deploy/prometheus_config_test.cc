// deploy/prometheus: promtool (Debian's prometheus package) accepts the
// config and its rule file, and the config scrapes every service's port.
#include "gtest/gtest.h"
#include "tests/lib/run_command.h"

namespace shammie::deploy {
namespace {

using shammie::testing::ReadFile;
using shammie::testing::RunCommand;
using shammie::testing::SourceDir;
using shammie::testing::TempDir;
using shammie::testing::WriteFile;

TEST(PrometheusConfigTest, PromtoolCheckConfigPasses) {
  const auto r = RunCommand("promtool check config " + SourceDir() +
                            "/deploy/prometheus/prometheus.yml");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("rules found"), std::string::npos) << r.output;
}

// The check can fail: a rule with a broken PromQL expression is rejected.
TEST(PrometheusConfigTest, PromtoolRejectsABrokenRule) {
  TempDir dir;
  const std::string src = SourceDir() + "/deploy/prometheus/";
  WriteFile(dir.path() + "/prometheus.yml", ReadFile(src + "prometheus.yml"));
  std::string rules = ReadFile(src + "shammie-alerts.yml");
  const std::string good = "expr: up{job=~\"shammie-.*\"} == 0";
  ASSERT_NE(rules.find(good), std::string::npos);
  rules.replace(rules.find(good), good.size(), "expr: up{job=~\"shammie-.*\" == 0");
  WriteFile(dir.path() + "/shammie-alerts.yml", rules);
  const auto r = RunCommand("promtool check config " + dir.path() + "/prometheus.yml");
  EXPECT_NE(r.exit_code, 0) << r.output;
}

TEST(PrometheusConfigTest, ScrapesEveryServiceOnItsDesignPort) {
  const std::string cfg = ReadFile(SourceDir() + "/deploy/prometheus/prometheus.yml");
  // Collector on its HTTP port; the others on gRPC port + 1000.
  for (const char* target : {"127.0.0.1:8080", "127.0.0.1:51052", "127.0.0.1:51053",
                             "127.0.0.1:51054"}) {
    EXPECT_NE(cfg.find(std::string("\"") + target + "\""), std::string::npos) << target;
  }
  for (const char* job : {"shammie-collector", "shammie-pm-trainer", "shammie-ppo-trainer",
                          "shammie-scheduler"}) {
    EXPECT_NE(cfg.find(std::string("job_name: ") + job), std::string::npos) << job;
  }
}

}  // namespace
}  // namespace shammie::deploy
