// `shammie bench ingest --clients 16 --seconds 10 [--inflight 1] [--no-sync]
// [--server ADDR --token-file F]`: see bench/ingest_bench.h.
#include <cstdio>
#include <string>
#include <vector>

#include "bench/ingest_bench.h"
#include "services/cli/collector_client.h"

namespace shammie::cli {

int RunBenchIngest(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, {"no-sync", "help"});
  if (!args.ok()) return Fail("bench ingest", args.status());
  if (args->GetBool("help")) {
    std::puts("usage: shammie bench ingest [--clients 16] [--seconds 10] [--inflight 1] [--no-sync]\n"
              "                            [--server ADDR --token-file F]\n"
              "Without --server, starts shammie-collector on a temp dir (durable unless --no-sync).");
    return 0;
  }
  bench::IngestBenchOptions options;
  auto clients = args->GetInt("clients", 16);
  auto inflight = args->GetInt("inflight", 1);
  auto seconds = args->GetDouble("seconds", 10);
  if (!clients.ok()) return Fail("bench ingest", clients.status());
  if (!inflight.ok()) return Fail("bench ingest", inflight.status());
  if (!seconds.ok()) return Fail("bench ingest", seconds.status());
  options.clients = static_cast<int>(*clients);
  options.inflight = static_cast<int>(*inflight);
  options.seconds = *seconds;
  options.sync = !args->GetBool("no-sync");
  options.server = args->Get("server");
  if (!options.server.empty()) {
    if (!options.sync) {
      return Fail("bench ingest", absl::InvalidArgumentError(
                                      "--no-sync applies to the collector the benchmark starts; start "
                                      "yours with `shammie-collector --no-sync` instead"));
    }
    auto token = ReadToken(*args);
    if (!token.ok()) return Fail("bench ingest", token.status());
    options.token = *token;
  }
  if (absl::Status st = args->CheckNoUnused(); !st.ok()) return Fail("bench ingest", st);
  auto result = bench::RunIngestBench(options);
  if (!result.ok()) return Fail("bench ingest", result.status());
  std::printf("%s\n", result->ToJson().c_str());
  return 0;
}

}  // namespace shammie::cli
