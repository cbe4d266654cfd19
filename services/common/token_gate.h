// TokenGate: one service asking the collector who calls it. The collector is
// the one token authority (names, roles, expiry, revocation, the audit log);
// the scheduler and the trainers hold no token list of their own, so they
// forward their caller's own "authorization" metadata to the collector:
//
//   Authorize    (the scheduler's trigger, cancel, schedule changes) asks
//                RecordOperatorAction: the token must be a live, unexpired
//                OPERATOR token, and the collector appends {actor, action,
//                target} to its audit log; only then does the caller act.
//   CheckCaller  (the trainers' RPCs) asks WhoAmI for the token's name and
//                role and applies `rule`: kAnyRole for reads (Get/List/Watch),
//                kServiceOrOperator for changes (StartJob, CancelJob).
//
// Nothing is cached, so a revoked token is refused on its next request. If
// the collector cannot be reached within the deadline the call is refused
// (UNAVAILABLE / DEADLINE_EXCEEDED): nothing happens unchecked.
//
// Thread-safe; both checks are asynchronous and never block the caller's
// thread: `done` runs on a gRPC callback thread (or inline, for a missing
// header).
#ifndef SHAMMIE_SERVICES_COMMON_TOKEN_GATE_H_
#define SHAMMIE_SERVICES_COMMON_TOKEN_GATE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "shammie/v1/collector.grpc.pb.h"

namespace shammie::services {

// The "authorization" metadata of a call as the client sent it ("" = none).
std::string AuthorizationOf(const grpc::CallbackServerContext* ctx);

enum class CallerRule {
  kAnyRole,            // any live token (labeler, service, operator)
  kServiceOrOperator,  // a SERVICE or OPERATOR token
};

class TokenGate {
 public:
  using AuditDone = std::function<void(absl::StatusOr<v1::AuditEntry>)>;
  using CallerDone = std::function<void(absl::StatusOr<v1::Token>)>;

  // `channel` is the collector's (TLS or not); every check gets `deadline`.
  TokenGate(std::shared_ptr<grpc::Channel> collector, absl::Duration deadline);
  // WaitForCalls().
  ~TokenGate();

  // Blocks until every `done` already started has returned (at most the
  // deadline): call it after the server stops and before what the `done`
  // callbacks touch goes away.
  void WaitForCalls();

  // Checks `authorization` ("Bearer <secret>") with the collector and
  // records the action; `done` gets the audit entry, or UNAUTHENTICATED
  // (missing/unknown/revoked/expired), PERMISSION_DENIED (not an operator),
  // UNAVAILABLE/DEADLINE_EXCEEDED (collector unreachable).
  void Authorize(absl::string_view authorization, absl::string_view action,
                 absl::string_view target, absl::string_view detail, AuditDone done);

  // Checks `authorization` with the collector; `done` gets the caller's
  // token (name and role), or UNAUTHENTICATED (missing/unknown/revoked/
  // expired), PERMISSION_DENIED (`rule` refuses the role; the message names
  // `method`), UNAVAILABLE/DEADLINE_EXCEEDED (collector unreachable).
  void CheckCaller(absl::string_view authorization, CallerRule rule, absl::string_view method,
                   CallerDone done);

 private:
  // One asynchronous collector call carrying `authorization`; `done` gets
  // the response or the status with "<what>: " in front of its message.
  template <typename Req, typename Resp, typename Start>
  void Call(absl::string_view authorization, Req request, Start start, absl::string_view what,
            std::function<void(absl::StatusOr<Resp>)> done);

  std::unique_ptr<v1::ComparisonService::Stub> stub_;
  const absl::Duration deadline_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

// A unary handler behind the gate: CheckCaller, then `act` (on a gRPC
// callback thread: it must not block for long) and the call finishes with
// its status; a refused caller finishes with the gate's status and `act`
// never runs. Returns the call's default reactor.
grpc::ServerUnaryReactor* GatedUnary(TokenGate* gate, grpc::CallbackServerContext* ctx,
                                     CallerRule rule, absl::string_view method,
                                     std::function<absl::Status()> act);

}  // namespace shammie::services

#endif  // SHAMMIE_SERVICES_COMMON_TOKEN_GATE_H_
