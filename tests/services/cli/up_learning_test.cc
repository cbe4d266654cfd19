// The embedded default learns (LABEL learning): `shammie up --iterations 2
// --exit-when-done` on a small configuration — the tiny_base fixture as the
// base policy, simulated labelers, the default PM and PPO templates — and the
// gold reward of the policy deployed after iteration 2 is above the base
// policy's. Prints the summary table `up` prints; asserts on its JSON form.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/lib/temp_dir.h"

namespace shammie {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(UpLearningTest, GoldRewardAfterTwoIterationsIsAboveTheBasePolicys) {
  const char* bin = std::getenv("SHAMMIE_BIN_DIR");
  const char* base = std::getenv("SHAMMIE_TINY_BASE_DIR");
  ASSERT_NE(bin, nullptr);
  ASSERT_NE(base, nullptr) << "SHAMMIE_TINY_BASE_DIR not set (fixture tiny_base)";
  testing::TempDir dir;
  const std::string summary = dir.Sub("summary.json");
  auto up = common::Subprocess::Start(
      {std::string(bin) + "/shammie", "up", "--data-dir", dir.Sub("data"), "--base-policy", base,
       "--iterations", "2", "--exit-when-done", "--summary-json", summary, "--period", "5s",
       "--min-comparisons", "300", "--listen", "127.0.0.1:0", "--http-listen", "",
       "--scheduler-listen", "127.0.0.1:0", "--pm-trainer-listen", "127.0.0.1:0",
       "--ppo-trainer-listen", "127.0.0.1:0"},
      dir.Sub("up.out"));
  ASSERT_TRUE(up.ok()) << up.status();
  auto rc = up->Wait(absl::Minutes(12));
  ASSERT_TRUE(rc.ok()) << rc.status();
  const std::string out = Slurp(dir.Sub("up.out"));
  const size_t table = out.rfind("\niteration ");
  std::printf("%s\n", table == std::string::npos ? out.c_str() : out.substr(table).c_str());
  ASSERT_EQ(*rc, 0) << out.substr(out.size() > 4000 ? out.size() - 4000 : 0);

  const nlohmann::json s = nlohmann::json::parse(Slurp(summary));
  ASSERT_EQ(s["iterations"].size(), 2u) << s.dump(2);
  const double base_gold = s["base"]["gold_reward"];
  const double gold_2 = s["iterations"][1]["gold_reward"];
  std::printf("gold reward: base %.3f → iteration 1 %s → iteration 2 %.3f\n", base_gold,
              s["iterations"][0]["gold_reward"].dump().c_str(), gold_2);
  EXPECT_GT(gold_2, base_gold);
  for (const auto& it : s["iterations"]) {
    EXPECT_GE(it["comparisons"].get<double>(), 300);
    EXPECT_TRUE(std::isfinite(it["kl"].get<double>())) << it.dump();
  }
}

}  // namespace
}  // namespace shammie
