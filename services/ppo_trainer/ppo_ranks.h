// How the ranks of a data-parallel `shammie-ppo-trainer` (WORLD_SIZE > 1)
// agree on what to run. Rank 0 serves gRPC and runs jobs as a single trainer
// does; ranks 1…W−1 serve nothing and follow it:
//
//   rank 0                                  rank r > 0 (idle: polls the store)
//   AnnounceJob(job n) ── store key ──────▶ NextJob → job n
//   build the run          AllTrue          build the run     (both or neither)
//   Continue(true)  ──── broadcast ───────▶ ShouldContinue() = true
//   Step()             allreduces           Step()            (each its half)
//   … checkpoint, metrics (rank 0 only) …
//   Continue(false) ──── broadcast ───────▶ ShouldContinue() = false → idle
//
// A job message carries the spec, the job id, the checkpoint to resume from
// and the prompts (rank 0 fetched them; the other ranks need no collector).
// Checkpoint paths are read by every rank: the ranks share a filesystem.
// A rank whose Step() fails leaves the job without another Continue; the
// collectives fail on the other ranks too (the step's errors are global).
//
// Torch-free. Thread-compatible: one thread per rank uses a RankChannel.
#ifndef SHAMMIE_SERVICES_PPO_TRAINER_PPO_RANKS_H_
#define SHAMMIE_SERVICES_PPO_TRAINER_PPO_RANKS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/process_group.h"
#include "shammie/v1/ppo_trainer.pb.h"

namespace shammie::ppo_trainer {

struct RankJob {
  std::string job_id;
  v1::PpoJobSpec spec;
  std::string resume_checkpoint;  // "" = from the start
  std::vector<std::string> prompts;
};

// The wire form of a RankJob (CBOR); DATA_LOSS when `bytes` is not one.
std::string EncodeRankJob(const RankJob& job);
absl::StatusOr<RankJob> DecodeRankJob(const std::string& bytes);

class RankChannel {
 public:
  explicit RankChannel(std::shared_ptr<common::ProcessGroup> group) : group_(std::move(group)) {}

  const std::shared_ptr<common::ProcessGroup>& group() const { return group_; }

  // Rank 0: makes job number next() visible to the followers.
  absl::Status AnnounceJob(const RankJob& job);
  // Rank r > 0: waits for the next job, polling every `poll_ms`; false when
  // `stop` turned true first. UNAVAILABLE when rank 0 is gone.
  absl::StatusOr<bool> NextJob(RankJob* job, const std::function<bool()>& stop, int poll_ms = 100);

  // Rank 0 says whether the ranks take another step; the others hear it.
  absl::Status Continue(bool go);
  absl::StatusOr<bool> ShouldContinue();

 private:
  std::shared_ptr<common::ProcessGroup> group_;
  uint64_t jobs_ = 0;  // jobs announced (rank 0) or received (others)
};

}  // namespace shammie::ppo_trainer

#endif  // SHAMMIE_SERVICES_PPO_TRAINER_PPO_RANKS_H_
