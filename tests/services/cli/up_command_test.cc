// `shammie up` as a real process: it serves the labeler page and the JSON
// API next to gRPC, and shuts down cleanly on SIGINT.
#include <signal.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/lib/temp_dir.h"

namespace shammie::cli {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The port of "  labeler page:     http://127.0.0.1:PORT/" in `shammie up`'s
// output, waiting for it to appear; 0 if it does not.
int WaitForPagePort(const std::string& out_path, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    const std::string out = ReadFile(out_path);
    const size_t at = out.find("labeler page:");
    const size_t nl = at == std::string::npos ? at : out.find('\n', at);
    if (nl != std::string::npos) {
      const std::string line = out.substr(at, nl - at);
      const size_t colon = line.rfind(':');
      int port = 0;
      std::string digits = line.substr(colon + 1);
      if (!digits.empty() && digits.back() == '/') digits.pop_back();
      return absl::SimpleAtoi(digits, &port) ? port : 0;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return 0;
}

TEST(UpCommandTest, ServesTheLabelerPageAndJsonApi) {
  testing::TempDir dir;
  const std::string bin = std::getenv("SHAMMIE_BIN_DIR");
  auto up = common::Subprocess::Start({bin + "/shammie", "up", "--data-dir", dir.Sub("data"),
                                       "--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"},
                                      dir.Sub("out"));
  ASSERT_TRUE(up.ok()) << up.status();
  const int port = WaitForPagePort(dir.Sub("out"), absl::Seconds(60));
  ASSERT_GT(port, 0) << ReadFile(dir.Sub("out"));

  httplib::Client client("127.0.0.1", port);
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("Shammie labeling"), std::string::npos);

  const std::string token(absl::StripAsciiWhitespace(ReadFile(dir.Sub("data/operator.token"))));
  auto me = client.Get("/api/v1/me", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(nlohmann::json::parse(me->body)["role"], "OPERATOR");

  up->Signal(SIGINT);
  auto code = up->Wait(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

TEST(UpCommandTest, EmptyHttpListenTurnsThePageOff) {
  testing::TempDir dir;
  const std::string bin = std::getenv("SHAMMIE_BIN_DIR");
  auto up = common::Subprocess::Start({bin + "/shammie", "up", "--data-dir", dir.Sub("data"),
                                       "--listen", "127.0.0.1:0", "--http-listen="},
                                      dir.Sub("out"));
  ASSERT_TRUE(up.ok()) << up.status();
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (ReadFile(dir.Sub("out")).find("Ctrl-C stops.") == std::string::npos &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  const std::string out = ReadFile(dir.Sub("out"));
  EXPECT_NE(out.find("collector (gRPC)"), std::string::npos) << out;
  EXPECT_EQ(out.find("labeler page"), std::string::npos) << out;
  up->Signal(SIGINT);
  auto code = up->Wait(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace shammie::cli
