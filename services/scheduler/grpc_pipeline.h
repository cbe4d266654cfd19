// Pipeline over gRPC: the collector's ComparisonService and the two trainer
// services, each at its own address, with a bearer token and a deadline on
// every call (a stuck peer is DEADLINE_EXCEEDED, never a hang).
// Thread-safe (gRPC stubs are).
#ifndef SHAMMIE_SERVICES_SCHEDULER_GRPC_PIPELINE_H_
#define SHAMMIE_SERVICES_SCHEDULER_GRPC_PIPELINE_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/security/credentials.h"
#include "services/scheduler/pipeline.h"
#include "shammie/v1/collector.grpc.pb.h"
#include "shammie/v1/pm_trainer.grpc.pb.h"
#include "shammie/v1/ppo_trainer.grpc.pb.h"

namespace shammie::scheduler {

struct GrpcPipelineOptions {
  std::string collector_address;   // "127.0.0.1:50051"
  std::string pm_trainer_address;  // "127.0.0.1:50052"
  std::string ppo_trainer_address; // "127.0.0.1:50053"
  // Bearer secret (role service or operator) sent to all three.
  std::string token;
  // Deadline of unary calls; exports get ten times this.
  absl::Duration deadline = absl::Seconds(30);
  // Channel credentials for all three (services/common/tls.h
  // MakeChannelCredentials); null = plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

class GrpcPipeline : public Pipeline {
 public:
  explicit GrpcPipeline(GrpcPipelineOptions options);

  absl::StatusOr<v1::Stats> GetStats() override;
  absl::Status ExportComparisons(uint64_t up_to_seq,
                                 const std::function<bool(const v1::Comparison&)>& emit) override;
  absl::StatusOr<v1::Deployment> DeployPolicies(
      const std::vector<v1::PolicySnapshot>& policies) override;
  absl::StatusOr<v1::Deployment> GetDeployment() override;
  absl::StatusOr<v1::PmJob> StartPmJob(const v1::PmJobSpec& spec) override;
  absl::StatusOr<v1::PmJob> GetPmJob(const std::string& id) override;
  absl::Status CancelPmJob(const std::string& id) override;
  absl::StatusOr<v1::PpoJob> StartPpoJob(const v1::PpoJobSpec& spec) override;
  absl::StatusOr<v1::PpoJob> GetPpoJob(const std::string& id) override;
  absl::Status CancelPpoJob(const std::string& id) override;

 // The channel to the collector (the TokenGate shares it).
  std::shared_ptr<grpc::Channel> collector_channel() const { return collector_channel_; }

 private:
  void Prepare(grpc::ClientContext* ctx, absl::Duration deadline) const;

  const GrpcPipelineOptions options_;
  std::shared_ptr<grpc::Channel> collector_channel_;
  std::unique_ptr<v1::ComparisonService::Stub> collector_;
  std::unique_ptr<v1::PreferenceModelTrainer::Stub> pm_;
  std::unique_ptr<v1::PolicyTrainer::Stub> ppo_;
};

}  // namespace shammie::scheduler

#endif  // SHAMMIE_SERVICES_SCHEDULER_GRPC_PIPELINE_H_
