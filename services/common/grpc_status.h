// The one place a service turns absl::Status into grpc::Status (and back,
// for clients of other services). The codes are the same numbers in both.
#ifndef SHAMMIE_SERVICES_COMMON_GRPC_STATUS_H_
#define SHAMMIE_SERVICES_COMMON_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace shammie::services {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace shammie::services

#endif  // SHAMMIE_SERVICES_COMMON_GRPC_STATUS_H_
