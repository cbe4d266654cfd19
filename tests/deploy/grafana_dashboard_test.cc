// deploy/grafana: the dashboard JSON parses, has the panels the issue asks
// for, and every panel's PromQL names only series docs/metrics.md lists.
#include <regex>
#include <set>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/lib/run_command.h"

namespace shammie::deploy {
namespace {

using shammie::testing::ReadFile;
using shammie::testing::SourceDir;

// Series documented in docs/metrics.md: each has a row "| `name` | type |".
std::set<std::string> DocumentedSeries() {
  const std::string doc = ReadFile(SourceDir() + "/docs/metrics.md");
  std::set<std::string> names;
  const std::regex row(R"(\| `(shammie_[a-z0-9_]+)` \|)");
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), row); it != std::sregex_iterator();
       ++it) {
    names.insert((*it)[1]);
  }
  return names;
}

// The series a PromQL expression reads; histogram suffixes map to the family.
std::set<std::string> SeriesIn(const std::string& expr) {
  std::set<std::string> out;
  const std::regex name(R"(shammie_[a-z0-9_]+)");
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), name);
       it != std::sregex_iterator(); ++it) {
    std::string n = it->str();
    for (const char* suffix : {"_bucket", "_count", "_sum"}) {
      const std::string s = suffix;
      if (n.size() > s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0 &&
          n.find("_seconds") != std::string::npos) {
        n.resize(n.size() - s.size());
      }
    }
    out.insert(n);
  }
  return out;
}

nlohmann::json Dashboard() {
  return nlohmann::json::parse(
      ReadFile(SourceDir() + "/deploy/grafana/shammie-dashboard.json"));
}

TEST(GrafanaDashboardTest, EveryPanelQueriesDocumentedSeries) {
  const std::set<std::string> documented = DocumentedSeries();
  ASSERT_GE(documented.size(), 35u);
  const nlohmann::json dash = Dashboard();
  int panels = 0;
  for (const auto& panel : dash.at("panels")) {
    if (panel.at("type") == "row") continue;
    ++panels;
    const std::string title = panel.at("title");
    ASSERT_FALSE(panel.at("targets").empty()) << title;
    for (const auto& target : panel.at("targets")) {
      const std::string expr = target.at("expr");
      const std::set<std::string> series = SeriesIn(expr);
      EXPECT_FALSE(series.empty()) << title << ": " << expr;
      for (const std::string& s : series) {
        EXPECT_TRUE(documented.count(s)) << title << ": " << s << " is not in docs/metrics.md";
      }
    }
  }
  EXPECT_GE(panels, 15);
}

TEST(GrafanaDashboardTest, HasThePanelsTheIssueAsksFor) {
  std::map<std::string, std::string> by_title;  // title → all exprs
  const nlohmann::json dash = Dashboard();
  for (const auto& panel : dash.at("panels")) {
    if (panel.at("type") == "row") continue;
    std::string exprs;
    for (const auto& t : panel.at("targets")) exprs += t.at("expr").get<std::string>() + "\n";
    by_title[panel.at("title").get<std::string>()] = exprs;
  }
  const std::map<std::string, std::vector<std::string>> wanted = {
      {"Reward vs sqrt(KL)", {"shammie_ppo_reward", "shammie_ppo_sqrt_kl"}},
      {"Train-PM vs test-PM reward", {"shammie_ppo_reward", "shammie_ppo_test_reward"}},
      {"PM accuracy and ECE", {"shammie_pm_accuracy", "shammie_pm_ece"}},
      {"Elo per policy snapshot", {"shammie_policy_elo"}},
      {"Comparisons per day by labeler", {"shammie_comparisons_stored_total", "labeler"}},
      {"Iteration stage", {"shammie_iteration_stage"}},
  };
  for (const auto& [title, needles] : wanted) {
    ASSERT_TRUE(by_title.count(title)) << "missing panel " << title;
    for (const auto& n : needles) {
      EXPECT_NE(by_title[title].find(n), std::string::npos) << title << " lacks " << n;
    }
  }
}

TEST(GrafanaDashboardTest, PanelsUseTheDatasourceVariableAndDoNotOverlap) {
  const nlohmann::json dash = Dashboard();
  std::set<std::pair<int, int>> cells;  // (x, y) grid cells taken
  for (const auto& panel : dash.at("panels")) {
    if (panel.at("type") != "row") {
      EXPECT_EQ(panel.at("datasource").at("uid"), "${datasource}") << panel.at("title");
    }
    const auto& g = panel.at("gridPos");
    for (int x = g.at("x"); x < g.at("x").get<int>() + g.at("w").get<int>(); ++x) {
      for (int y = g.at("y"); y < g.at("y").get<int>() + g.at("h").get<int>(); ++y) {
        EXPECT_TRUE(cells.insert({x, y}).second) << panel.at("title") << " overlaps at " << x
                                                 << "," << y;
      }
    }
  }
}

TEST(GrafanaDashboardTest, SeriesExtractionStripsHistogramSuffixes) {
  EXPECT_EQ(SeriesIn("histogram_quantile(0.9, rate(shammie_grpc_server_handling_seconds_bucket[5m]))"),
            std::set<std::string>{"shammie_grpc_server_handling_seconds"});
  EXPECT_EQ(SeriesIn("sum(shammie_tasks_served_total)"),
            std::set<std::string>{"shammie_tasks_served_total"});
}

}  // namespace
}  // namespace shammie::deploy
