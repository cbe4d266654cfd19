// `shammie token create --role labeler|operator|service --name NAME [--ttl 30d]`
// prints the new token's secret (shown once; only its hash is stored).
// `shammie token revoke --name NAME` (or `token revoke NAME`) revokes it; the
// next request with it is refused.
// `shammie token list` shows every token's name, role, created, last used and
// expiry — never a secret.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "services/cli/collector_client.h"
#include "services/common/grpc_status.h"
#include "services/scheduler/cadence.h"

namespace shammie::cli {

namespace {

constexpr char kUsage[] =
    "usage: shammie token create --role labeler|operator|service --name NAME [--ttl 30d]\n"
    "                            [--server ADDR] [--token-file F] [--tls-ca F]\n"
    "       shammie token revoke --name NAME [--server ADDR] [--token-file F] [--tls-ca F]\n"
    "       shammie token list [--server ADDR] [--token-file F] [--tls-ca F]\n"
    "--ttl: 30s, 90m, 12h, 30d, 2w (default: never expires)\n";

absl::StatusOr<v1::TokenRole> ParseRole(const std::string& role) {
  const std::string r = absl::AsciiStrToLower(role);
  if (r == "labeler") return v1::LABELER;
  if (r == "operator") return v1::OPERATOR;
  if (r == "service") return v1::SERVICE;
  return absl::InvalidArgumentError(
      absl::StrCat("--role: \"", role, "\" is not one of labeler, operator, service"));
}

// "2026-11-28T09:15:00Z", or `none` for an unset time.
std::string When(bool set, const google::protobuf::Timestamp& t, const char* none) {
  if (!set) return none;
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

int List(CollectorClient& client) {
  v1::ListTokensResponse list;
  grpc::Status s = client.stub->ListTokens(client.Context().get(), v1::ListTokensRequest(), &list);
  if (!s.ok()) return Fail("token", services::FromGrpcStatus(s));
  std::printf("%-24s %-9s %-21s %-21s %s\n", "NAME", "ROLE", "CREATED", "LAST USED", "EXPIRES");
  const absl::Time now = absl::Now();
  for (const v1::Token& t : list.tokens()) {
    std::string expires = When(t.has_expires_at(), t.expires_at(), "never");
    if (t.has_expires_at() && absl::FromUnixSeconds(t.expires_at().seconds()) <= now) {
      absl::StrAppend(&expires, " (expired)");
    }
    std::printf("%-24s %-9s %-21s %-21s %s\n", t.name().c_str(),
                absl::AsciiStrToLower(v1::TokenRole_Name(t.role())).c_str(),
                When(t.has_created_at(), t.created_at(), "-").c_str(),
                When(t.has_last_used_at(), t.last_used_at(), "never").c_str(), expires.c_str());
  }
  return 0;
}

}  // namespace

int RunToken(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv);
  if (!args.ok()) return Fail("token", args.status());
  if (args->GetBool("help") || args->positional().empty()) {
    std::fputs(kUsage, args->GetBool("help") ? stdout : stderr);
    return args->GetBool("help") ? 0 : 2;
  }
  const std::string action = args->positional()[0];
  if (action == "list") {
    auto client = ConnectCollector(*args);
    if (!client.ok()) return Fail("token", client.status());
    if (absl::Status st = args->CheckNoUnused(); !st.ok()) return Fail("token", st);
    return List(*client);
  }
  std::string name = args->Get("name");
  if (name.empty() && args->positional().size() > 1) name = args->positional()[1];
  if (action == "create") {
    auto role = ParseRole(args->Get("role", "labeler"));
    if (!role.ok()) return Fail("token", role.status());
    v1::CreateTokenRequest req;
    if (const std::string ttl = args->Get("ttl"); !ttl.empty()) {
      auto d = scheduler::ParsePeriod(ttl, "--ttl");
      if (!d.ok()) return Fail("token", d.status());
      *req.mutable_ttl() =
          google::protobuf::util::TimeUtil::SecondsToDuration(absl::ToInt64Seconds(*d));
    }
    auto client = ConnectCollector(*args);
    if (!client.ok()) return Fail("token", client.status());
    if (absl::Status st = args->CheckNoUnused(); !st.ok()) return Fail("token", st);
    req.set_name(name);
    req.set_role(*role);
    v1::Token token;
    grpc::Status s = client->stub->CreateToken(client->Context().get(), req, &token);
    if (!s.ok()) return Fail("token", services::FromGrpcStatus(s));
    std::printf("%s\n", token.secret().c_str());
    if (token.has_expires_at()) {
      std::fprintf(stderr, "token \"%s\" expires %s\n", name.c_str(),
                   When(true, token.expires_at(), "").c_str());
    }
    return 0;
  }
  if (action == "revoke") {
    auto client = ConnectCollector(*args);
    if (!client.ok()) return Fail("token", client.status());
    if (absl::Status st = args->CheckNoUnused(); !st.ok()) return Fail("token", st);
    v1::RevokeTokenRequest req;
    req.set_name(name);
    v1::RevokeTokenResponse resp;
    grpc::Status s = client->stub->RevokeToken(client->Context().get(), req, &resp);
    if (!s.ok()) return Fail("token", services::FromGrpcStatus(s));
    std::fprintf(stderr, "revoked token \"%s\"\n", name.c_str());
    return 0;
  }
  std::fputs(kUsage, stderr);
  return 2;
}

}  // namespace shammie::cli
