#include "services/cli/service_clients.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/grpc_status.h"

namespace shammie::cli {

std::unique_ptr<v1::Scheduler::Stub> SchedulerStub(Args& args) {
  return v1::Scheduler::NewStub(grpc::CreateChannel(args.Get("scheduler", "127.0.0.1:50054"),
                                                    grpc::InsecureChannelCredentials()));
}

std::unique_ptr<v1::ComparisonService::Stub> CollectorStub(Args& args) {
  return v1::ComparisonService::NewStub(grpc::CreateChannel(
      args.Get("collector", "127.0.0.1:50051"), grpc::InsecureChannelCredentials()));
}

absl::StatusOr<std::string> BearerToken(Args& args) {
  std::string file = args.Get("token-file");
  if (file.empty()) {
    const char* env = std::getenv("SHAMMIE_TOKEN");
    return std::string(env ? env : "");
  }
  std::ifstream in(file);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("--token-file: cannot read ", file));
  std::stringstream ss;
  ss << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(ss.str()));
}

std::unique_ptr<grpc::ClientContext> CallContext(const std::string& token, int deadline_seconds) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  if (deadline_seconds > 0) {
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(deadline_seconds)));
  }
  return ctx;
}

int PrintError(const char* command, const grpc::Status& status) {
  return PrintError(command, services::FromGrpcStatus(status));
}

int PrintError(const char* command, const absl::Status& status) {
  std::fprintf(stderr, "shammie %s: %s\n", command, status.ToString().c_str());
  return 1;
}

}  // namespace shammie::cli
