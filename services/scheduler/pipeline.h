// What an iteration needs from the other services, as one small interface:
// the collector (watermark, comparisons, deployment) and the two trainers
// (jobs keyed by idempotency key). GrpcPipeline (grpc_pipeline.h) is the real
// one, talking gRPC to separate processes or to the services `shammie up`
// runs in-process on loopback.
//
// Every call may fail with the callee's status (UNAVAILABLE when a service is
// down: the iteration runner retries those; other codes fail the stage).
// Implementations are thread-safe.
#ifndef SHAMMIE_SERVICES_SCHEDULER_PIPELINE_H_
#define SHAMMIE_SERVICES_SCHEDULER_PIPELINE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shammie/v1/collector.pb.h"
#include "shammie/v1/pm_trainer.pb.h"
#include "shammie/v1/ppo_trainer.pb.h"

namespace shammie::scheduler {

class Pipeline {
 public:
  virtual ~Pipeline() = default;

  // Collector.
  virtual absl::StatusOr<v1::Stats> GetStats() = 0;
  // Comparisons with seq <= up_to_seq (0 = all), in seq order. `emit`
  // returning false stops early.
  virtual absl::Status ExportComparisons(uint64_t up_to_seq,
                                         const std::function<bool(const v1::Comparison&)>& emit) = 0;
  virtual absl::StatusOr<v1::Deployment> DeployPolicies(
      const std::vector<v1::PolicySnapshot>& policies) = 0;
  // NOT_FOUND when nothing is deployed yet.
  virtual absl::StatusOr<v1::Deployment> GetDeployment() = 0;

  // PM trainer. StartPmJob with a key already seen returns that job.
  virtual absl::StatusOr<v1::PmJob> StartPmJob(const v1::PmJobSpec& spec) = 0;
  virtual absl::StatusOr<v1::PmJob> GetPmJob(const std::string& id) = 0;
  virtual absl::Status CancelPmJob(const std::string& id) = 0;

  // PPO trainer, same shape.
  virtual absl::StatusOr<v1::PpoJob> StartPpoJob(const v1::PpoJobSpec& spec) = 0;
  virtual absl::StatusOr<v1::PpoJob> GetPpoJob(const std::string& id) = 0;
  virtual absl::Status CancelPpoJob(const std::string& id) = 0;
};

}  // namespace shammie::scheduler

#endif  // SHAMMIE_SERVICES_SCHEDULER_PIPELINE_H_
