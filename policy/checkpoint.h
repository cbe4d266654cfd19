// Policy checkpoints: a folder Hugging Face tools load as GPT-2.
//
//   <dir>/model.safetensors   float32 weights, HF GPT-2 names
//                             ("transformer.wte.weight", "transformer.h.0.attn.c_attn.weight", …;
//                             Conv1D weights stored (in, out); no lm_head: tied to wte)
//   <dir>/config.json         GPT-2 keys (policy/checkpoint_metadata.h)
//   <dir>/vocab.json + merges.txt, or byte_tokenizer.json   the tokenizer
//   <dir>/lineage.json        parent, comparison watermark, job spec, metrics, code version
//   <dir>/…                   files callers add (training state, value head, PM head)
// The folder is written under a temporary name in the same parent, fsynced
// and renamed into place (policy/artifact_folder.h): readers never see half
// a checkpoint. Layout and names: docs/checkpoints.md.
//
// Loading accepts tensor names with or without the "transformer." prefix and
// ignores HF's non-parameter buffers (attn.bias, attn.masked_bias); an
// lm_head.weight present must equal wte (tied).
//
// Errors name the file and the tensor or field: NOT_FOUND for missing files,
// INVALID_ARGUMENT for malformed ones (bad JSON, missing or unexpected
// tensors, shapes that disagree with config.json, a tokenizer that disagrees
// with config.json), DATA_LOSS for truncated weights, ALREADY_EXISTS when
// saving over an existing folder, INTERNAL for I/O and torch errors.
//
// Includes torch: private to policy/ and reward_model/. Saving reads the
// model's parameters: do not train it concurrently.
#ifndef SHAMMIE_POLICY_CHECKPOINT_H_
#define SHAMMIE_POLICY_CHECKPOINT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "policy/artifact_folder.h"
#include "policy/checkpoint_metadata.h"
#include "policy/gpt.h"
#include "policy/safetensors.h"
#include "policy/tokenizer.h"

namespace shammie::policy {

struct CheckpointSaveOptions {
  // Written to lineage.json; empty code_version / created_at are filled in.
  Lineage lineage;
  // Called with the temporary folder after the standard files are written
  // and before the rename: the place to add a training state, a value head
  // or a PM head. Its error aborts the save (nothing appears at the path).
  FolderFiller extra_files;
};

// Writes `model` and `tokenizer` as a checkpoint folder at `dir` (which must
// not exist). INVALID_ARGUMENT when the tokenizer does not fit the model
// (vocab larger than config.vocab_size, or a different end-of-text id).
absl::Status SaveCheckpoint(const std::string& dir, Gpt& model, const Tokenizer& tokenizer,
                            const CheckpointSaveOptions& options = {});

struct Checkpoint {
  GptConfig config;
  Gpt model{nullptr};
  std::unique_ptr<Tokenizer> tokenizer;
  Lineage lineage;  // empty for a folder without lineage.json (e.g. from Hugging Face)
};

// Loads a checkpoint folder written by SaveCheckpoint or by Hugging Face
// (model.safetensors + config.json + vocab.json + merges.txt).
absl::StatusOr<Checkpoint> LoadCheckpoint(const std::string& dir);

// The model's parameters under HF GPT-2 names, in HF layout (Conv1D weights
// transposed to (in, out)); contiguous float32 copies.
TensorMap GptToHfTensors(Gpt& model);
// Copies HF-named tensors into `model`, checking every parameter is present
// with the right shape and no unknown tensor is left over. `what` names the
// source in errors (e.g. the file path).
absl::Status LoadHfTensors(const TensorMap& tensors, Gpt& model, const std::string& what);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_CHECKPOINT_H_
