// The follower's loop mirrors RunJob in ppo_job.cc step for step: every
// collective rank 0 takes (AllTrue after building, Continue before each
// step, the allreduces inside Step) is taken here in the same order.
#include "services/ppo_trainer/ppo_follower.h"

#include "common/log.h"

namespace shammie::ppo_trainer {

absl::Status FollowRankZero(RankChannel& ranks, const PmLoader& load_pm,
                            const std::function<bool()>& stop) {
  const int64_t rank = ranks.group()->rank();
  while (true) {
    RankJob job;
    absl::StatusOr<bool> got = ranks.NextJob(&job, stop);
    if (!got.ok()) return got.status();
    if (!*got) return absl::OkStatus();
    SHAMMIE_LOG(INFO) << "rank " << rank << ": job " << job.job_id << " ("
                      << job.prompts.size() << " prompts"
                      << (job.resume_checkpoint.empty() ? "" : ", resumed") << ")";
    absl::StatusOr<std::unique_ptr<PpoJobRun>> built =
        BuildPpoJobRun(job.spec, job.prompts, load_pm, job.resume_checkpoint, ranks.group());
    if (!built.ok()) SHAMMIE_LOG(WARNING) << "rank " << rank << ": job " << job.job_id << ": " << built.status();
    absl::StatusOr<bool> all = ranks.group()->AllTrue(built.ok());
    if (!all.ok()) return all.status();
    if (!*all) continue;  // some rank could not start it; rank 0 fails the job
    while (true) {
      absl::StatusOr<bool> go = ranks.ShouldContinue();
      if (!go.ok()) return go.status();
      if (!*go) break;
      absl::StatusOr<policy::PpoStepMetrics> m = (*built)->run->Step();
      if (!m.ok()) {
        SHAMMIE_LOG(WARNING) << "rank " << rank << ": job " << job.job_id << " step: " << m.status();
        break;  // rank 0's step fails with it (the errors are global)
      }
    }
    SHAMMIE_LOG(INFO) << "rank " << rank << ": job " << job.job_id << " left at step "
                      << (*built)->run->step();
  }
}

}  // namespace shammie::ppo_trainer
