// The torch-free files of a checkpoint folder: config.json (GPT-2's keys, so
// Hugging Face tools read it) and lineage.json (where the checkpoint came
// from). Services read these without linking torch; docs/checkpoints.md
// describes both files.
//
// Errors name the file and the field: NOT_FOUND for a missing config.json,
// INVALID_ARGUMENT for bad JSON (including JSON nested deeper than 64
// levels, which no real file needs), a missing or out-of-range key, or a model
// Shammie cannot run (model_type not "gpt2", an activation other than
// gelu_new, n_inner other than 4·n_embd, untied embeddings).
// Thread-safe (pure functions).
#ifndef SHAMMIE_POLICY_CHECKPOINT_METADATA_H_
#define SHAMMIE_POLICY_CHECKPOINT_METADATA_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "policy/gpt_config.h"

namespace shammie::policy {

inline constexpr absl::string_view kModelFile = "model.safetensors";
inline constexpr absl::string_view kConfigFile = "config.json";
inline constexpr absl::string_view kLineageFile = "lineage.json";

// Where a checkpoint came from. Every field is optional; a Hugging Face
// folder has no lineage.json and loads with an empty Lineage.
struct Lineage {
  std::string parent;                // the checkpoint this one was trained from ("" = none)
  int64_t comparison_watermark = 0;  // highest comparison sequence number trained on (0 = none)
  std::string job_spec_json = "{}";  // the job spec that produced it, as a JSON object
  std::map<std::string, double> metrics;  // final metrics (e.g. "pm_accuracy", "mean_reward")
  std::string code_version;          // Shammie version (git describe) that wrote it
  std::string created_at;            // RFC 3339 UTC; filled by SaveCheckpoint when empty
};

// config.json text with GPT-2's keys: n_layer, n_head, n_embd, n_positions,
// n_ctx, vocab_size, layer_norm_epsilon, eos_token_id, bos_token_id,
// model_type "gpt2", architectures ["GPT2LMHeadModel"], activation_function
// "gelu_new", tie_word_embeddings true.
std::string GptConfigToJson(const GptConfig& config);
// `file` names the source in errors. Requires n_layer, n_head, n_embd,
// vocab_size and n_positions (or the older n_ctx); the rest default to GPT-2's.
absl::StatusOr<GptConfig> GptConfigFromJson(absl::string_view json, absl::string_view file);

std::string LineageToJson(const Lineage& lineage);
absl::StatusOr<Lineage> LineageFromJson(absl::string_view json, absl::string_view file);

// config.json of folder `dir`.
absl::StatusOr<GptConfig> ReadGptConfig(const std::string& dir);
// lineage.json of folder `dir`; an empty Lineage when the file is absent.
absl::StatusOr<Lineage> ReadLineage(const std::string& dir);

// The version string compiled in (git describe at configure time, or "unknown").
const char* ShammieCodeVersion();

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_CHECKPOINT_METADATA_H_
