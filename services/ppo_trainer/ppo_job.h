// The PPO trainer's job work (services/jobs/job_runner.h runs it on a worker
// thread): prompts → PpoRun → steps with progress, the curve and the
// over-optimization rule → checkpoints → the final report.
//
//   <artifact_dir>/<job id>/step-<n>/   resumable checkpoint after step n
//   <artifact_dir>/<job id>/final/      the finished policy
// Each checkpoint folder also holds report.pb (the PpoReport up to its
// step), so a resumed job continues the curve from exactly that step.
//
// Torch-free. Thread-safe to construct; the returned JobWork is called by
// the runner on one worker thread per job.
#ifndef SHAMMIE_SERVICES_PPO_TRAINER_PPO_JOB_H_
#define SHAMMIE_SERVICES_PPO_TRAINER_PPO_JOB_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "policy/ppo_episode.h"
#include "policy/ppo_run.h"
#include "policy/ppo_metrics.h"
#include "policy/reward_kl_fit.h"
#include "services/jobs/job_runner.h"
#include "services/metrics/training_metrics.h"
#include "services/ppo_trainer/gold_scorer.h"
#include "services/ppo_trainer/ppo_ranks.h"
#include "services/ppo_trainer/prompt_source.h"
#include "shammie/v1/ppo_trainer.pb.h"

namespace shammie::ppo_trainer {

// Loads a PM checkpoint folder as an episode scorer (score offset applied).
using PmLoader =
    std::function<absl::StatusOr<std::unique_ptr<policy::EpisodeScorer>>(const std::string& dir)>;

struct PpoJobOptions {
  std::string artifact_dir;    // checkpoints go under <artifact_dir>/<job id>/
  CollectorSource collector;   // prompts when the spec has no prompt_file
  PmLoader load_pm;            // required
  // Every step and the final report as PPO series (training_metrics.h);
  // null = none.
  std::shared_ptr<metrics::PpoMetrics> metrics;
  // Data parallel (ppo_ranks.h): this process is rank 0 of the channel's
  // group; each job is announced to the other ranks and stepped in
  // lockstep with them. Null = one process. Jobs must then run one at a
  // time (PpoTrainerServerOptions::max_running 1).
  std::shared_ptr<RankChannel> ranks;
};

// A job's run and the scorers it points at (they live together).
struct PpoJobRun {
  std::unique_ptr<policy::EpisodeScorer> pm, test_pm;
  GoldScorer gold;
  std::unique_ptr<policy::PpoRun> run;
};

// Loads the PMs, creates the run (one rank of `group` when given) and
// resumes it from `resume_checkpoint` when not empty. Errors as the loaders
// and PpoRun say. Rank 0 and the followers (ppo_follower.h) both use it.
absl::StatusOr<std::unique_ptr<PpoJobRun>> BuildPpoJobRun(
    const v1::PpoJobSpec& spec, std::vector<std::string> prompts, const PmLoader& load_pm,
    const std::string& resume_checkpoint, std::shared_ptr<common::ProcessGroup> group);

jobs::JobWork MakePpoJobWork(PpoJobOptions options);

// Fills the report's fit (over all steps) and its over-optimization fields.
void FinishReport(v1::PpoReport& report);

// A step's metrics as the proto the API streams.
v1::PpoStep ToProto(const policy::PpoStepMetrics& m);

}  // namespace shammie::ppo_trainer

#endif  // SHAMMIE_SERVICES_PPO_TRAINER_PPO_JOB_H_
