// What scheduler-facing commands share: the address (--scheduler, default
// 127.0.0.1:50054), a call context, and reporting a failed RPC the way
// collector_client.h's Fail does (exit 2 for INVALID_ARGUMENT, else 1).
#ifndef SHAMMIE_SERVICES_CLI_SERVICE_CLIENTS_H_
#define SHAMMIE_SERVICES_CLI_SERVICE_CLIENTS_H_

#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "services/cli/args.h"
#include "shammie/v1/scheduler.grpc.pb.h"

namespace shammie::cli {

inline constexpr char kDefaultScheduler[] = "127.0.0.1:50054";

// --scheduler ADDR.
std::unique_ptr<v1::Scheduler::Stub> SchedulerStub(Args& args);
// A context with a deadline `deadline_seconds` from now (0 = none). The
// scheduler listens on loopback and takes no token (docs/operators.md).
std::unique_ptr<grpc::ClientContext> SchedulerContext(int deadline_seconds = 30);
// Fail() for a gRPC status.
int FailRpc(const char* command, const grpc::Status& status);

}  // namespace shammie::cli

#endif  // SHAMMIE_SERVICES_CLI_SERVICE_CLIENTS_H_
