#include "services/ppo_trainer/ppo_trainer_service.h"

#include "services/common/grpc_status.h"
#include "services/jobs/job_watch_reactor.h"
#include "services/ppo_trainer/ppo_spec.h"

namespace shammie::ppo_trainer {
namespace {

v1::PpoJobEvent ToEvent(const v1::StoredJob& job) {
  v1::PpoJobEvent event;
  v1::PpoJob ppo = ToPpoJob(job);
  *event.mutable_status() = ppo.status();
  if (ppo.report().steps_size() > 0) {
    *event.mutable_step() = ppo.report().steps(ppo.report().steps_size() - 1);
  }
  if (job.status().state() == v1::JOB_SUCCEEDED) *event.mutable_report() = ppo.report();
  return event;
}

}  // namespace

v1::PpoJob ToPpoJob(const v1::StoredJob& job) {
  v1::PpoJob out;
  *out.mutable_status() = job.status();
  job.spec().UnpackTo(out.mutable_spec());
  if (job.has_result()) job.result().UnpackTo(out.mutable_report());
  return out;
}

PolicyTrainerService::PolicyTrainerService(jobs::JobRunner* runner, services::TokenGate* gate,
                                           std::optional<CollectorSource> collector)
    : runner_(runner), gate_(gate), collector_(std::move(collector)), worker_([this] { Worker(); }) {}

PolicyTrainerService::~PolicyTrainerService() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  worker_.join();
}

void PolicyTrainerService::Worker() {
  for (;;) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](PolicyTrainerService* s) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return s->stopping_ || !s->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, nothing left
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

grpc::ServerUnaryReactor* PolicyTrainerService::StartJob(grpc::CallbackServerContext* ctx,
                                                         const v1::PpoJobSpec* request,
                                                         v1::PpoJob* response) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto check = [this, reactor, request, response] {
    v1::PpoJobSpec spec = WithDefaults(*request);
    absl::Status status = ValidateSpec(spec);
    if (status.ok() && spec.prompt_file().empty() && collector_.has_value()) {
      status = CheckCollectorHasPrompts(*collector_);
    }
    if (status.ok()) {
      google::protobuf::Any any;
      any.PackFrom(spec);
      absl::StatusOr<v1::StoredJob> job = runner_->Start(spec.key(), any);
      if (job.ok()) {
        *response = ToPpoJob(*job);
      } else {
        status = job.status();
      }
    }
    reactor->Finish(services::ToGrpcStatus(status));
  };
  gate_->CheckCaller(services::AuthorizationOf(ctx), services::CallerRule::kServiceOrOperator,
                     "StartJob",
                     [this, reactor, check = std::move(check)](absl::StatusOr<v1::Token> who) {
                       if (!who.ok()) {
                         reactor->Finish(services::ToGrpcStatus(who.status()));
                         return;
                       }
                       absl::MutexLock lock(&mu_);
                       queue_.push_back(std::move(check));
                     });
  return reactor;
}

grpc::ServerUnaryReactor* PolicyTrainerService::GetJob(grpc::CallbackServerContext* ctx,
                                                       const v1::GetJobRequest* request,
                                                       v1::PpoJob* response) {
  return services::GatedUnary(gate_, ctx, services::CallerRule::kAnyRole, "GetJob",
                              [this, request, response] {
                                absl::StatusOr<v1::StoredJob> job = runner_->Get(request->id());
                                if (job.ok()) *response = ToPpoJob(*job);
                                return job.status();
                              });
}

grpc::ServerWriteReactor<v1::PpoJobEvent>* PolicyTrainerService::WatchJob(
    grpc::CallbackServerContext* ctx, const v1::WatchJobRequest* request) {
  auto* reactor = new jobs::JobWatchReactor<v1::PpoJobEvent>(runner_, request->id(), ToEvent);
  gate_->CheckCaller(services::AuthorizationOf(ctx), services::CallerRule::kAnyRole, "WatchJob",
                     [reactor](absl::StatusOr<v1::Token> who) { reactor->Begin(who.status()); });
  return reactor;
}

grpc::ServerUnaryReactor* PolicyTrainerService::CancelJob(grpc::CallbackServerContext* ctx,
                                                          const v1::CancelJobRequest* request,
                                                          v1::PpoJob* response) {
  return services::GatedUnary(gate_, ctx, services::CallerRule::kServiceOrOperator, "CancelJob",
                              [this, request, response] {
                                absl::StatusOr<v1::StoredJob> job = runner_->Cancel(request->id());
                                if (job.ok()) *response = ToPpoJob(*job);
                                return job.status();
                              });
}

grpc::ServerUnaryReactor* PolicyTrainerService::ListJobs(grpc::CallbackServerContext* ctx,
                                                         const v1::ListJobsRequest* request,
                                                         v1::ListPpoJobsResponse* response) {
  return services::GatedUnary(gate_, ctx, services::CallerRule::kAnyRole, "ListJobs",
                              [this, response] {
                                absl::StatusOr<std::vector<v1::StoredJob>> jobs = runner_->List();
                                if (!jobs.ok()) return jobs.status();
                                for (const v1::StoredJob& job : *jobs) {
                                  *response->add_jobs() = ToPpoJob(job);
                                }
                                return absl::OkStatus();
                              });
}

}  // namespace shammie::ppo_trainer
