// The torch-free face of a PPO run for services: loads the policy and the
// reference π0 from checkpoint folders, encodes the prompts with the
// policy's tokenizer (leaving out those too long for the model), runs PpoTrainer steps, and writes resumable
// checkpoints (a policy checkpoint folder that other tools load, plus
// ppo_state.pt with the value head, Adam's moments, β and the step).
//
// Thread-compatible: one thread drives a PpoRun. Errors as PpoTrainer's,
// plus the checkpoint loader's (NOT_FOUND / INVALID_ARGUMENT naming the
// spec field: "policy_checkpoint …", "reference_checkpoint …").
// With a process group, Step() takes the group's collectives (UNAVAILABLE
// or INTERNAL when a rank is gone).
#ifndef SHAMMIE_POLICY_PPO_RUN_H_
#define SHAMMIE_POLICY_PPO_RUN_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/process_group.h"
#include "policy/ppo_episode.h"
#include "policy/ppo_metrics.h"
#include "policy/ppo_options.h"

namespace shammie::policy {

struct PpoRunSpec {
  PpoOptions options;
  std::string policy_checkpoint;     // folder; required
  std::string reference_checkpoint;  // folder; empty = policy_checkpoint
  std::vector<std::string> prompts;  // contexts ("\n\nHuman: …\n\nAssistant:")
  PpoScorers scorers;                // not owned; outlive the run
  std::string lineage_json = "{}";   // the job spec, recorded in checkpoints
  // Data parallel (policy/ppo_data_parallel.h): with a group of W > 1 ranks
  // this run is one rank of W; every rank must create its run from the same
  // spec and step it in lockstep. Null or W = 1: one process.
  std::shared_ptr<common::ProcessGroup> group;
};

// How many of PpoRunSpec::prompts the run samples from; the others are
// longer than the model's positions leave beside max_response_tokens.
struct PromptCounts {
  uint64_t used = 0;
  uint64_t skipped = 0;
};

class PpoRun {
 public:
  virtual ~PpoRun() = default;
  static absl::StatusOr<std::unique_ptr<PpoRun>> Create(const PpoRunSpec& spec);

  virtual absl::StatusOr<PpoStepMetrics> Step() = 0;
  virtual uint32_t step() const = 0;
  virtual PromptCounts prompts() const = 0;

  // Writes a checkpoint folder `dir` (temporary name, then rename; replaces
  // an older folder of that name).
  virtual absl::Status SaveCheckpoint(const std::string& dir) = 0;
  // Continues from a folder SaveCheckpoint wrote. NOT_FOUND / DATA_LOSS.
  virtual absl::Status Resume(const std::string& dir) = 0;
};

// The file inside a checkpoint folder that holds PPO's own state.
inline constexpr char kPpoStateFile[] = "ppo_state.pt";

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PPO_RUN_H_
