// services/common/tls.h: every bad-file rule names its flag, loopback
// detection, and real TLS over loopback gRPC (a CollectorServer with a
// certificate from tests/lib/tls_certs.h): a client trusting the CA gets
// through; one trusting another CA, or talking plaintext, does not.
#include "services/common/tls.h"

#include <grpcpp/grpcpp.h>

#include <fstream>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "services/collector/collector_server.h"
#include "tests/lib/temp_dir.h"
#include "tests/lib/tls_certs.h"

namespace shammie::services {
namespace {

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = testing::MakeTlsCerts(dir_.path());
    ASSERT_TRUE(certs_.ok) << "openssl could not make test certificates";
  }
  void ExpectInvalid(const TlsServerFiles& files, absl::string_view flag) {
    absl::Status s = ValidateTlsServerFiles(files);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_TRUE(absl::StartsWith(s.message(), flag)) << s;
    EXPECT_EQ(MakeServerCredentials(files).status().code(), absl::StatusCode::kInvalidArgument);
  }
  testing::TempDir dir_;
  testing::TlsCerts certs_;
};

TEST_F(TlsTest, GoodFilesValidate) {
  EXPECT_TRUE(ValidateTlsServerFiles({certs_.cert, certs_.key}).ok());
  EXPECT_TRUE(ValidateTlsServerFiles({}).ok());  // TLS off
  EXPECT_TRUE(MakeChannelCredentials(certs_.ca).ok());
  EXPECT_TRUE(MakeChannelCredentials("").ok());
}

TEST_F(TlsTest, BadServerFilesNameTheFlag) {
  ExpectInvalid({certs_.cert, ""}, "--tls-key");
  ExpectInvalid({"", certs_.key}, "--tls-cert");
  ExpectInvalid({dir_.Sub("missing.pem"), certs_.key}, "--tls-cert");
  ExpectInvalid({certs_.cert, dir_.Sub("missing.key")}, "--tls-key");
  std::ofstream(dir_.Sub("garbage.pem")) << "not a certificate\n";
  ExpectInvalid({dir_.Sub("garbage.pem"), certs_.key}, "--tls-cert");
  ExpectInvalid({certs_.cert, dir_.Sub("garbage.pem")}, "--tls-key");
  // The key of another certificate.
  absl::Status mismatch = ValidateTlsServerFiles({certs_.cert, certs_.other_key});
  EXPECT_EQ(mismatch.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(mismatch.message(), "does not belong")) << mismatch;
  // A key is not a certificate.
  ExpectInvalid({certs_.key, certs_.key}, "--tls-cert");
}

TEST_F(TlsTest, BadCaFileNamesTheFlag) {
  for (const std::string& bad : {dir_.Sub("missing.pem"), certs_.key}) {
    auto creds = MakeChannelCredentials(bad);
    EXPECT_EQ(creds.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StartsWith(creds.status().message(), "--tls-ca")) << creds.status();
  }
}

TEST_F(TlsTest, LoopbackDetection) {
  for (const char* local : {"127.0.0.1:50051", "127.1.2.3:0", "localhost:8080", "[::1]:50051",
                            "unix:/tmp/shammie.sock"}) {
    EXPECT_TRUE(IsLoopbackListen(local)) << local;
    EXPECT_FALSE(WarnIfPlaintextOffLoopback("test", local, /*tls=*/false)) << local;
  }
  for (const char* remote : {"0.0.0.0:50051", "[::]:50051", "10.0.0.5:8080", "example.com:1"}) {
    EXPECT_FALSE(IsLoopbackListen(remote)) << remote;
    EXPECT_TRUE(WarnIfPlaintextOffLoopback("test", remote, /*tls=*/false)) << remote;
    EXPECT_FALSE(WarnIfPlaintextOffLoopback("test", remote, /*tls=*/true)) << remote;
  }
}

TEST_F(TlsTest, GrpcOverTlsNeedsTheRightCa) {
  collector::CollectorServerOptions options;
  options.listen = "127.0.0.1:0";
  options.collector.data_dir = dir_.Sub("data");
  options.worker_threads = 4;
  options.tls = {certs_.cert, certs_.key};
  auto server = collector::CollectorServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  std::string token;
  std::ifstream(dir_.Sub("data/operator.token")) >> token;

  auto stats = [&](std::shared_ptr<grpc::ChannelCredentials> creds) {
    auto stub = v1::ComparisonService::NewStub(grpc::CreateChannel((*server)->address(), creds));
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::Stats out;
    return stub->GetStats(&ctx, v1::GetStatsRequest(), &out);
  };
  grpc::Status trusted = stats(*MakeChannelCredentials(certs_.ca));
  EXPECT_TRUE(trusted.ok()) << trusted.error_message();
  EXPECT_EQ(stats(*MakeChannelCredentials(certs_.other_ca)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(stats(grpc::InsecureChannelCredentials()).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, ServerWithBadKeyDoesNotStart) {
  collector::CollectorServerOptions options;
  options.listen = "127.0.0.1:0";
  options.collector.data_dir = dir_.Sub("data");
  options.tls = {certs_.cert, certs_.other_key};
  auto server = collector::CollectorServer::Start(options);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(server.status().message(), "--tls-key")) << server.status();
}

}  // namespace
}  // namespace shammie::services
