// The `shammie` CLI against a real shammie-collector process: import then
// export gives the same bytes for both formats; a malformed file stores
// nothing and names its lines; tokens made with the CLI work and revoke.
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/subprocess.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lib/temp_dir.h"

namespace shammie {
namespace {

using ::testing::HasSubstr;

std::string BinDir() {
  const char* dir = std::getenv("SHAMMIE_BIN_DIR");
  return dir ? dir : common::ExecutableDir();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class CliImportExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = common::Subprocess::Start({BinDir() + "/shammie-collector", "--data-dir", dir_.Sub("data"),
                                        "--listen", "127.0.0.1:0", "--port-file", dir_.Sub("port"),
                                        "--http-listen", "127.0.0.1:0"});
    ASSERT_TRUE(p.ok()) << p.status();
    collector_.emplace(std::move(*p));
    auto port = common::WaitForFile(dir_.Sub("port"), absl::Seconds(60));
    ASSERT_TRUE(port.ok()) << port.status();
    server_ = absl::StrCat("127.0.0.1:", absl::StripAsciiWhitespace(*port));
    ASSERT_TRUE(common::WaitForFile(dir_.Sub("data/operator.token"), absl::Seconds(5)).ok());
  }
  void TearDown() override {
    collector_->Signal(SIGTERM);
    EXPECT_EQ(*collector_->Wait(absl::Seconds(20)), 0);
  }

  // Runs `shammie <args> --server S --token-file F`; returns the exit code
  // and puts stdout in *out.
  int Cli(std::vector<std::string> args, std::string* out = nullptr,
          const std::string& token_file = "") {
    std::vector<std::string> argv = {BinDir() + "/shammie"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--server", server_, "--token-file",
                             token_file.empty() ? dir_.Sub("data/operator.token") : token_file});
    const std::string out_path = dir_.Sub("cli.out");
    auto p = common::Subprocess::Start(argv, out_path);
    EXPECT_TRUE(p.ok());
    auto rc = p->Wait(absl::Seconds(120));
    EXPECT_TRUE(rc.ok());
    if (out) *out = ReadFile(out_path);
    return rc.ok() ? *rc : -1;
  }

  uint64_t StoredComparisons() {
    std::string json;
    EXPECT_EQ(Cli({"stats"}, &json), 0);
    // {"comparisons": "12", …} — protobuf's JSON writes uint64 as a string.
    auto pos = json.find("\"comparisons\": \"");
    if (pos == std::string::npos) return ~0ULL;
    return std::stoull(json.substr(pos + 16));
  }

  testing::TempDir dir_;
  std::optional<common::Subprocess> collector_;
  std::string server_;
};

// Written the way Python's json.dumps writes the HH-RLHF release.
constexpr char kHhRlhf[] =
    "{\"chosen\": \"\\n\\nHuman: What is the capital of France?\\n\\nAssistant: Paris.\", "
    "\"rejected\": \"\\n\\nHuman: What is the capital of France?\\n\\nAssistant: Lyon, I believe.\"}\n"
    "{\"chosen\": \"\\n\\nHuman: Say hi\\n\\nAssistant: Hi!\\n\\nHuman: In French, with an \\u00e9?\\n\\n"
    "Assistant: All\\u00f4, \\u00e9t\\u00e9 \\ud83c\\udf1e\", "
    "\"rejected\": \"\\n\\nHuman: Say hi\\n\\nAssistant: Hi!\\n\\nHuman: In French, with an \\u00e9?\\n\\n"
    "Assistant: No.\"}\n"
    "{\"chosen\": \"\\n\\nHuman: Quote \\\"this\\\"\\tplease\\n\\nAssistant: \\\"this\\\"\", "
    "\"rejected\": \"\\n\\nHuman: Quote \\\"this\\\"\\tplease\\n\\nAssistant: that\"}\n";

constexpr char kPairs[] =
    "{\"prompt\": \"\\n\\nHuman: 2+2?\\n\\nAssistant:\", \"chosen\": \" 4\", \"rejected\": \" 5\"}\n"
    "{\"prompt\": \"\\n\\nHuman: Name a fruit\\n\\nAssistant: Apple.\\n\\nHuman: Another\\n\\nAssistant:\", "
    "\"chosen\": \" Pear.\", \"rejected\": \" Apple again.\"}\n";

TEST_F(CliImportExportTest, ImportThenExportIsByteIdenticalForBothFormats) {
  WriteFile(dir_.Sub("hh.jsonl"), kHhRlhf);
  std::string out;
  ASSERT_EQ(Cli({"import", dir_.Sub("hh.jsonl"), "--format", "hh-rlhf"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("imported 3 comparisons"));
  ASSERT_EQ(Cli({"export", "--format", "hh-rlhf", "--out", dir_.Sub("hh.out")}), 0);
  EXPECT_EQ(ReadFile(dir_.Sub("hh.out")), kHhRlhf);

  WriteFile(dir_.Sub("pairs.jsonl"), kPairs);
  ASSERT_EQ(Cli({"import", dir_.Sub("pairs.jsonl"), "--format", "pairs"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("seq 4..5"));
  ASSERT_EQ(Cli({"export", "--format", "pairs", "--after-seq", "3", "--out", dir_.Sub("pairs.out")}), 0);
  EXPECT_EQ(ReadFile(dir_.Sub("pairs.out")), kPairs);

  // Bounds: only seq 2.
  ASSERT_EQ(Cli({"export", "--format", "hh-rlhf", "--after-seq", "1", "--up-to-seq", "2"}, &out), 0);
  EXPECT_EQ(out, std::string(kHhRlhf).substr(std::string(kHhRlhf).find('\n') + 1,
                                             std::string(kHhRlhf).find('\n', std::string(kHhRlhf).find('\n') + 1) -
                                                 std::string(kHhRlhf).find('\n')));

  // The same file again stores nothing new.
  ASSERT_EQ(Cli({"import", dir_.Sub("hh.jsonl"), "--format", "hh-rlhf"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("imported 0 comparisons (3 duplicates skipped)"));
  EXPECT_EQ(StoredComparisons(), 5u);
}

TEST_F(CliImportExportTest, MalformedFileStoresNothingAndNamesTheLines) {
  WriteFile(dir_.Sub("bad.jsonl"), std::string(kHhRlhf) + "{\"chosen\": 1}\n" + "{oops\n");
  const std::string err_path = dir_.Sub("cli.out");
  std::string out;
  EXPECT_EQ(Cli({"import", dir_.Sub("bad.jsonl"), "--format", "hh-rlhf"}, &out), 2);
  EXPECT_EQ(StoredComparisons(), 0u);
  // A file that parses but breaks a server rule (a turn over 64 KiB) is
  // refused whole by the server.
  const std::string big(70 * 1024, 'x');
  WriteFile(dir_.Sub("big.jsonl"), std::string(kPairs) + "{\"prompt\": \"\\n\\nHuman: " + big +
                                       "\\n\\nAssistant:\", \"chosen\": \" a\", \"rejected\": \" b\"}\n");
  EXPECT_EQ(Cli({"import", dir_.Sub("big.jsonl"), "--format", "pairs"}, &out), 2);
  EXPECT_EQ(StoredComparisons(), 0u);
}

TEST_F(CliImportExportTest, TokensFromTheCliWorkAndRevoke) {
  std::string secret;
  ASSERT_EQ(Cli({"token", "create", "--role", "labeler", "--name", "ann"}, &secret), 0);
  secret = std::string(absl::StripAsciiWhitespace(secret));
  EXPECT_EQ(secret.rfind("shm_", 0), 0u);
  WriteFile(dir_.Sub("ann.token"), secret + "\n");
  std::string out;
  EXPECT_EQ(Cli({"stats"}, &out, dir_.Sub("ann.token")), 0);
  // A labeler may not export (PERMISSION_DENIED → exit 1) or make tokens.
  EXPECT_EQ(Cli({"export", "--format", "pairs"}, &out, dir_.Sub("ann.token")), 1);
  EXPECT_EQ(Cli({"token", "create", "--role", "operator", "--name", "eve"}, &out, dir_.Sub("ann.token")), 1);
  ASSERT_EQ(Cli({"token", "revoke", "--name", "ann"}), 0);
  EXPECT_EQ(Cli({"stats"}, &out, dir_.Sub("ann.token")), 1);  // UNAUTHENTICATED now
  EXPECT_EQ(Cli({"token", "create", "--role", "wizard", "--name", "x"}), 2);
}

}  // namespace
}  // namespace shammie
