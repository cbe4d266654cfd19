// shammie.v1.PreferenceModelTrainer over gRPC (callback API). Handlers
// validate, call the JobRunner, and map the status; training runs on the
// runner's worker threads, never on a gRPC thread.
//
// StartJob refuses, before any job is created:
//   INVALID_ARGUMENT  key missing; learning_rate < 0; batch_size 0;
//                     test_fraction outside [0, 1); data_half > 2;
//                     watermark beyond the collector's last comparison
//   FAILED_PRECONDITION  base_checkpoint missing; the collector holds no
//                     comparisons (an empty comparison set)
//   UNAVAILABLE       the collector cannot be reached (retry later)
// A key seen before returns that job (whatever its state) without checks.
//
// Auth: every RPC first asks the collector who the caller is
// (services/common/token_gate.h): StartJob and CancelJob need a SERVICE or
// OPERATOR token, GetJob, ListJobs and WatchJob any live token. No token,
// an unknown, revoked or expired one: UNAUTHENTICATED; a labeler starting or
// cancelling: PERMISSION_DENIED; collector unreachable: UNAVAILABLE.
//
// Thread-safe. The runner, collector client and gate outlive the service.
#ifndef SHAMMIE_SERVICES_PM_TRAINER_PM_TRAINER_SERVICE_H_
#define SHAMMIE_SERVICES_PM_TRAINER_PM_TRAINER_SERVICE_H_

#include "services/common/token_gate.h"
#include "services/jobs/job_runner.h"
#include "services/pm_trainer/collector_client.h"
#include "shammie/v1/pm_trainer.grpc.pb.h"

namespace shammie::pm_trainer {

// StoredJob → PmJob (spec and report unpacked).
v1::PmJob ToPmJob(const v1::StoredJob& job);

class PmTrainerService : public v1::PreferenceModelTrainer::CallbackService {
 public:
  PmTrainerService(jobs::JobRunner* runner, CollectorClient* collector, services::TokenGate* gate)
      : runner_(runner), collector_(collector), gate_(gate) {}

  grpc::ServerUnaryReactor* StartJob(grpc::CallbackServerContext* context,
                                     const v1::PmJobSpec* request, v1::PmJob* response) override;
  grpc::ServerUnaryReactor* GetJob(grpc::CallbackServerContext* context,
                                   const v1::GetJobRequest* request, v1::PmJob* response) override;
  grpc::ServerWriteReactor<v1::PmJobEvent>* WatchJob(grpc::CallbackServerContext* context,
                                                     const v1::WatchJobRequest* request) override;
  grpc::ServerUnaryReactor* CancelJob(grpc::CallbackServerContext* context,
                                      const v1::CancelJobRequest* request,
                                      v1::PmJob* response) override;
  grpc::ServerUnaryReactor* ListJobs(grpc::CallbackServerContext* context,
                                     const v1::ListJobsRequest* request,
                                     v1::ListPmJobsResponse* response) override;

  // The checks and the start, transport-free (StartJob calls it on a
  // helper thread because it talks to the collector).
  absl::StatusOr<v1::PmJob> Start(const v1::PmJobSpec& spec);

 private:
  jobs::JobRunner* const runner_;
  CollectorClient* const collector_;
  services::TokenGate* const gate_;
};

}  // namespace shammie::pm_trainer

#endif  // SHAMMIE_SERVICES_PM_TRAINER_PM_TRAINER_SERVICE_H_
