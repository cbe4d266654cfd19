// PM checkpoint folders, and loading the policy a PM starts from.
//
// A PM checkpoint folder holds:
//   pm_model.pt     the PreferenceModel (trunk + head + score_offset buffer)
//   config.json     the trunk's GptConfig (GPT-2 keys), plus "score_offset"
//                   and "kind": "preference_model"
//   report.json     the PmReport (protobuf JSON mapping)
//   lineage.json    parent (base) checkpoint, watermark, job spec, code version
// It is written under "<dir>.tmp-<pid>" and renamed into place only when
// complete, so a reader sees the whole folder or none; a failed write
// removes the temporary folder.
//
// Base policies: a policy checkpoint folder (policy/checkpoint.h:
// model.safetensors + config.json + tokenizer files), or a folder with
// config.json and model.pt (a torch::save of policy::Gpt; SaveBasePolicy).
//
// Includes torch: private to reward_model/.
#ifndef SHAMMIE_REWARD_MODEL_PM_CHECKPOINT_H_
#define SHAMMIE_REWARD_MODEL_PM_CHECKPOINT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "policy/gpt.h"
#include "reward_model/preference_model.h"
#include "shammie/v1/pm_trainer.pb.h"

namespace shammie::reward_model {

// NOT_FOUND when `dir` or its files are missing (message names the path);
// DATA_LOSS when they do not parse.
absl::StatusOr<policy::GptConfig> ReadGptConfig(const std::string& dir);
absl::StatusOr<policy::Gpt> LoadBasePolicy(const std::string& dir);
// Writes a base policy folder (for tests, benchmarks and `shammie up`).
absl::Status SaveBasePolicy(policy::Gpt& model, const std::string& dir);

// Writes the PM checkpoint folder atomically. ALREADY_EXISTS when `dir`
// exists; INTERNAL on I/O errors (nothing is left at `dir`).
absl::Status WritePmCheckpoint(PreferenceModel& model, const v1::PmReport& report,
                               const v1::PmJobSpec& spec, const std::string& dir);
// NOT_FOUND / DATA_LOSS as above.
absl::StatusOr<PreferenceModel> LoadPmCheckpoint(const std::string& dir);

}  // namespace shammie::reward_model

#endif  // SHAMMIE_REWARD_MODEL_PM_CHECKPOINT_H_
