// `shammie up` as a real process (the tiny_base fixture as its base policy):
// it serves the collector, says where the operator token is, serves the
// labeler page and JSON API next to gRPC, and SIGINT shuts it down cleanly
// (exit 0, databases closed so the next start opens them).
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "common/subprocess.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/lib/temp_dir.h"

namespace shammie {
namespace {

std::string BinDir() {
  const char* dir = std::getenv("SHAMMIE_BIN_DIR");
  return dir ? dir : common::ExecutableDir();
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Starts `shammie up` (HTTP on a free port unless `http_listen` says
// otherwise), waits for its banner, returns the gRPC address.
std::string StartUp(const testing::TempDir& dir, std::optional<common::Subprocess>* up,
                    const std::string& http_listen = "127.0.0.1:0") {
  const std::string out = dir.Sub("up.out");
  const char* base = std::getenv("SHAMMIE_TINY_BASE_DIR");
  EXPECT_NE(base, nullptr) << "SHAMMIE_TINY_BASE_DIR not set (fixture tiny_base)";
  auto p = common::Subprocess::Start(
      {BinDir() + "/shammie", "up", "--data-dir", dir.Sub("data"), "--base-policy", base ? base : "",
       "--listen", "127.0.0.1:0", "--http-listen=" + http_listen, "--scheduler-listen",
       "127.0.0.1:0", "--pm-trainer-listen", "127.0.0.1:0", "--ppo-trainer-listen", "127.0.0.1:0"},
      out);
  EXPECT_TRUE(p.ok());
  up->emplace(std::move(*p));
  std::smatch m;
  const std::regex address("collector \\(gRPC\\): +(127\\.0\\.0\\.1:[0-9]+)");
  for (int i = 0; i < 600; ++i) {
    std::string text = Slurp(out);
    if (std::regex_search(text, m, address)) return m[1];
    absl::SleepFor(absl::Milliseconds(50));
  }
  return "";
}

TEST(UpCommandTest, ServesUntilSigintThenShutsDownCleanly) {
  testing::TempDir dir;
  for (int start = 0; start < 2; ++start) {  // the second start reopens the same data dir
    std::optional<common::Subprocess> up;
    const std::string address = StartUp(dir, &up);
    ASSERT_FALSE(address.empty()) << Slurp(dir.Sub("up.out"));
    EXPECT_THAT(Slurp(dir.Sub("up.out")),
                ::testing::HasSubstr(dir.Sub("data") + "/operator.token"));
    // The CLI talks to it.
    auto stats = common::Subprocess::Start({BinDir() + "/shammie", "stats", "--server", address,
                                            "--token-file", dir.Sub("data/operator.token")},
                                           dir.Sub("stats.out"));
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(*stats->Wait(absl::Seconds(60)), 0);
    EXPECT_THAT(Slurp(dir.Sub("stats.out")), ::testing::HasSubstr("\"comparisons\""));
    up->Signal(SIGINT);
    auto rc = up->Wait(absl::Seconds(30));
    ASSERT_TRUE(rc.ok()) << rc.status();
    EXPECT_EQ(*rc, 0);
  }
}

// The port in "  labeler page:     http://127.0.0.1:PORT/", or 0.
int PagePort(const std::string& banner) {
  std::smatch m;
  int port = 0;
  const std::regex page("labeler page: +http://127\\.0\\.0\\.1:([0-9]+)/");
  if (!std::regex_search(banner, m, page) || !absl::SimpleAtoi(m[1].str(), &port)) return 0;
  return port;
}

TEST(UpCommandTest, ServesTheLabelerPageAndJsonApi) {
  testing::TempDir dir;
  std::optional<common::Subprocess> up;
  ASSERT_FALSE(StartUp(dir, &up).empty()) << Slurp(dir.Sub("up.out"));
  const int port = PagePort(Slurp(dir.Sub("up.out")));
  ASSERT_GT(port, 0) << Slurp(dir.Sub("up.out"));

  httplib::Client client("127.0.0.1", port);
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->body, ::testing::HasSubstr("Shammie labeling"));
  const std::string token(absl::StripAsciiWhitespace(Slurp(dir.Sub("data/operator.token"))));
  auto me = client.Get("/api/v1/me", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(nlohmann::json::parse(me->body)["role"], "OPERATOR");

  up->Signal(SIGINT);
  auto rc = up->Wait(absl::Seconds(30));
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(*rc, 0);
}

TEST(UpCommandTest, EmptyHttpListenTurnsThePageOff) {
  testing::TempDir dir;
  std::optional<common::Subprocess> up;
  ASSERT_FALSE(StartUp(dir, &up, /*http_listen=*/"").empty()) << Slurp(dir.Sub("up.out"));
  EXPECT_THAT(Slurp(dir.Sub("up.out")), ::testing::Not(::testing::HasSubstr("labeler page")));
  up->Signal(SIGINT);
  auto rc = up->Wait(absl::Seconds(30));
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(*rc, 0);
}

}  // namespace
}  // namespace shammie
