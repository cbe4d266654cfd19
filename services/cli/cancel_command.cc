// `shammie cancel ID [--scheduler ADDR]`: cancel an iteration and the trainer
// job it is running; prints the iteration once it is CANCELLED.
#include <cstdio>

#include "services/cli/iteration_report.h"
#include "services/cli/collector_client.h"
#include "services/cli/service_clients.h"

namespace shammie::cli {

int RunCancel(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv);
  if (!args.ok()) return Fail("cancel", args.status());
  if (args->GetBool("help") || args->positional().size() != 1) {
    std::fprintf(args->GetBool("help") ? stdout : stderr,
                 "usage: shammie cancel ID [--scheduler 127.0.0.1:50054] --token-file F "
                 "[--tls-ca F]\n");
    return args->GetBool("help") ? 0 : 2;
  }
  auto client = ConnectScheduler(*args);
  if (!client.ok()) return Fail("cancel", client.status());
  if (absl::Status s = args->CheckNoUnused(); !s.ok()) return Fail("cancel", s);
  v1::CancelIterationRequest req;
  req.set_id(args->positional()[0]);
  v1::Iteration it;
  grpc::Status s = client->stub->CancelIteration(client->Context(90).get(), req, &it);
  if (!s.ok()) return FailRpc("cancel", s);
  std::printf("%s\n", StatusLine(it).c_str());
  return 0;
}

}  // namespace shammie::cli
