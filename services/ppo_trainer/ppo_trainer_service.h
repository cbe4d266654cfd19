// shammie.v1.PolicyTrainer over gRPC's callback API: StartJob validates the
// spec (INVALID_ARGUMENT naming the field) and hands it to the JobRunner;
// GetJob / CancelJob / ListJobs read the runner; WatchJob streams PpoJobEvent
// until the job ends (jobs::JobWatchReactor).
//
// StartJob refuses an empty prompt set up front (FAILED_PRECONDITION naming
// the field): a prompt_file without prompts, or — when the spec has no
// prompt_file and the service was given the job's collector — a collector
// with no comparisons (UNAVAILABLE when it cannot be reached).
//
// StartJob's checks read files (checkpoint configs, the prompt file) and ask
// the collector, so the handler runs them on the service's own validation
// thread, never on a reactor thread.
//
// Auth: every RPC first asks the collector who the caller is
// (services/common/token_gate.h): StartJob and CancelJob need a SERVICE or
// OPERATOR token, GetJob, ListJobs and WatchJob any live token. No token,
// an unknown, revoked or expired one: UNAUTHENTICATED; a labeler starting or
// cancelling: PERMISSION_DENIED; collector unreachable: UNAVAILABLE.
//
// Thread-safe. `runner` and `gate` outlive the service; the gate's checks
// in flight must be over (TokenGate::WaitForCalls) before it is destroyed.
#ifndef SHAMMIE_SERVICES_PPO_TRAINER_PPO_TRAINER_SERVICE_H_
#define SHAMMIE_SERVICES_PPO_TRAINER_PPO_TRAINER_SERVICE_H_

#include <deque>
#include <functional>
#include <optional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "services/common/token_gate.h"
#include "services/jobs/job_runner.h"
#include "services/ppo_trainer/prompt_source.h"
#include "shammie/v1/ppo_trainer.grpc.pb.h"

namespace shammie::ppo_trainer {

// A stored job as the API shows it.
v1::PpoJob ToPpoJob(const v1::StoredJob& job);

class PolicyTrainerService : public v1::PolicyTrainer::CallbackService {
 public:
  // `collector`: where jobs without a prompt_file read prompts (checked at
  // StartJob); nullopt skips that check (the job finds out when it starts).
  PolicyTrainerService(jobs::JobRunner* runner, services::TokenGate* gate,
                       std::optional<CollectorSource> collector = std::nullopt);
  ~PolicyTrainerService() override;  // finishes queued StartJobs, joins the thread

  grpc::ServerUnaryReactor* StartJob(grpc::CallbackServerContext* ctx, const v1::PpoJobSpec* request,
                                     v1::PpoJob* response) override;
  grpc::ServerUnaryReactor* GetJob(grpc::CallbackServerContext* ctx, const v1::GetJobRequest* request,
                                   v1::PpoJob* response) override;
  grpc::ServerWriteReactor<v1::PpoJobEvent>* WatchJob(grpc::CallbackServerContext* ctx,
                                                      const v1::WatchJobRequest* request) override;
  grpc::ServerUnaryReactor* CancelJob(grpc::CallbackServerContext* ctx,
                                      const v1::CancelJobRequest* request,
                                      v1::PpoJob* response) override;
  grpc::ServerUnaryReactor* ListJobs(grpc::CallbackServerContext* ctx,
                                     const v1::ListJobsRequest* request,
                                     v1::ListPpoJobsResponse* response) override;

 private:
  void Worker();

  jobs::JobRunner* const runner_;
  services::TokenGate* const gate_;
  const std::optional<CollectorSource> collector_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace shammie::ppo_trainer

#endif  // SHAMMIE_SERVICES_PPO_TRAINER_PPO_TRAINER_SERVICE_H_
