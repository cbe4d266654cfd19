// `shammie status [ID] [--scheduler ADDR]`: one iteration in detail, or every
// iteration (one line each) and the schedule.
#include <cstdio>

#include "absl/time/time.h"
#include "services/cli/iteration_report.h"
#include "services/cli/collector_client.h"
#include "services/cli/service_clients.h"
#include "services/scheduler/cadence.h"

namespace shammie::cli {

int RunStatus(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv);
  if (!args.ok()) return Fail("status", args.status());
  if (args->GetBool("help")) {
    std::printf("usage: shammie status [ID] [--scheduler 127.0.0.1:50054] [--tls-ca F]\n");
    return 0;
  }
  auto client = ConnectScheduler(*args);
  if (!client.ok()) return Fail("status", client.status());
  if (absl::Status s = args->CheckNoUnused(); !s.ok()) return Fail("status", s);
  if (args->positional().size() > 1) return Fail("status", absl::InvalidArgumentError("at most one ID"));
  if (args->positional().size() == 1) {
    v1::GetIterationRequest req;
    req.set_id(args->positional()[0]);
    v1::Iteration it;
    grpc::Status s = client->stub->GetIteration(client->Context().get(), req, &it);
    if (!s.ok()) return FailRpc("status", s);
    std::printf("%s", DetailView(it).c_str());
    return 0;
  }
  v1::ListIterationsResponse list;
  grpc::Status s =
      client->stub->ListIterations(client->Context().get(), v1::ListIterationsRequest(), &list);
  if (!s.ok()) return FailRpc("status", s);
  for (const v1::Iteration& it : list.iterations()) std::printf("%s\n", StatusLine(it).c_str());
  if (list.iterations_size() == 0) std::printf("no iterations yet\n");
  v1::Schedule schedule;
  s = client->stub->GetSchedule(client->Context().get(), v1::GetScheduleRequest(), &schedule);
  if (!s.ok()) return FailRpc("status", s);
  std::printf("schedule: every %s from %s, %s\n",
              scheduler::FormatPeriod(absl::Seconds(schedule.period().seconds())).c_str(),
              absl::FormatTime(absl::RFC3339_sec, absl::FromUnixSeconds(schedule.anchor().seconds()),
                               absl::UTCTimeZone()).c_str(),
              schedule.paused() ? "PAUSED"
                                : ("next " + absl::FormatTime(absl::RFC3339_sec,
                                                             absl::FromUnixSeconds(schedule.next_due().seconds()),
                                                             absl::UTCTimeZone())).c_str());
  return 0;
}

}  // namespace shammie::cli
