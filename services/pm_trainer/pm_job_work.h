// What a PM job does on its worker thread (the JobWork for the JobRunner):
//   export comparisons up to the watermark from the collector →
//   gold ordering where the synthetic task knows it → RunPmJob (train,
//   evaluate, offset, atomic checkpoint) → the report as the job result.
//
// Folders under the trainer's data dir:
//   checkpoints/<job id>/   the finished PM checkpoint (renamed into place)
//   work/<job id>/state-<step>/   resume states
#ifndef SHAMMIE_SERVICES_PM_TRAINER_PM_JOB_WORK_H_
#define SHAMMIE_SERVICES_PM_TRAINER_PM_JOB_WORK_H_

#include <memory>
#include <string>

#include "services/jobs/job_runner.h"
#include "services/metrics/training_metrics.h"
#include "services/pm_trainer/collector_client.h"

namespace shammie::pm_trainer {

struct PmJobWorkOptions {
  std::string data_dir;
  CollectorClient* collector = nullptr;  // not owned; thread-safe
  int64_t checkpoint_every = 20;         // steps between resume states
  // Data parallel (from RANK/WORLD_SIZE/MASTER_*; world 1 = one process).
  int64_t rank = 0;
  int64_t world_size = 1;
  std::string master_addr;
  int master_port = 0;
  // Loss per step and the final report as PM series (training_metrics.h);
  // null = none.
  std::shared_ptr<metrics::PmMetrics> metrics;
};

jobs::JobWork MakePmJobWork(PmJobWorkOptions options);

// The folder a job's checkpoint is written to.
std::string PmCheckpointDir(const std::string& data_dir, const std::string& job_id);

}  // namespace shammie::pm_trainer

#endif  // SHAMMIE_SERVICES_PM_TRAINER_PM_JOB_WORK_H_
