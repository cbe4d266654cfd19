// One PM training job, end to end, behind a torch-free interface (services
// include this; torch stays in the .cc files):
//   validate spec → prepare data (dedup, half, split) → load base policy →
//   PreferenceModel → (resume state) → train (progress, resume points,
//   cancel) → evaluate on the test split → score offset from the base
//   policy's samples → write the checkpoint folder atomically.
#ifndef SHAMMIE_REWARD_MODEL_PM_JOB_H_
#define SHAMMIE_REWARD_MODEL_PM_JOB_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shammie/v1/conversation.pb.h"
#include "shammie/v1/jobs.pb.h"
#include "shammie/v1/pm_trainer.pb.h"

namespace shammie::reward_model {

// The spec with defaults filled in (loss RANKED, learning rate 3e-4, batch
// 16, one epoch, test fraction 0.05).
v1::PmJobSpec WithDefaults(v1::PmJobSpec spec);

// Checks a spec on its own (no collector): INVALID_ARGUMENT naming the field
// for an empty key, learning_rate < 0 or not finite (0 means the default),
// batch_size 0 or > 4096 (no default: the caller must choose), epochs > 100,
// test_fraction outside [0, 1), data_half > 2; FAILED_PRECONDITION naming
// base_checkpoint when the folder or its config/weights are missing or the
// policy is not a byte-tokenizer one.
absl::Status ValidatePmSpec(const v1::PmJobSpec& spec);

struct PmJobCallbacks {
  std::function<bool()> cancelled;                          // may be empty
  std::function<void(const v1::JobProgress&)> progress;     // may be empty
  // A resume state was written to `dir` after `step`; the caller records it
  // (JobContext::SaveResumePoint). May be empty.
  std::function<absl::Status(const std::string& dir, uint64_t step)> resume_point;
};

struct PmJobInputs {
  v1::PmJobSpec spec;  // validated
  std::vector<v1::Comparison> comparisons;
  // Gold ordering per comparison on the synthetic task: +1 A better, −1 B
  // better, 0 unknown. Empty or the same length as comparisons.
  std::vector<int> gold;
  std::string output_dir;    // the final PM checkpoint folder
  std::string work_dir;      // resume states go to <work_dir>/state-<step>
  std::string resume_state;  // "" = start fresh
  int64_t checkpoint_every = 50;  // steps between resume states; 0 = never
  // Base-policy samples scored for the score offset.
  int64_t offset_samples = 64;
  int64_t offset_max_tokens = 32;
  // Data parallel: rank/world and the environment of common/process_group.h.
  int64_t rank = 0;
  int64_t world_size = 1;
  std::string master_addr;
  int master_port = 0;
};

// Returns the report (also in <output_dir>/report.json). Rank 0 writes the
// checkpoint; other ranks return the same report without writing.
// CANCELLED when `cancelled` turned true; FAILED_PRECONDITION for an empty
// training set; other errors as their causes report them.
absl::StatusOr<v1::PmReport> RunPmJob(const PmJobInputs& inputs, const PmJobCallbacks& callbacks);

}  // namespace shammie::reward_model

#endif  // SHAMMIE_REWARD_MODEL_PM_JOB_H_
