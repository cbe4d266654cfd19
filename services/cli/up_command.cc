// `shammie up --data-dir DIR`: runs the stack in this process until Ctrl-C.
// For now that is the collector on its default port (the scheduler issue
// adds the trainers, the scheduler and the simulated labelers). SIGINT or
// SIGTERM shuts down cleanly: calls in flight finish, the database closes.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/cli/collector_client.h"
#include "services/collector/collector_server.h"
#include "services/collector/operator_token.h"
#include "services/collector/wait_for_signal.h"

namespace shammie::cli {

int RunUp(const std::vector<std::string>& argv) {
  // Before any thread starts, so that every thread inherits the mask and
  // the signals reach WaitForStopSignal.
  collector::BlockStopSignals();
  auto args = Args::Parse(argv);
  if (!args.ok()) return Fail("up", args.status());
  if (args->GetBool("help")) {
    std::puts("usage: shammie up [--data-dir DIR (.shammie)] [--listen 127.0.0.1:50051] [--overlap N]");
    return 0;
  }
  collector::CollectorServerOptions options;
  options.collector.data_dir = args->Get("data-dir", ".shammie");
  options.listen = args->Get("listen", kDefaultCollector);
  auto overlap = args->GetInt("overlap", 1);
  if (!overlap.ok()) return Fail("up", overlap.status());
  if (*overlap < 1 || *overlap > 1000) return Fail("up", absl::InvalidArgumentError("--overlap: must be 1..1000"));
  options.collector.default_overlap = static_cast<uint32_t>(*overlap);
  if (absl::Status st = args->CheckNoUnused(); !st.ok()) return Fail("up", st);

  auto server = collector::CollectorServer::Start(options);
  if (!server.ok()) return Fail("up", server.status());
  std::printf("shammie is up\n  collector (gRPC): %s\n  operator token:   %s/%s\n"
              "  e.g.  shammie stats --server %s --token-file %s/%s\nCtrl-C stops.\n",
              (*server)->address().c_str(), options.collector.data_dir.c_str(), collector::kOperatorTokenFile,
              (*server)->address().c_str(), options.collector.data_dir.c_str(), collector::kOperatorTokenFile);
  std::fflush(stdout);
  const int sig = collector::WaitForStopSignal();
  std::fprintf(stderr, "shammie up: signal %d, shutting down\n", sig);
  (*server)->Shutdown();
  return 0;
}

}  // namespace shammie::cli
