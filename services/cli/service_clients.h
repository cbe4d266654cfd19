// How CLI commands reach the services: the address flags (--scheduler,
// --collector) with the documented default ports, the bearer token
// (--token-file, else $SHAMMIE_TOKEN), and printing a failed call.
#ifndef SHAMMIE_SERVICES_CLI_SERVICE_CLIENTS_H_
#define SHAMMIE_SERVICES_CLI_SERVICE_CLIENTS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "services/cli/args.h"
#include "shammie/v1/collector.grpc.pb.h"
#include "shammie/v1/scheduler.grpc.pb.h"

namespace shammie::cli {

// --scheduler ADDR (default 127.0.0.1:50054).
std::unique_ptr<v1::Scheduler::Stub> SchedulerStub(Args& args);
// --collector ADDR (default 127.0.0.1:50051).
std::unique_ptr<v1::ComparisonService::Stub> CollectorStub(Args& args);
// --token-file FILE, else $SHAMMIE_TOKEN; empty when neither.
// INVALID_ARGUMENT naming --token-file when the file cannot be read.
absl::StatusOr<std::string> BearerToken(Args& args);
// A context with the token (if any) and a deadline.
std::unique_ptr<grpc::ClientContext> CallContext(const std::string& token,
                                                 int deadline_seconds = 30);
// Prints "shammie <command>: CODE: message" to stderr; returns exit code 1.
int PrintError(const char* command, const grpc::Status& status);
int PrintError(const char* command, const absl::Status& status);

}  // namespace shammie::cli

#endif  // SHAMMIE_SERVICES_CLI_SERVICE_CLIENTS_H_
