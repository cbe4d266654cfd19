// TLS end to end with real processes: a shammie-collector serving gRPC and
// HTTPS with a certificate this test makes with openssl, and the `shammie`
// CLI. With --tls-ca the CLI's token and stats commands work; without it, or
// trusting another CA, the CLI is refused (UNAVAILABLE). The page and JSON
// API answer over HTTPS to a client that trusts the CA, and not over plain
// HTTP. Bad certificate files stop the collector with a message naming the
// flag, and a plaintext collector on a non-loopback address warns loudly.
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/lib/background_process.h"
#include "tests/lib/run_command.h"
#include "tests/lib/tls_certs.h"

namespace shammie {
namespace {

using testing::RunCommand;

std::string Bin(const std::string& name) {
  const char* dir = std::getenv("SHAMMIE_BIN_DIR");
  return std::string(dir ? dir : "build/bin") + "/" + name;
}

class TlsIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    certs_ = testing::MakeTlsCerts(dir_.path());
    ASSERT_TRUE(certs_.ok) << "openssl could not make test certificates";
  }

  void StartCollector() {
    http_port_ = testing::PickFreePort();
    collector_ = std::make_unique<testing::BackgroundProcess>(
        std::vector<std::string>{Bin("shammie-collector"), "--data-dir", Sub("data"), "--listen",
                                 "127.0.0.1:0", "--port-file", Sub("port"), "--http-listen",
                                 absl::StrCat("127.0.0.1:", http_port_), "--tls-cert", certs_.cert,
                                 "--tls-key", certs_.key},
        Sub("collector.log"));
    auto port = common::WaitForFile(Sub("port"), absl::Seconds(60));
    ASSERT_TRUE(port.ok()) << port.status() << "\n" << testing::ReadFile(Sub("collector.log"));
    server_ = absl::StrCat("127.0.0.1:", absl::StripAsciiWhitespace(*port));
    ASSERT_TRUE(common::WaitForFile(Sub("data/operator.token"), absl::Seconds(5)).ok());
    operator_token_ =
        std::string(absl::StripAsciiWhitespace(testing::ReadFile(Sub("data/operator.token"))));
  }

  // `shammie <args> --server S --token-file <operator.token> [extra]`.
  testing::CommandResult Cli(const std::string& args, const std::string& extra = "") {
    return RunCommand(absl::StrCat(Bin("shammie"), " ", args, " --server ", server_,
                                   " --token-file ", Sub("data/operator.token"), " ", extra));
  }

  std::string Sub(const std::string& name) const { return dir_.path() + "/" + name; }

  testing::TempDir dir_;
  testing::TlsCerts certs_;
  std::unique_ptr<testing::BackgroundProcess> collector_;
  std::string server_;
  std::string operator_token_;
  int http_port_ = 0;
};

TEST_F(TlsIntegrationTest, CliWorksWithTheCaAndIsRefusedWithout) {
  StartCollector();
  const std::string ca = "--tls-ca " + certs_.ca;
  testing::CommandResult created = Cli("token create --role labeler --name alice --ttl 30d", ca);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_TRUE(absl::StrContains(created.output, "shm_")) << created.output;
  testing::CommandResult listed = Cli("token list", ca);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_TRUE(absl::StrContains(listed.output, "alice")) << listed.output;
  EXPECT_TRUE(absl::StrContains(listed.output, "labeler")) << listed.output;
  testing::CommandResult stats = Cli("stats", ca);
  EXPECT_EQ(stats.exit_code, 0) << stats.output;

  // No CA: the CLI speaks plaintext to a TLS port and is refused.
  testing::CommandResult plain = Cli("stats");
  EXPECT_EQ(plain.exit_code, 1) << plain.output;
  EXPECT_TRUE(absl::StrContains(plain.output, "UNAVAILABLE")) << plain.output;
  // A CA that did not sign the server's certificate.
  testing::CommandResult wrong = Cli("stats", "--tls-ca " + certs_.other_ca);
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  EXPECT_TRUE(absl::StrContains(wrong.output, "UNAVAILABLE")) << wrong.output;
  // A CA file that is not a certificate: a usage error naming the flag.
  testing::CommandResult bad = Cli("stats", "--tls-ca " + certs_.key);
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_TRUE(absl::StrContains(bad.output, "--tls-ca")) << bad.output;
  // The audit log, over TLS too, saw the token being made.
  testing::CommandResult audit = Cli("audit", ca);
  ASSERT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_TRUE(absl::StrContains(audit.output, "token.create")) << audit.output;
}

TEST_F(TlsIntegrationTest, HttpsServesThePageAndApiToClientsTrustingTheCa) {
  StartCollector();
  httplib::SSLClient https("127.0.0.1", http_port_);
  https.set_ca_cert_path(certs_.ca.c_str());
  https.enable_server_certificate_verification(true);
  auto me = https.Get("/api/v1/me", {{"Authorization", "Bearer " + operator_token_}});
  ASSERT_TRUE(me) << httplib::to_string(me.error());
  EXPECT_EQ(me->status, 200);
  EXPECT_TRUE(absl::StrContains(me->body, "OPERATOR")) << me->body;
  auto page = https.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);

  httplib::SSLClient untrusting("127.0.0.1", http_port_);
  untrusting.set_ca_cert_path(certs_.other_ca.c_str());
  untrusting.enable_server_certificate_verification(true);
  EXPECT_FALSE(untrusting.Get("/"));  // handshake refused

  httplib::Client plain("127.0.0.1", http_port_);
  plain.set_connection_timeout(5);
  plain.set_read_timeout(5);
  auto answer = plain.Get("/");
  EXPECT_TRUE(!answer || answer->status != 200);
}

TEST_F(TlsIntegrationTest, BadCertificateFilesStopTheCollectorNamingTheFlag) {
  testing::CommandResult mismatch = RunCommand(
      absl::StrCat(Bin("shammie-collector"), " --data-dir ", Sub("data"), " --listen 127.0.0.1:0",
                   " --http-listen '' --tls-cert ", certs_.cert, " --tls-key ", certs_.other_key));
  EXPECT_EQ(mismatch.exit_code, 2) << mismatch.output;
  EXPECT_TRUE(absl::StrContains(mismatch.output, "--tls-key")) << mismatch.output;
  testing::CommandResult missing = RunCommand(
      absl::StrCat(Bin("shammie-collector"), " --data-dir ", Sub("data"), " --listen 127.0.0.1:0",
                   " --http-listen '' --tls-cert ", Sub("nope.pem"), " --tls-key ", certs_.key));
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_TRUE(absl::StrContains(missing.output, "--tls-cert")) << missing.output;
}

TEST_F(TlsIntegrationTest, PlaintextOffLoopbackWarnsLoudly) {
  testing::BackgroundProcess collector(
      {Bin("shammie-collector"), "--data-dir", Sub("data"), "--listen", "0.0.0.0:0", "--port-file",
       Sub("port"), "--http-listen", ""},
      Sub("collector.log"));
  ASSERT_TRUE(common::WaitForFile(Sub("port"), absl::Seconds(60)).ok());
  const std::string log = testing::ReadFile(Sub("collector.log"));
  EXPECT_TRUE(absl::StrContains(log, "WITHOUT TLS")) << log;
  EXPECT_TRUE(absl::StrContains(log, "0.0.0.0:0")) << log;
  collector.Stop();

  // On loopback, no warning.
  std::remove(Sub("port").c_str());
  testing::BackgroundProcess local(
      {Bin("shammie-collector"), "--data-dir", Sub("data2"), "--listen", "127.0.0.1:0",
       "--port-file", Sub("port"), "--http-listen", ""},
      Sub("local.log"));
  ASSERT_TRUE(common::WaitForFile(Sub("port"), absl::Seconds(60)).ok());
  EXPECT_FALSE(absl::StrContains(testing::ReadFile(Sub("local.log")), "WITHOUT TLS"));
}

}  // namespace
}  // namespace shammie
