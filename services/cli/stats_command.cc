// `shammie stats`: the collector's counters as JSON (protobuf's JSON mapping
// of shammie.v1.Stats), for people and for scripts.
#include <cstdio>
#include <string>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "services/cli/collector_client.h"
#include "services/common/grpc_status.h"

namespace shammie::cli {

int RunStats(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv);
  if (!args.ok()) return Fail("stats", args.status());
  if (args->GetBool("help")) {
    std::puts("usage: shammie stats [--server ADDR] [--token-file F]");
    return 0;
  }
  auto client = ConnectCollector(*args);
  if (!client.ok()) return Fail("stats", client.status());
  if (absl::Status st = args->CheckNoUnused(); !st.ok()) return Fail("stats", st);
  v1::Stats stats;
  grpc::Status s = client->stub->GetStats(client->Context().get(), v1::GetStatsRequest(), &stats);
  if (!s.ok()) return Fail("stats", services::FromGrpcStatus(s));
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(stats, &json, options);
  std::fputs(json.c_str(), stdout);
  return 0;
}

}  // namespace shammie::cli
