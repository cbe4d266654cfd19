// Token lifetimes and the audit log, through the collector's real gRPC API
// and HTTP JSON API on loopback (RocksDB in a temp dir, a manual clock):
// expiry (UNAUTHENTICATED / 401 saying "expired"), listing without secrets,
// last-used times, revocation on the very next request (including a stream
// already authenticated), the audit log's who/what/target, and the roles
// each new RPC allows.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "services/collector/http_server.h"
#include "tests/lib/collector_fixture.h"

namespace shammie::collector {
namespace {

using google::protobuf::util::TimeUtil;

class CollectorTokensTest : public testing::CollectorFixture {
 protected:
  void Customize(CollectorServerOptions* options) override {
    options->collector.clock = &clock_;
    options->max_exports_per_client = 1;
  }

  v1::Token Create(const std::string& name, v1::TokenRole role, int64_t ttl_seconds = 0) {
    v1::CreateTokenRequest req;
    req.set_name(name);
    req.set_role(role);
    if (ttl_seconds) *req.mutable_ttl() = TimeUtil::SecondsToDuration(ttl_seconds);
    v1::Token token;
    grpc::Status s = stub_->CreateToken(As(operator_token_).get(), req, &token);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return token;
  }

  grpc::Status Stats(const std::string& secret) {
    v1::Stats stats;
    return stub_->GetStats(As(secret).get(), v1::GetStatsRequest(), &stats);
  }

  std::vector<v1::AuditEntry> Audit() {
    v1::ListAuditResponse resp;
    grpc::Status s = stub_->ListAudit(As(operator_token_).get(), v1::ListAuditRequest(), &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.entries().begin(), resp.entries().end()};
  }

  // Comparisons for export tests: enough bytes that an unread stream stalls
  // on flow control instead of finishing into the socket buffers.
  void ImportMany(int n) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + operator_token_);
    v1::ImportSummary summary;
    auto writer = stub_->ImportComparisons(&ctx, &summary);
    const std::string text(2000, 'x');
    for (int i = 0; i < n; ++i) {
      v1::Comparison c;
      auto* turn = c.mutable_context()->add_turns();
      turn->set_role(v1::HUMAN);
      turn->set_text(text);
      c.mutable_response_a()->set_text(text);
      c.mutable_response_b()->set_text(text);
      c.set_preference(1 + i % 8);
      ASSERT_TRUE(writer->Write(c));
    }
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  common::ManualClock clock_{absl::FromUnixSeconds(1'800'000'000)};
};

TEST_F(CollectorTokensTest, ExpiredTokenIsUnauthenticatedSayingExpired) {
  v1::Token t = Create("temp", v1::LABELER, /*ttl_seconds=*/3600);
  ASSERT_TRUE(t.has_expires_at());
  EXPECT_EQ(t.expires_at().seconds(), 1'800'000'000 + 3600);
  EXPECT_TRUE(Stats(t.secret()).ok());
  clock_.Advance(absl::Minutes(59));
  EXPECT_TRUE(Stats(t.secret()).ok());
  clock_.Advance(absl::Minutes(1));
  grpc::Status s = Stats(t.secret());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "expired")) << s.error_message();
  // A token without a ttl lives on.
  v1::Token forever = Create("forever", v1::LABELER);
  EXPECT_FALSE(forever.has_expires_at());
  clock_.Advance(absl::Hours(24 * 3650));
  EXPECT_TRUE(Stats(forever.secret()).ok());
}

TEST_F(CollectorTokensTest, ExpiredTokenIs401OverHttp) {
  v1::Token t = Create("web", v1::LABELER, 60);
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  auto http = HttpServer::Start(server_->collector(), options);
  ASSERT_TRUE(http.ok()) << http.status();
  httplib::Client client("127.0.0.1", (*http)->port());
  httplib::Headers headers{{"Authorization", "Bearer " + t.secret()}};
  auto ok = client.Get("/api/v1/me", headers);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  clock_.Advance(absl::Seconds(61));
  auto expired = client.Get("/api/v1/me", headers);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 401);
  EXPECT_TRUE(absl::StrContains(expired->body, "expired")) << expired->body;
  (*http)->Shutdown();
}

TEST_F(CollectorTokensTest, NegativeTtlIsInvalidArgumentNamingTtl) {
  v1::CreateTokenRequest req;
  req.set_name("bad");
  req.set_role(v1::LABELER);
  req.mutable_ttl()->set_seconds(-5);
  v1::Token token;
  grpc::Status s = stub_->CreateToken(As(operator_token_).get(), req, &token);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "ttl:")) << s.error_message();
}

TEST_F(CollectorTokensTest, ListShowsRolesTimesAndNeverSecrets) {
  v1::Token alice = Create("alice", v1::LABELER, 86400);
  Create("trainer", v1::SERVICE);
  clock_.Advance(absl::Minutes(5));
  ASSERT_TRUE(Stats(alice.secret()).ok());
  v1::ListTokensResponse list;
  grpc::Status s = stub_->ListTokens(As(operator_token_).get(), v1::ListTokensRequest(), &list);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(list.tokens_size(), 3);  // alice, operator, trainer (by name)
  EXPECT_EQ(list.tokens(0).name(), "alice");
  EXPECT_EQ(list.tokens(0).role(), v1::LABELER);
  EXPECT_EQ(list.tokens(0).expires_at().seconds(), 1'800'000'000 + 86400);
  EXPECT_EQ(list.tokens(0).last_used_at().seconds(), 1'800'000'000 + 300);
  EXPECT_EQ(list.tokens(1).name(), "operator");
  EXPECT_EQ(list.tokens(2).name(), "trainer");
  EXPECT_FALSE(list.tokens(2).has_last_used_at());
  EXPECT_FALSE(list.tokens(2).has_expires_at());
  for (const v1::Token& t : list.tokens()) EXPECT_TRUE(t.secret().empty()) << t.name();
  EXPECT_EQ(list.SerializeAsString().find(alice.secret()), std::string::npos);

  // Last used is kept to the minute: a use 30 s later does not move it.
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(Stats(alice.secret()).ok());
  ASSERT_TRUE(stub_->ListTokens(As(operator_token_).get(), v1::ListTokensRequest(), &list).ok());
  EXPECT_EQ(list.tokens(0).last_used_at().seconds(), 1'800'000'000 + 300);
}

TEST_F(CollectorTokensTest, OnlyOperatorsListTokensAndAudit) {
  v1::Token labeler = Create("lab", v1::LABELER);
  v1::Token service = Create("svc", v1::SERVICE);
  for (const std::string& secret : {labeler.secret(), service.secret()}) {
    v1::ListTokensResponse list;
    EXPECT_EQ(stub_->ListTokens(As(secret).get(), v1::ListTokensRequest(), &list).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    v1::ListAuditResponse audit;
    EXPECT_EQ(stub_->ListAudit(As(secret).get(), v1::ListAuditRequest(), &audit).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    v1::RecordOperatorActionRequest action;
    action.set_action("iteration.trigger");
    v1::AuditEntry entry;
    EXPECT_EQ(stub_->RecordOperatorAction(As(secret).get(), action, &entry).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  v1::ListTokensResponse list;
  EXPECT_EQ(stub_->ListTokens(As("").get(), v1::ListTokensRequest(), &list).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(CollectorTokensTest, RevocationHoldsOnTheNextRequestOverGrpcAndHttp) {
  v1::Token t = Create("gone", v1::LABELER);
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  auto http = HttpServer::Start(server_->collector(), options);
  ASSERT_TRUE(http.ok()) << http.status();
  httplib::Client client("127.0.0.1", (*http)->port());
  httplib::Headers headers{{"Authorization", "Bearer " + t.secret()}};
  ASSERT_EQ(client.Get("/api/v1/me", headers)->status, 200);
  ASSERT_TRUE(Stats(t.secret()).ok());

  v1::RevokeTokenRequest req;
  req.set_name("gone");
  v1::RevokeTokenResponse resp;
  ASSERT_TRUE(stub_->RevokeToken(As(operator_token_).get(), req, &resp).ok());
  // No sleep, no cache to expire: the very next request is refused.
  EXPECT_EQ(Stats(t.secret()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(client.Get("/api/v1/me", headers)->status, 401);
  (*http)->Shutdown();
}

TEST_F(CollectorTokensTest, RevocationStopsAnExportAlreadyStreaming) {
  ImportMany(3000);  // ~18 MB: more than the transport buffers
  v1::Token t = Create("exporter", v1::SERVICE);
  auto ctx = As(t.secret());
  auto reader = stub_->ExportComparisons(ctx.get(), v1::ExportComparisonsRequest());
  v1::Comparison c;
  ASSERT_TRUE(reader->Read(&c));  // authenticated and streaming
  v1::RevokeTokenRequest req;
  req.set_name("exporter");
  v1::RevokeTokenResponse resp;
  ASSERT_TRUE(stub_->RevokeToken(As(operator_token_).get(), req, &resp).ok());
  // The stream re-checks its token every kExportReauthInterval (real time).
  absl::SleepFor(kExportReauthInterval + absl::Milliseconds(300));
  int read = 1;
  while (reader->Read(&c)) ++read;
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  EXPECT_LT(read, 3000);
}

TEST_F(CollectorTokensTest, SecondConcurrentExportOfOneClientIsResourceExhausted) {
  ImportMany(3000);
  v1::Token a = Create("reader-a", v1::SERVICE);
  v1::Token b = Create("reader-b", v1::SERVICE);
  auto ctx1 = As(a.secret());
  auto first = stub_->ExportComparisons(ctx1.get(), v1::ExportComparisonsRequest());
  v1::Comparison c;
  ASSERT_TRUE(first->Read(&c));  // holds its slot: stalled on flow control

  grpc::Status second;
  ExportAll(a.secret(), 0, 0, &second);
  EXPECT_EQ(second.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << second.error_message();
  EXPECT_TRUE(absl::StrContains(second.error_message(), "limit is 1")) << second.error_message();

  // Per client: another token exports meanwhile.
  grpc::Status other;
  EXPECT_EQ(ExportAll(b.secret(), 0, 10, &other).size(), 10u);
  EXPECT_TRUE(other.ok()) << other.error_message();

  // Once the first stream ends, its slot is free again.
  ctx1->TryCancel();
  while (first->Read(&c)) {
  }
  first->Finish();
  grpc::Status third;
  for (int i = 0; i < 50; ++i) {  // the server notices the cancel asynchronously
    ExportAll(a.secret(), 0, 5, &third);
    if (third.ok()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(third.ok()) << third.error_message();
}

TEST_F(CollectorTokensTest, AuditRecordsWhoDidWhatToWhich) {
  v1::Token ops2 = Create("ops2", v1::OPERATOR, 7 * 86400);
  v1::CreateTokenRequest create;
  create.set_name("bob");
  create.set_role(v1::LABELER);
  v1::Token bob;
  ASSERT_TRUE(stub_->CreateToken(As(ops2.secret()).get(), create, &bob).ok());
  v1::RevokeTokenRequest revoke;
  revoke.set_name("bob");
  v1::RevokeTokenResponse revoked;
  ASSERT_TRUE(stub_->RevokeToken(As(ops2.secret()).get(), revoke, &revoked).ok());
  v1::RecordOperatorActionRequest action;
  action.set_action("iteration.cancel");
  action.set_target("iter-0007");
  v1::AuditEntry entry;
  ASSERT_TRUE(stub_->RecordOperatorAction(As(ops2.secret()).get(), action, &entry).ok());
  EXPECT_EQ(entry.actor(), "ops2");
  // A failed action is not recorded.
  ASSERT_FALSE(stub_->RevokeToken(As(ops2.secret()).get(), revoke, &revoked).ok());

  std::vector<v1::AuditEntry> log = Audit();
  ASSERT_EQ(log.size(), 4u);  // newest first
  EXPECT_EQ(log[0].action(), "iteration.cancel");
  EXPECT_EQ(log[0].target(), "iter-0007");
  EXPECT_EQ(log[1].action(), "token.revoke");
  EXPECT_EQ(log[1].target(), "bob");
  EXPECT_EQ(log[1].actor(), "ops2");
  EXPECT_EQ(log[1].actor_role(), v1::OPERATOR);
  EXPECT_EQ(log[2].action(), "token.create");
  EXPECT_EQ(log[2].target(), "bob");
  EXPECT_TRUE(absl::StrContains(log[2].detail(), "LABELER")) << log[2].detail();
  EXPECT_EQ(log[3].action(), "token.create");
  EXPECT_EQ(log[3].actor(), "operator");
  EXPECT_EQ(log[3].target(), "ops2");
  EXPECT_EQ(log[3].time().seconds(), 1'800'000'000);
  EXPECT_EQ(log[0].seq(), 4u);

  // The log survives a restart and keeps numbering.
  RestartServer();
  log = Audit();
  ASSERT_EQ(log.size(), 4u);
  ASSERT_TRUE(stub_->RecordOperatorAction(As(operator_token_).get(), action, &entry).ok());
  EXPECT_EQ(entry.seq(), 5u);
}

TEST_F(CollectorTokensTest, BadAuditRequestsNameTheField) {
  v1::ListAuditRequest req;
  req.set_limit(10001);
  v1::ListAuditResponse resp;
  grpc::Status s = stub_->ListAudit(As(operator_token_).get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "limit:")) << s.error_message();
  v1::RecordOperatorActionRequest action;
  action.set_action("Drop Tables");
  v1::AuditEntry entry;
  s = stub_->RecordOperatorAction(As(operator_token_).get(), action, &entry);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "action:")) << s.error_message();
  EXPECT_TRUE(Audit().empty());
}

}  // namespace
}  // namespace shammie::collector
