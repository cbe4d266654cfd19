// What scheduler-facing commands share: the address (--scheduler, default
// 127.0.0.1:50054), TLS (--tls-ca FILE), the operator's bearer token
// (--token-file FILE or SHAMMIE_TOKEN; the scheduler asks for it on
// trigger, cancel and schedule changes), a call context, and reporting a
// failed RPC the way collector_client.h's Fail does (exit 2 for
// INVALID_ARGUMENT, else 1).
#ifndef SHAMMIE_SERVICES_CLI_SERVICE_CLIENTS_H_
#define SHAMMIE_SERVICES_CLI_SERVICE_CLIENTS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "services/cli/args.h"
#include "shammie/v1/scheduler.grpc.pb.h"

namespace shammie::cli {

inline constexpr char kDefaultScheduler[] = "127.0.0.1:50054";

struct SchedulerClient {
  std::unique_ptr<v1::Scheduler::Stub> stub;
  std::string token;  // empty when none was given (reads need none)

  // A context carrying the token (if any), with a deadline
  // `deadline_seconds` from now (0 = none).
  std::unique_ptr<grpc::ClientContext> Context(int deadline_seconds = 30) const;
};

// --scheduler ADDR, --tls-ca FILE, and the token if one is given.
// INVALID_ARGUMENT naming the flag for an unreadable --tls-ca/--token-file.
absl::StatusOr<SchedulerClient> ConnectScheduler(Args& args);
// Fail() for a gRPC status.
int FailRpc(const char* command, const grpc::Status& status);

}  // namespace shammie::cli

#endif  // SHAMMIE_SERVICES_CLI_SERVICE_CLIENTS_H_
