#include "services/pm_trainer/pm_trainer_service.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "reward_model/pm_job.h"
#include "services/common/grpc_status.h"
#include "services/jobs/job_watch_reactor.h"

namespace shammie::pm_trainer {
namespace {

v1::PmJobEvent ToEvent(const v1::StoredJob& job) {
  v1::PmJobEvent event;
  *event.mutable_status() = job.status();
  if (job.status().state() == v1::JOB_SUCCEEDED) job.result().UnpackTo(event.mutable_report());
  return event;
}

}  // namespace

v1::PmJob ToPmJob(const v1::StoredJob& job) {
  v1::PmJob out;
  *out.mutable_status() = job.status();
  job.spec().UnpackTo(out.mutable_spec());
  if (job.status().state() == v1::JOB_SUCCEEDED) job.result().UnpackTo(out.mutable_report());
  return out;
}

absl::StatusOr<v1::PmJob> PmTrainerService::Start(const v1::PmJobSpec& request) {
  if (request.key().empty()) {
    return absl::InvalidArgumentError("key: required (the idempotency key)");
  }
  // Validation below only decides whether a NEW job may start; a key that
  // already names a job returns it (a re-sent StartJob is idempotent).
  auto existing = runner_->GetByKey(request.key());
  if (existing.ok()) return ToPmJob(*existing);
  if (!absl::IsNotFound(existing.status())) return existing.status();
  if (auto s = reward_model::ValidatePmSpec(request); !s.ok()) return s;
  v1::PmJobSpec spec = reward_model::WithDefaults(request);
  auto stats = collector_->GetStats();
  if (!stats.ok()) return stats.status();
  if (stats->last_seq() == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "comparisons: the collector at ", collector_->address(), " holds none; nothing to train on"));
  }
  if (spec.watermark() > stats->last_seq()) {
    return absl::InvalidArgumentError(absl::StrCat("watermark: ", spec.watermark(),
                                                   " is beyond the last comparison (seq ",
                                                   stats->last_seq(), ")"));
  }
  if (spec.watermark() == 0) spec.set_watermark(stats->last_seq());  // pin "all stored now"
  google::protobuf::Any any;
  any.PackFrom(spec);
  auto job = runner_->Start(spec.key(), any);
  if (!job.ok()) return job.status();
  return ToPmJob(*job);
}

grpc::ServerUnaryReactor* PmTrainerService::StartJob(grpc::CallbackServerContext* context,
                                                     const v1::PmJobSpec* request,
                                                     v1::PmJob* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  gate_->CheckCaller(services::AuthorizationOf(context), services::CallerRule::kServiceOrOperator,
                     "StartJob", [this, reactor, request, response](absl::StatusOr<v1::Token> who) {
                       if (!who.ok()) {
                         reactor->Finish(services::ToGrpcStatus(who.status()));
                         return;
                       }
                       // Start talks to the collector (a blocking RPC): off
                       // the gRPC callback thread.
                       std::thread([this, reactor, request, response] {
                         absl::StatusOr<v1::PmJob> result = Start(*request);
                         if (result.ok()) *response = *std::move(result);
                         reactor->Finish(services::ToGrpcStatus(result.status()));
                       }).detach();
                     });
  return reactor;
}

grpc::ServerUnaryReactor* PmTrainerService::GetJob(grpc::CallbackServerContext* context,
                                                   const v1::GetJobRequest* request,
                                                   v1::PmJob* response) {
  return services::GatedUnary(gate_, context, services::CallerRule::kAnyRole, "GetJob", [this, request, response] {
    auto job = runner_->Get(request->id());
    if (job.ok()) *response = ToPmJob(*job);
    return job.status();
  });
}

grpc::ServerUnaryReactor* PmTrainerService::CancelJob(grpc::CallbackServerContext* context,
                                                      const v1::CancelJobRequest* request,
                                                      v1::PmJob* response) {
  return services::GatedUnary(
      gate_, context, services::CallerRule::kServiceOrOperator, "CancelJob", [this, request, response] {
        auto job = runner_->Cancel(request->id());
        if (job.ok()) *response = ToPmJob(*job);
        return job.status();
      });
}

grpc::ServerUnaryReactor* PmTrainerService::ListJobs(grpc::CallbackServerContext* context,
                                                     const v1::ListJobsRequest* request,
                                                     v1::ListPmJobsResponse* response) {
  return services::GatedUnary(gate_, context, services::CallerRule::kAnyRole, "ListJobs", [this, response] {
    auto jobs = runner_->List();
    if (!jobs.ok()) return jobs.status();
    for (const v1::StoredJob& j : *jobs) *response->add_jobs() = ToPmJob(j);
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::PmJobEvent>* PmTrainerService::WatchJob(
    grpc::CallbackServerContext* context, const v1::WatchJobRequest* request) {
  auto* reactor = new jobs::JobWatchReactor<v1::PmJobEvent>(runner_, request->id(), ToEvent);
  gate_->CheckCaller(services::AuthorizationOf(context), services::CallerRule::kAnyRole,
                     "WatchJob", [reactor](absl::StatusOr<v1::Token> who) {
                       reactor->Begin(who.status());
                     });
  return reactor;
}

}  // namespace shammie::pm_trainer
