// `shammie trigger [--key K] [--scheduler ADDR]`: start an iteration now.
// The same --key returns the iteration it started before (safe to retry);
// while another iteration runs, the scheduler answers FAILED_PRECONDITION.
#include <cstdio>

#include "services/cli/iteration_report.h"
#include "services/cli/service_clients.h"

namespace shammie::cli {

int RunTrigger(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv);
  if (!args.ok()) return PrintError("trigger", args.status()) + 1;
  if (args->GetBool("help")) {
    std::printf("usage: shammie trigger [--key K] [--scheduler 127.0.0.1:50054]\n");
    return 0;
  }
  v1::TriggerIterationRequest req;
  req.set_key(args->Get("key"));
  auto stub = SchedulerStub(*args);
  if (absl::Status s = args->CheckNoUnused(); !s.ok()) return PrintError("trigger", s) + 1;
  v1::Iteration it;
  grpc::Status s = stub->TriggerIteration(CallContext("").get(), req, &it);
  if (!s.ok()) return PrintError("trigger", s);
  std::printf("%s\n", StatusLine(it).c_str());
  return 0;
}

}  // namespace shammie::cli
