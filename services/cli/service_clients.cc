#include "services/cli/service_clients.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/cli/collector_client.h"
#include "services/common/grpc_status.h"
#include "services/common/tls.h"

namespace shammie::cli {

absl::StatusOr<SchedulerClient> ConnectScheduler(Args& args) {
  const std::string address = args.Get("scheduler", kDefaultScheduler);
  auto credentials = services::MakeChannelCredentials(args.Get("tls-ca"));
  if (!credentials.ok()) return credentials.status();
  SchedulerClient client;
  // A token is optional here: only state changes need one.
  if (args.Has("token-file") || std::getenv("SHAMMIE_TOKEN") != nullptr) {
    absl::StatusOr<std::string> token = ReadToken(args);
    if (!token.ok()) return token.status();
    client.token = *token;
  }
  client.stub = v1::Scheduler::NewStub(grpc::CreateChannel(address, *credentials));
  return client;
}

std::unique_ptr<grpc::ClientContext> SchedulerClient::Context(int deadline_seconds) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  if (deadline_seconds > 0) {
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(deadline_seconds)));
  }
  return ctx;
}

int FailRpc(const char* command, const grpc::Status& status) {
  return Fail(command, services::FromGrpcStatus(status));
}

}  // namespace shammie::cli
