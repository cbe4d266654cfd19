// `shammie token create --role labeler|operator|service --name NAME` prints
// the new token's secret (shown once; only its hash is stored).
// `shammie token revoke --name NAME` (or `token revoke NAME`) revokes it.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/cli/collector_client.h"
#include "services/common/grpc_status.h"

namespace shammie::cli {

namespace {

constexpr char kUsage[] =
    "usage: shammie token create --role labeler|operator|service --name NAME [--server ADDR] "
    "[--token-file F]\n"
    "       shammie token revoke --name NAME [--server ADDR] [--token-file F]\n";

absl::StatusOr<v1::TokenRole> ParseRole(const std::string& role) {
  const std::string r = absl::AsciiStrToLower(role);
  if (r == "labeler") return v1::LABELER;
  if (r == "operator") return v1::OPERATOR;
  if (r == "service") return v1::SERVICE;
  return absl::InvalidArgumentError(
      absl::StrCat("--role: \"", role, "\" is not one of labeler, operator, service"));
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
  std::string name = args->Get("name");
  if (name.empty() && args->positional().size() > 1) name = args->positional()[1];
  if (action == "create") {
    auto role = ParseRole(args->Get("role", "labeler"));
    if (!role.ok()) return Fail("token", role.status());
    auto client = ConnectCollector(*args);
    if (!client.ok()) return Fail("token", client.status());
    if (absl::Status st = args->CheckNoUnused(); !st.ok()) return Fail("token", st);
    v1::CreateTokenRequest req;
    req.set_name(name);
    req.set_role(*role);
    v1::Token token;
    grpc::Status s = client->stub->CreateToken(client->Context().get(), req, &token);
    if (!s.ok()) return Fail("token", services::FromGrpcStatus(s));
    std::printf("%s\n", token.secret().c_str());
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
