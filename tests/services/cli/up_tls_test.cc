// `shammie up --tls-cert --tls-key --tls-ca` as a real process, with a
// certificate this test makes with openssl (tests/lib/tls_certs.h): the
// collector's gRPC answers the CLI over TLS when it trusts the CA and
// refuses it otherwise; the labeler page and JSON API are HTTPS only; the
// scheduler answers over TLS too. TLS without a CA or with a bad key stops
// `up` before anything starts, naming the flag; a plaintext `up` listening
// off loopback prints the loud warning.
#include <regex>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/lib/background_process.h"
#include "tests/lib/run_command.h"
#include "tests/lib/temp_dir.h"
#include "tests/lib/tls_certs.h"

namespace shammie {
namespace {

std::string Bin(const std::string& name) {
  const char* dir = std::getenv("SHAMMIE_BIN_DIR");
  return std::string(dir ? dir : "build/bin") + "/" + name;
}

class UpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = testing::MakeTlsCerts(dir_.path());
    ASSERT_TRUE(certs_.ok) << "openssl could not make test certificates";
    const char* base = std::getenv("SHAMMIE_TINY_BASE_DIR");
    ASSERT_NE(base, nullptr) << "SHAMMIE_TINY_BASE_DIR not set (fixture tiny_base)";
    base_ = base;
  }

  // `shammie up` on free loopback ports plus `extra`.
  std::vector<std::string> UpArgs(const std::vector<std::string>& extra) const {
    std::vector<std::string> argv = {
        Bin("shammie"), "up", "--data-dir", dir_.Sub("data"), "--base-policy", base_,
        "--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--scheduler-listen",
        "127.0.0.1:0", "--pm-trainer-listen", "127.0.0.1:0", "--ppo-trainer-listen",
        "127.0.0.1:0", "--labelers", "1", "--starter-comparisons", "20"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  // Waits for the banner line matching `pattern`; its first group, or "".
  std::string WaitFor(const std::string& log, const std::string& pattern) const {
    const std::regex re(pattern);
    std::smatch m;
    for (int i = 0; i < 1200; ++i) {
      const std::string text = testing::ReadFile(log);
      if (std::regex_search(text, m, re)) return m[1];
      absl::SleepFor(absl::Milliseconds(50));
    }
    return "";
  }

  testing::CommandResult Cli(const std::string& args) const {
    return testing::RunCommand(absl::StrCat(Bin("shammie"), " ", args, " --token-file ",
                                            dir_.Sub("data/operator.token")));
  }

  testing::TempDir dir_;
  testing::TlsCerts certs_;
  std::string base_;
};

TEST_F(UpTlsTest, ServesGrpcAndHttpsOverTls) {
  const std::string log = dir_.Sub("up.log");
  testing::BackgroundProcess up(
      UpArgs({"--tls-cert", certs_.cert, "--tls-key", certs_.key, "--tls-ca", certs_.ca}), log);
  const std::string collector = WaitFor(log, "collector \\(gRPC\\): +(127\\.0\\.0\\.1:[0-9]+)");
  ASSERT_FALSE(collector.empty()) << testing::ReadFile(log);
  const std::string scheduler = WaitFor(log, "scheduler \\(gRPC\\): +(127\\.0\\.0\\.1:[0-9]+)");
  const std::string page = WaitFor(log, "labeler page: +https://127\\.0\\.0\\.1:([0-9]+)/");
  ASSERT_FALSE(page.empty()) << testing::ReadFile(log);

  // gRPC: the CLI trusting the CA gets through; plaintext or another CA not.
  testing::CommandResult stats = Cli("stats --server " + collector + " --tls-ca " + certs_.ca);
  EXPECT_EQ(stats.exit_code, 0) << stats.output;
  EXPECT_TRUE(absl::StrContains(stats.output, "\"comparisons\"")) << stats.output;
  testing::CommandResult plain = Cli("stats --server " + collector);
  EXPECT_EQ(plain.exit_code, 1) << plain.output;
  EXPECT_TRUE(absl::StrContains(plain.output, "UNAVAILABLE")) << plain.output;
  testing::CommandResult other = Cli("stats --server " + collector + " --tls-ca " + certs_.other_ca);
  EXPECT_EQ(other.exit_code, 1) << other.output;
  // The scheduler (which reaches the collector and trainers over TLS itself).
  testing::CommandResult status = Cli("status --scheduler " + scheduler + " --tls-ca " + certs_.ca);
  EXPECT_EQ(status.exit_code, 0) << status.output;
  testing::CommandResult status_plain = Cli("status --scheduler " + scheduler);
  EXPECT_EQ(status_plain.exit_code, 1) << status_plain.output;

  // HTTPS for the page and the JSON API.
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(page, &port));
  const std::string token(
      absl::StripAsciiWhitespace(testing::ReadFile(dir_.Sub("data/operator.token"))));
  httplib::SSLClient https("127.0.0.1", port);
  https.set_ca_cert_path(certs_.ca.c_str());
  https.enable_server_certificate_verification(true);
  auto me = https.Get("/api/v1/me", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(me) << httplib::to_string(me.error());
  EXPECT_EQ(me->status, 200) << me->body;
  EXPECT_TRUE(absl::StrContains(me->body, "OPERATOR")) << me->body;
  httplib::Client http("127.0.0.1", port);
  http.set_connection_timeout(5);
  http.set_read_timeout(5);
  auto answer = http.Get("/");
  EXPECT_TRUE(!answer || answer->status != 200);

  // The in-process services' own TLS clients work: the crowd labels.
  const std::string labeled = WaitFor(log, "\\] [0-9]+/[^ ]+ iterations +([1-9][0-9]*) comparisons");
  EXPECT_FALSE(labeled.empty()) << testing::ReadFile(log);
  EXPECT_FALSE(absl::StrContains(testing::ReadFile(log), "WITHOUT TLS"));
}

TEST_F(UpTlsTest, BadTlsFlagsStopUpNamingTheFlag) {
  testing::CommandResult no_ca = testing::RunCommand(absl::StrJoin(
      UpArgs({"--tls-cert", certs_.cert, "--tls-key", certs_.key}), " "));
  EXPECT_EQ(no_ca.exit_code, 2) << no_ca.output;
  EXPECT_TRUE(absl::StrContains(no_ca.output, "--tls-ca")) << no_ca.output;
  testing::CommandResult wrong_key = testing::RunCommand(absl::StrJoin(
      UpArgs({"--tls-cert", certs_.cert, "--tls-key", certs_.other_key, "--tls-ca", certs_.ca}),
      " "));
  EXPECT_EQ(wrong_key.exit_code, 2) << wrong_key.output;
  EXPECT_TRUE(absl::StrContains(wrong_key.output, "--tls-key")) << wrong_key.output;
  testing::CommandResult bad_ca = testing::RunCommand(absl::StrJoin(
      UpArgs({"--tls-cert", certs_.cert, "--tls-key", certs_.key, "--tls-ca", certs_.key}), " "));
  EXPECT_EQ(bad_ca.exit_code, 2) << bad_ca.output;
  EXPECT_TRUE(absl::StrContains(bad_ca.output, "--tls-ca")) << bad_ca.output;
}

TEST_F(UpTlsTest, PlaintextOffLoopbackWarnsLoudly) {
  const std::string log = dir_.Sub("open.log");
  std::vector<std::string> argv = UpArgs({});
  argv[7] = "0.0.0.0:0";  // --listen
  testing::BackgroundProcess up(argv, log);
  ASSERT_FALSE(WaitFor(log, "collector \\(gRPC\\): +([0-9.]+:[0-9]+)").empty())
      << testing::ReadFile(log);
  const std::string text = testing::ReadFile(log);
  EXPECT_TRUE(absl::StrContains(text, "WITHOUT TLS")) << text;
  EXPECT_TRUE(absl::StrContains(text, "0.0.0.0:0")) << text;
}

}  // namespace
}  // namespace shammie
