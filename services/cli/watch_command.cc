// `shammie watch ID [--scheduler ADDR]`: live progress of an iteration until
// it ends. Exit code 0 when it SUCCEEDED, 1 when it FAILED or was CANCELLED.
// On a terminal the line is rewritten in place; otherwise one line per change.
#include <unistd.h>

#include <cstdio>

#include "services/cli/iteration_report.h"
#include "services/cli/collector_client.h"
#include "services/cli/service_clients.h"

namespace shammie::cli {

int RunWatch(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv);
  if (!args.ok()) return Fail("watch", args.status());
  if (args->GetBool("help") || args->positional().size() != 1) {
    std::fprintf(args->GetBool("help") ? stdout : stderr,
                 "usage: shammie watch ID [--scheduler 127.0.0.1:50054] [--tls-ca F]\n");
    return args->GetBool("help") ? 0 : 2;
  }
  auto client = ConnectScheduler(*args);
  if (!client.ok()) return Fail("watch", client.status());
  if (absl::Status s = args->CheckNoUnused(); !s.ok()) return Fail("watch", s);
  v1::WatchIterationRequest req;
  req.set_id(args->positional()[0]);
  auto ctx = client->Context(/*deadline_seconds=*/0);  // as long as the iteration runs
  auto reader = client->stub->WatchIteration(ctx.get(), req);
  const bool tty = isatty(STDOUT_FILENO);
  v1::Iteration it;
  v1::IterationStage last_stage = v1::STAGE_UNSPECIFIED;
  while (reader->Read(&it)) {
    std::string line = StatusLine(it);
    if (tty) {
      // A new stage keeps the finished line; progress overwrites in place.
      if (last_stage != v1::STAGE_UNSPECIFIED && it.stage() != last_stage) std::printf("\n");
      std::printf("\r\033[K%s", line.c_str());
    } else {
      std::printf("%s\n", line.c_str());
    }
    std::fflush(stdout);
    last_stage = it.stage();
  }
  if (tty) std::printf("\n");
  grpc::Status s = reader->Finish();
  if (!s.ok()) return FailRpc("watch", s);
  return it.stage() == v1::SUCCEEDED ? 0 : 1;
}

}  // namespace shammie::cli
