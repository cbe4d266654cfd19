// The PM trainer's view of the collector: its watermark and the comparisons
// up to it, over gRPC with a bearer token (a `service` or operator token).
//
// Thread-safe: each call makes its own context on a shared channel.
#ifndef SHAMMIE_SERVICES_PM_TRAINER_COLLECTOR_CLIENT_H_
#define SHAMMIE_SERVICES_PM_TRAINER_COLLECTOR_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/security/credentials.h"
#include "shammie/v1/collector.grpc.pb.h"

namespace shammie::pm_trainer {

class CollectorClient {
 public:
  // `address` host:port; `token` the bearer secret (may be empty);
  // `credentials` TLS or not (null = plaintext, services/common/tls.h);
  // `export_timeout` the deadline of a whole Export (a stuck collector is
  // DEADLINE_EXCEEDED, not a hang).
  CollectorClient(const std::string& address, const std::string& token,
                  std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr,
                  absl::Duration export_timeout = absl::Minutes(30));

  const std::string& address() const { return address_; }

  // The collector's Stats. UNAVAILABLE (message names the address) when it
  // cannot be reached, DEADLINE_EXCEEDED when it does not answer within
  // `timeout`; its own errors otherwise (UNAUTHENTICATED, PERMISSION_DENIED).
  absl::StatusOr<v1::Stats> GetStats(absl::Duration timeout = absl::Seconds(10));

  // Every comparison with seq <= up_to_seq (one consistent snapshot), in
  // seq order. `cancelled` is checked between messages (CANCELLED). A stream
  // that breaks (collector gone) is UNAVAILABLE naming the address and how
  // many comparisons had arrived; past export_timeout it is
  // DEADLINE_EXCEEDED. Nothing partial is returned.
  absl::StatusOr<std::vector<v1::Comparison>> Export(uint64_t up_to_seq,
                                                     const std::function<bool()>& cancelled);

 private:
  void Authorize(grpc::ClientContext* context) const;

  std::string address_;
  std::string token_;
  absl::Duration export_timeout_;
  std::unique_ptr<v1::ComparisonService::Stub> stub_;
};

}  // namespace shammie::pm_trainer

#endif  // SHAMMIE_SERVICES_PM_TRAINER_COLLECTOR_CLIENT_H_
