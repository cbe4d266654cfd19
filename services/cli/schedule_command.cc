// `shammie schedule [show] | pause | resume | set [--period P] [--anchor T]`
// [--scheduler ADDR]: the cadence of automatic iterations. Periods like 30s,
// 90m, 7d, 2w; anchors in RFC 3339 (2026-11-30T00:00:00Z).
#include <cstdio>

#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "services/cli/collector_client.h"
#include "services/cli/service_clients.h"
#include "services/scheduler/cadence.h"

namespace shammie::cli {
namespace {

void PrintSchedule(const v1::Schedule& s) {
  std::printf("period  %s\n", scheduler::FormatPeriod(absl::Seconds(s.period().seconds())).c_str());
  std::printf("anchor  %s\n", absl::FormatTime(absl::RFC3339_sec, absl::FromUnixSeconds(s.anchor().seconds()),
                                               absl::UTCTimeZone()).c_str());
  std::printf("state   %s\n", s.paused() ? "paused" : "active");
  if (s.has_next_due()) {
    std::printf("next    %s\n", absl::FormatTime(absl::RFC3339_sec,
                                                 absl::FromUnixSeconds(s.next_due().seconds()),
                                                 absl::UTCTimeZone()).c_str());
  }
}

}  // namespace

int RunSchedule(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv);
  if (!args.ok()) return Fail("schedule", args.status());
  const std::string action = args->positional().empty() ? "show" : args->positional()[0];
  if (args->GetBool("help") || args->positional().size() > 1 ||
      (action != "show" && action != "pause" && action != "resume" && action != "set")) {
    std::fprintf(args->GetBool("help") ? stdout : stderr,
                 "usage: shammie schedule [show|pause|resume|set --period P --anchor T] "
                 "[--scheduler 127.0.0.1:50054] [--token-file F] [--tls-ca F]\n");
    return args->GetBool("help") ? 0 : 2;
  }
  std::string period_text = args->Get("period");
  std::string anchor_text = args->Get("anchor");
  auto client = ConnectScheduler(*args);
  if (!client.ok()) return Fail("schedule", client.status());
  if (absl::Status s = args->CheckNoUnused(); !s.ok()) return Fail("schedule", s);
  if (action != "set" && (!period_text.empty() || !anchor_text.empty())) {
    return Fail("schedule", absl::InvalidArgumentError("--period/--anchor go with `set`"));
  }

  v1::Schedule current;
  grpc::Status s =
      client->stub->GetSchedule(client->Context().get(), v1::GetScheduleRequest(), &current);
  if (!s.ok()) return FailRpc("schedule", s);
  if (action == "show") {
    PrintSchedule(current);
    return 0;
  }
  v1::Schedule req;
  req.set_paused(action == "pause" || (action == "set" && current.paused()));
  using google::protobuf::util::TimeUtil;
  if (!period_text.empty()) {
    auto p = scheduler::ParsePeriod(period_text, "--period");
    if (!p.ok()) return Fail("schedule", p.status());
    *req.mutable_period() = TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(*p));
  }
  if (!anchor_text.empty()) {
    auto a = scheduler::ParseAnchor(anchor_text, "--anchor");
    if (!a.ok()) return Fail("schedule", a.status());
    *req.mutable_anchor() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(*a));
  }
  v1::Schedule updated;
  s = client->stub->SetSchedule(client->Context().get(), req, &updated);
  if (!s.ok()) return FailRpc("schedule", s);
  PrintSchedule(updated);
  return 0;
}

}  // namespace shammie::cli
