// shammie.v1.Scheduler over gRPC (callback API): validates requests, calls
// the Scheduler, maps absl::Status to grpc::Status (services/common). Never
// throws; nothing here blocks a reactor thread for long except Cancel, which
// waits (bounded, 60 s) for the worker to record CANCELLED.
//
// Auth: TriggerIteration, CancelIteration and SetSchedule change state and
// pass the TokenGate first (services/common/token_gate.h: the caller's bearer token is
// checked by the collector, which also writes the audit entry); they act
// only once it says yes. Reads (Get/List/Watch/GetSchedule) are open to
// anyone who can reach the port (docs/security.md).
#ifndef SHAMMIE_SERVICES_SCHEDULER_SCHEDULER_SERVICE_H_
#define SHAMMIE_SERVICES_SCHEDULER_SCHEDULER_SERVICE_H_

#include <functional>

#include "absl/strings/string_view.h"
#include "services/common/token_gate.h"
#include "services/scheduler/scheduler.h"
#include "shammie/v1/scheduler.grpc.pb.h"

namespace shammie::scheduler {

class SchedulerService final : public v1::Scheduler::CallbackService {
 public:
  // Borrows `scheduler` and `gate`; they must outlive the server.
  SchedulerService(Scheduler* scheduler, services::TokenGate* gate)
      : scheduler_(scheduler), gate_(gate) {}

  grpc::ServerUnaryReactor* TriggerIteration(grpc::CallbackServerContext* ctx,
                                             const v1::TriggerIterationRequest* request,
                                             v1::Iteration* response) override;
  grpc::ServerUnaryReactor* GetIteration(grpc::CallbackServerContext* ctx,
                                         const v1::GetIterationRequest* request,
                                         v1::Iteration* response) override;
  grpc::ServerUnaryReactor* ListIterations(grpc::CallbackServerContext* ctx,
                                           const v1::ListIterationsRequest* request,
                                           v1::ListIterationsResponse* response) override;
  grpc::ServerWriteReactor<v1::Iteration>* WatchIteration(
      grpc::CallbackServerContext* ctx, const v1::WatchIterationRequest* request) override;
  grpc::ServerUnaryReactor* CancelIteration(grpc::CallbackServerContext* ctx,
                                            const v1::CancelIterationRequest* request,
                                            v1::Iteration* response) override;
  grpc::ServerUnaryReactor* GetSchedule(grpc::CallbackServerContext* ctx,
                                        const v1::GetScheduleRequest* request,
                                        v1::Schedule* response) override;
  grpc::ServerUnaryReactor* SetSchedule(grpc::CallbackServerContext* ctx,
                                        const v1::Schedule* request,
                                        v1::Schedule* response) override;

 private:
  // Passes the gate (the collector checks the caller's token and records
  // `action`), then runs `act` and finishes the call with its status.
  grpc::ServerUnaryReactor* Gated(grpc::CallbackServerContext* ctx, absl::string_view action,
                                  absl::string_view target, absl::string_view detail,
                                  std::function<absl::Status()> act);

  Scheduler* const scheduler_;
  services::TokenGate* const gate_;
};

}  // namespace shammie::scheduler

#endif  // SHAMMIE_SERVICES_SCHEDULER_SCHEDULER_SERVICE_H_
