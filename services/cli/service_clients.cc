#include "services/cli/service_clients.h"

#include "absl/time/clock.h"
#include "services/cli/collector_client.h"
#include "services/common/grpc_status.h"

namespace shammie::cli {

std::unique_ptr<v1::Scheduler::Stub> SchedulerStub(Args& args) {
  return v1::Scheduler::NewStub(grpc::CreateChannel(args.Get("scheduler", kDefaultScheduler),
                                                    grpc::InsecureChannelCredentials()));
}

std::unique_ptr<grpc::ClientContext> SchedulerContext(int deadline_seconds) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (deadline_seconds > 0) {
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(deadline_seconds)));
  }
  return ctx;
}

int FailRpc(const char* command, const grpc::Status& status) {
  return Fail(command, services::FromGrpcStatus(status));
}

}  // namespace shammie::cli
