// `shammie audit [--limit N]`: the collector's audit log of operator actions
// (token create/revoke, imports, deploys, iteration triggers and cancels,
// schedule changes), newest first: when, who, what, target, detail.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "services/cli/collector_client.h"
#include "services/common/grpc_status.h"

namespace shammie::cli {

int RunAudit(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv);
  if (!args.ok()) return Fail("audit", args.status());
  if (args->GetBool("help")) {
    std::printf(
        "usage: shammie audit [--limit 100] [--server ADDR] [--token-file F] [--tls-ca F]\n");
    return 0;
  }
  auto limit = args->GetInt("limit", 100);
  if (!limit.ok()) return Fail("audit", limit.status());
  if (*limit < 1 || *limit > 10000) {
    return Fail("audit", absl::InvalidArgumentError("--limit: must be 1 to 10000"));
  }
  auto client = ConnectCollector(*args);
  if (!client.ok()) return Fail("audit", client.status());
  if (absl::Status st = args->CheckNoUnused(); !st.ok()) return Fail("audit", st);
  v1::ListAuditRequest req;
  req.set_limit(static_cast<uint32_t>(*limit));
  v1::ListAuditResponse resp;
  grpc::Status s = client->stub->ListAudit(client->Context().get(), req, &resp);
  if (!s.ok()) return Fail("audit", services::FromGrpcStatus(s));
  std::printf("%-20s %-20s %-9s %-19s %-24s %s\n", "TIME", "WHO", "ROLE", "WHAT", "TARGET",
              "DETAIL");
  for (const v1::AuditEntry& e : resp.entries()) {
    std::printf("%-20s %-20s %-9s %-19s %-24s %s\n",
                absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(e.time().seconds()),
                                 absl::UTCTimeZone())
                    .c_str(),
                e.actor().c_str(),
                absl::AsciiStrToLower(v1::TokenRole_Name(e.actor_role())).c_str(),
                e.action().c_str(), e.target().c_str(), e.detail().c_str());
  }
  return 0;
}

}  // namespace shammie::cli
