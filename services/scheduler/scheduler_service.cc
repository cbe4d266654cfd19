#include "services/scheduler/scheduler_service.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "services/common/grpc_status.h"
#include "services/common/latest_value_write_reactor.h"

namespace shammie::scheduler {
namespace {

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* ctx, const absl::Status& s) {
  auto* r = ctx->DefaultReactor();
  r->Finish(services::ToGrpcStatus(s));
  return r;
}

absl::Status RequireId(const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("id: required (e.g. \"iter-0001\")");
  return absl::OkStatus();
}

// WatchIteration: writes the iteration as it is now, then every change, and
// finishes after writing a terminal stage (the stream mechanics are
// LatestValueWriteReactor's). Listener calls come from the scheduler's
// worker thread.
class IterationWatchReactor final : public services::LatestValueWriteReactor<v1::Iteration> {
 public:
  IterationWatchReactor(Scheduler* scheduler, std::string id)
      : scheduler_(scheduler), id_(std::move(id)) {}

 private:
  absl::Status Subscribe() override {
    SHAMMIE_RETURN_IF_ERROR(RequireId(id_));
    SHAMMIE_ASSIGN_OR_RETURN(v1::Iteration first, scheduler_->Get(id_));
    handle_ = scheduler_->Subscribe([this](const v1::Iteration& it) {
      if (it.id() == id_) Offer(it, storage::IsTerminal(it.stage()));
    });
    // After subscribing, so no change between Get and Subscribe is lost.
    auto now = scheduler_->Get(id_);
    const v1::Iteration& latest = now.ok() ? *now : first;
    Offer(latest, storage::IsTerminal(latest.stage()));
    return absl::OkStatus();
  }

  void Unsubscribe() override {
    if (handle_ != 0) scheduler_->Unsubscribe(handle_);  // no calls after this
  }

  Scheduler* const scheduler_;
  const std::string id_;
  // Written by Subscribe, read by Unsubscribe (ordered by the base's lock).
  int handle_ = 0;
};

}  // namespace

grpc::ServerUnaryReactor* SchedulerService::Gated(grpc::CallbackServerContext* ctx,
                                                  absl::string_view action,
                                                  absl::string_view target,
                                                  absl::string_view detail,
                                                  std::function<absl::Status()> act) {
  auto* reactor = ctx->DefaultReactor();
  gate_->Authorize(services::AuthorizationOf(ctx), action, target, detail,
                   [reactor, act = std::move(act)](absl::StatusOr<v1::AuditEntry> allowed) {
                     absl::Status s = allowed.ok() ? act() : allowed.status();
                     reactor->Finish(services::ToGrpcStatus(s));
                   });
  return reactor;
}

grpc::ServerUnaryReactor* SchedulerService::TriggerIteration(
    grpc::CallbackServerContext* ctx, const v1::TriggerIterationRequest* request,
    v1::Iteration* response) {
  const std::string target =
      request->key().empty() ? "new iteration" : absl::StrCat("iteration key ", request->key());
  return Gated(ctx, "iteration.trigger", target, "", [this, request, response] {
    auto it = scheduler_->Trigger(request->key());
    if (it.ok()) *response = *it;
    return it.status();
  });
}

grpc::ServerUnaryReactor* SchedulerService::GetIteration(grpc::CallbackServerContext* ctx,
                                                         const v1::GetIterationRequest* request,
                                                         v1::Iteration* response) {
  if (absl::Status s = RequireId(request->id()); !s.ok()) return Done(ctx, s);
  auto it = scheduler_->Get(request->id());
  if (it.ok()) *response = *it;
  return Done(ctx, it.status());
}

grpc::ServerUnaryReactor* SchedulerService::ListIterations(
    grpc::CallbackServerContext* ctx, const v1::ListIterationsRequest* request,
    v1::ListIterationsResponse* response) {
  auto all = scheduler_->List();
  if (all.ok()) {
    for (auto& it : *all) *response->add_iterations() = std::move(it);
  }
  return Done(ctx, all.status());
}

grpc::ServerWriteReactor<v1::Iteration>* SchedulerService::WatchIteration(
    grpc::CallbackServerContext* ctx, const v1::WatchIterationRequest* request) {
  auto* reactor = new IterationWatchReactor(scheduler_, request->id());
  reactor->Begin(absl::OkStatus());
  return reactor;
}

grpc::ServerUnaryReactor* SchedulerService::CancelIteration(
    grpc::CallbackServerContext* ctx, const v1::CancelIterationRequest* request,
    v1::Iteration* response) {
  if (absl::Status s = RequireId(request->id()); !s.ok()) return Done(ctx, s);
  return Gated(ctx, "iteration.cancel", request->id(), "", [this, request, response] {
    // Waits (bounded) for the worker, on a gRPC callback thread.
    auto it = scheduler_->Cancel(request->id());
    if (it.ok()) *response = *it;
    return it.status();
  });
}

grpc::ServerUnaryReactor* SchedulerService::GetSchedule(grpc::CallbackServerContext* ctx,
                                                        const v1::GetScheduleRequest* request,
                                                        v1::Schedule* response) {
  *response = scheduler_->GetSchedule();
  return Done(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* SchedulerService::SetSchedule(grpc::CallbackServerContext* ctx,
                                                        const v1::Schedule* request,
                                                        v1::Schedule* response) {
  const std::string detail = absl::StrCat(request->paused() ? "paused" : "active", ", period ",
                                          request->period().seconds(), " s, anchor ",
                                          request->anchor().seconds());
  return Gated(ctx, "schedule.set", "schedule", detail, [this, request, response] {
    auto s = scheduler_->SetSchedule(*request);
    if (s.ok()) *response = *s;
    return s.status();
  });
}

}  // namespace shammie::scheduler
