#include "services/scheduler/scheduler_service.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/grpc_status.h"

namespace shammie::scheduler {
namespace {

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* ctx, const absl::Status& s) {
  auto* r = ctx->DefaultReactor();
  r->Finish(services::ToGrpcStatus(s));
  return r;
}

std::string AuthorizationOf(const grpc::CallbackServerContext* ctx) {
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  return it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

absl::Status RequireId(const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("id: required (e.g. \"iter-0001\")");
  return absl::OkStatus();
}

// WatchIteration: writes the iteration as it is now, then every change, and
// finishes after writing a terminal stage. Listener calls come from the
// scheduler's worker thread; they only store the newest state and start a
// write when none is in flight, so a slow client sees fewer, newer states.
class IterationWatchReactor : public grpc::ServerWriteReactor<v1::Iteration> {
 public:
  IterationWatchReactor(Scheduler* scheduler, std::string id)
      : scheduler_(scheduler), id_(std::move(id)) {
    absl::Status valid = RequireId(id_);
    auto first = valid.ok() ? scheduler_->Get(id_) : absl::StatusOr<v1::Iteration>(valid);
    if (!first.ok()) {
      absl::MutexLock lock(&mu_);
      finishing_ = true;
      constructed_ = true;
      Finish(services::ToGrpcStatus(first.status()));
      return;
    }
    int handle = scheduler_->Subscribe([this](const v1::Iteration& it) {
      if (it.id() == id_) Offer(it);
    });
    {
      absl::MutexLock lock(&mu_);
      handle_ = handle;
    }
    // After subscribing, so no change between Get and Subscribe is lost.
    auto now = scheduler_->Get(id_);
    Offer(now.ok() ? *now : *first);
    absl::MutexLock lock(&mu_);
    constructed_ = true;
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (finishing_) return;
    if (!ok) {
      finishing_ = true;
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
    } else if (wrote_end_) {
      finishing_ = true;
      Finish(grpc::Status::OK);
    } else {
      WriteNextLocked();
    }
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    if (finishing_) return;
    finishing_ = true;
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled"));
  }

  void OnDone() override {
    // The stream can end (a terminal first write) while the constructor is
    // still running on another thread: wait for it before tearing down.
    int handle;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&constructed_));
      handle = handle_;
    }
    if (handle != 0) scheduler_->Unsubscribe(handle);  // no calls after this
    delete this;
  }

 private:
  void Offer(const v1::Iteration& it) {
    absl::MutexLock lock(&mu_);
    if (finishing_ || wrote_end_) return;
    pending_ = it;
    if (!writing_) WriteNextLocked();
  }

  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!pending_) return;
    current_ = std::move(*pending_);
    pending_.reset();
    wrote_end_ = storage::IsTerminal(current_.stage());
    writing_ = true;
    StartWrite(&current_);
  }

  Scheduler* const scheduler_;
  const std::string id_;
  absl::Mutex mu_;
  int handle_ ABSL_GUARDED_BY(mu_) = 0;
  bool constructed_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<v1::Iteration> pending_ ABSL_GUARDED_BY(mu_);
  v1::Iteration current_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool wrote_end_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerUnaryReactor* SchedulerService::Gated(grpc::CallbackServerContext* ctx,
                                                  absl::string_view action,
                                                  absl::string_view target,
                                                  absl::string_view detail,
                                                  std::function<absl::Status()> act) {
  auto* reactor = ctx->DefaultReactor();
  gate_->Authorize(AuthorizationOf(ctx), action, target, detail,
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
  return new IterationWatchReactor(scheduler_, request->id());
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
