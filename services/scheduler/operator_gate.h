// OperatorGate: who may change the scheduler's state (trigger, cancel,
// schedule changes), and the audit record of each change.
//
// The scheduler holds no tokens of its own. The collector is the one token
// authority (names, roles, expiry, revocation, the audit log), so the gate
// forwards the caller's own "authorization" metadata to the collector's
// RecordOperatorAction: the collector checks that the token is a live,
// unexpired OPERATOR token and appends {actor, action, target} to its audit
// log; only then does the scheduler act. Nothing is cached, so a revoked
// token is refused on its next request. If the collector cannot be reached
// within the deadline, the change is refused (UNAVAILABLE / DEADLINE_EXCEEDED):
// no unaudited operator action. Read-only RPCs (Get/List/Watch, GetSchedule)
// do not pass the gate.
//
// Thread-safe; Authorize is asynchronous and never blocks the caller's thread.
#ifndef SHAMMIE_SERVICES_SCHEDULER_OPERATOR_GATE_H_
#define SHAMMIE_SERVICES_SCHEDULER_OPERATOR_GATE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "shammie/v1/collector.grpc.pb.h"

namespace shammie::scheduler {

class OperatorGate {
 public:
  using Done = std::function<void(absl::StatusOr<v1::AuditEntry>)>;

  // Borrows nothing; `channel` is the collector's (TLS or not).
  OperatorGate(std::shared_ptr<grpc::Channel> collector, absl::Duration deadline);
  // WaitForCalls().
  ~OperatorGate();

  // Blocks until every `done` already started has returned (at most the
  // deadline): call it after the server stops and before what the `done`
  // callbacks touch goes away.
  void WaitForCalls();

  // Checks `authorization` ("Bearer <secret>", as the client sent it) with the
  // collector and records the action; calls `done` (on a gRPC thread) with
  // the audit entry, or UNAUTHENTICATED (missing/unknown/revoked/expired),
  // PERMISSION_DENIED (not an operator), UNAVAILABLE/DEADLINE_EXCEEDED
  // (collector unreachable). A missing header is refused without a call.
  void Authorize(absl::string_view authorization, absl::string_view action,
                 absl::string_view target, absl::string_view detail, Done done);

 private:
  std::unique_ptr<v1::ComparisonService::Stub> stub_;
  const absl::Duration deadline_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace shammie::scheduler

#endif  // SHAMMIE_SERVICES_SCHEDULER_OPERATOR_GATE_H_
