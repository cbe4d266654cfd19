// `shammie bench ingest` end to end, small: it starts its own collector,
// prints one JSON line with the fields docs/results.md records, and cleans up.
// (A smoke test of the tool, not a timed assertion: speed is in docs/results.md.)
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/lib/temp_dir.h"

namespace shammie {
namespace {

TEST(BenchCommandTest, IngestPrintsOneJsonLine) {
  testing::TempDir dir;
  const char* bin = std::getenv("SHAMMIE_BIN_DIR");
  const std::string shammie = std::string(bin ? bin : common::ExecutableDir()) + "/shammie";
  auto p = common::Subprocess::Start(
      {shammie, "bench", "ingest", "--clients", "2", "--seconds", "1"}, dir.Sub("out.json"));
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(*p->Wait(absl::Seconds(120)), 0);
  std::ifstream in(dir.Sub("out.json"));
  std::string line, extra;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_FALSE(std::getline(in, extra)) << "more than one line";
  nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["bench"], "ingest");
  EXPECT_EQ(j["durable"], true);
  EXPECT_EQ(j["clients"], 2);
  EXPECT_GT(j["acked"].get<int>(), 0);
  EXPECT_EQ(j["errors"], 0);
  EXPECT_GT(j["p99_ms"].get<double>(), 0);
  EXPECT_GE(j["p99_ms"].get<double>(), j["p50_ms"].get<double>());
  EXPECT_GT(j["ref_fsyncs_per_s"].get<double>(), 0);
}

}  // namespace
}  // namespace shammie
