// `shammie trigger [--key K] [--scheduler ADDR]`: start an iteration now.
// The same --key returns the iteration it started before (safe to retry);
// while another iteration runs, the scheduler answers FAILED_PRECONDITION.
#include <cstdio>

#include "services/cli/iteration_report.h"
#include "services/cli/collector_client.h"
#include "services/cli/service_clients.h"

namespace shammie::cli {

int RunTrigger(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv);
  if (!args.ok()) return Fail("trigger", args.status());
  if (args->GetBool("help")) {
    std::printf(
        "usage: shammie trigger [--key K] [--scheduler 127.0.0.1:50054] --token-file F "
        "[--tls-ca F]\n");
    return 0;
  }
  v1::TriggerIterationRequest req;
  req.set_key(args->Get("key"));
  auto client = ConnectScheduler(*args);
  if (!client.ok()) return Fail("trigger", client.status());
  if (absl::Status s = args->CheckNoUnused(); !s.ok()) return Fail("trigger", s);
  v1::Iteration it;
  grpc::Status s = client->stub->TriggerIteration(client->Context().get(), req, &it);
  if (!s.ok()) return FailRpc("trigger", s);
  std::printf("%s\n", StatusLine(it).c_str());
  return 0;
}

}  // namespace shammie::cli
