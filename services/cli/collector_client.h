// What every collector-facing command shares: the server address
// (--server, default 127.0.0.1:50051), TLS (--tls-ca FILE: the CA that
// signed the collector's certificate; none = plaintext), the bearer token
// (--token-file FILE, else env SHAMMIE_TOKEN), a stub, and one way to report
// failures.
#ifndef SHAMMIE_SERVICES_CLI_COLLECTOR_CLIENT_H_
#define SHAMMIE_SERVICES_CLI_COLLECTOR_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/cli/args.h"
#include "shammie/v1/collector.grpc.pb.h"

namespace shammie::cli {

inline constexpr char kDefaultCollector[] = "127.0.0.1:50051";

struct CollectorClient {
  std::string server;
  std::string token;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::ComparisonService::Stub> stub;

  // A context carrying the token, with a deadline `timeout` from now.
  std::unique_ptr<grpc::ClientContext> Context(absl::Duration timeout = absl::Seconds(60)) const;
};

// The token from --token-file FILE (whitespace trimmed) or SHAMMIE_TOKEN.
// INVALID_ARGUMENT when neither is given or the file cannot be read.
absl::StatusOr<std::string> ReadToken(Args& args);

// Reads --server, --tls-ca and the token; does not contact the server yet.
// INVALID_ARGUMENT naming the flag when a file cannot be used.
absl::StatusOr<CollectorClient> ConnectCollector(Args& args);

// Prints "shammie <command>: <message>" to stderr; returns the exit code
// (2 for INVALID_ARGUMENT — a usage or input problem — 1 otherwise).
int Fail(absl::string_view command, const absl::Status& status);

}  // namespace shammie::cli

#endif  // SHAMMIE_SERVICES_CLI_COLLECTOR_CLIENT_H_
