// The one place the collector turns absl::Status into grpc::Status.
// Codes map one to one (both follow google.rpc.Code); the message is kept.
#ifndef SHAMMIE_SERVICES_COLLECTOR_STATUS_MAPPING_H_
#define SHAMMIE_SERVICES_COLLECTOR_STATUS_MAPPING_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace shammie::collector {

grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for clients (CLI, bench, tests) that speak absl::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_STATUS_MAPPING_H_
