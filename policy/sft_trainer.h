// Next-token training of a Gpt on tokenized dialogs: pretraining of the base
// policy (loss on every token) and supervised fine-tuning (loss on response
// tokens only).
//
// Algorithm: AdamW (β = 0.9, 0.95; weight decay on matrices only, not on
// biases or LayerNorms), linear warmup then cosine decay to
// min_learning_rate_ratio × learning_rate, global gradient-norm clipping.
// Each example is one row (right-padded to the longest row of the batch, so
// causal attention needs no mask); the data order is a fresh seeded shuffle
// per epoch, a pure function of (seed, step).
//
// Checkpoints: every checkpoint_every steps (and at the end) the trainer
// writes <out_dir>/checkpoint-<step>/training_state.pt (model parameters,
// optimizer moments, step, data-order position and seed) under a temporary
// name and renames it into place. Resume() restores all of it, so a run
// stopped after a checkpoint and resumed produces the same losses, bit for
// bit, as an uninterrupted run with the same seed (same machine and thread
// count). The exported model folder (model.safetensors, config.json) is the
// caller's business (policy/checkpoint.h).
//
// Not thread-safe. Trains the given module in place. Includes torch: private
// to policy/ (services use the pretrain command / runtime facade).
#ifndef SHAMMIE_POLICY_SFT_TRAINER_H_
#define SHAMMIE_POLICY_SFT_TRAINER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "policy/gpt.h"
#include "policy/training_progress.h"

namespace shammie::policy {

struct SftExample {
  // Context, response and end-of-text, as token ids. At most n_positions + 1
  // (the model reads all but the last token).
  std::vector<int64_t> tokens;
  // Index of the first token that is a training target when the loss is on
  // responses (the first response token); ignored for kAllTokens.
  int64_t response_start = 1;
};

enum class SftLoss {
  kAllTokens,       // pretraining: predict every token after the first
  kResponseTokens,  // SFT: predict tokens[response_start:] only
};

using ProgressMode = TrainingProgress::Mode;

struct SftOptions {
  // --- optimization ---
  int64_t steps = 600;            // total optimizer steps (the schedule's length)
  int64_t batch_size = 32;        // examples per step
  double learning_rate = 3e-3;    // peak, reached after warmup
  double min_learning_rate_ratio = 0.1;  // cosine floor, relative to the peak
  int64_t warmup_steps = 30;
  double weight_decay = 0.1;
  double beta1 = 0.9;
  double beta2 = 0.95;
  double grad_clip = 1.0;         // max global L2 norm; 0 = off
  SftLoss loss = SftLoss::kAllTokens;
  uint64_t seed = 0;              // data order
  // --- checkpoints ---
  std::string out_dir;            // empty: no checkpoints
  int64_t checkpoint_every = 0;   // steps; 0: only at the end
  // --- running ---
  // Stop (after checkpointing) once this many steps are done, without
  // changing the schedule: how tests and operators interrupt a run. -1 = off.
  int64_t stop_at_step = -1;
  ProgressMode progress = ProgressMode::kAuto;  // kAuto: bar on a TTY, else lines
  int64_t log_every = 20;         // steps between progress lines
};

struct SftStepStats {
  int64_t step = 0;        // 1-based: steps done after this one
  double loss = 0;         // mean cross-entropy over target tokens (nats)
  double learning_rate = 0;
  double grad_norm = 0;    // before clipping
  int64_t tokens = 0;      // target tokens in the step
  double tokens_per_second = 0;  // all tokens processed (incl. inputs) since start / time
};

struct SftResult {
  std::vector<double> losses;  // one per step run by this call
  int64_t final_step = 0;
  std::string last_checkpoint;  // folder of the last checkpoint written, if any
};

class SftTrainer {
 public:
  // Errors: INVALID_ARGUMENT naming the field (steps, batch_size,
  // learning_rate, examples[i] too long / empty / out of vocabulary, …).
  static absl::StatusOr<std::unique_ptr<SftTrainer>> Create(Gpt model,
                                                            std::vector<SftExample> examples,
                                                            SftOptions options);

  // Restores a training_state.pt written by this trainer (same model shape
  // and optimizer settings). NOT_FOUND if missing; DATA_LOSS if unreadable;
  // FAILED_PRECONDITION if it belongs to a different model shape or seed.
  absl::Status Resume(const std::string& training_state_path);

  // The latest complete checkpoint folder in out_dir, or NOT_FOUND.
  static absl::StatusOr<std::string> LatestCheckpoint(const std::string& out_dir);

  // Runs from the current step to options.steps (or stop_at_step). `on_step`
  // sees every step. INTERNAL on torch errors; checkpoint I/O errors as
  // returned by the file system (UNAVAILABLE / PERMISSION_DENIED …).
  absl::StatusOr<SftResult> Train(const std::function<void(const SftStepStats&)>& on_step = {});

  // Writes training_state.pt into `dir` (created), via a temporary file.
  absl::Status SaveState(const std::string& dir) const;

  int64_t step() const { return step_; }
  // Changes options.stop_at_step (e.g. to run a few steps per Train() call).
  void set_stop_at_step(int64_t step) { options_.stop_at_step = step; }
  // The learning rate used by step `step` (0-based).
  double LearningRate(int64_t step) const;

  ~SftTrainer();

 private:
  SftTrainer(Gpt model, std::vector<SftExample> examples, SftOptions options);
  struct Batch;
  Batch MakeBatch(int64_t step);
  const std::vector<int64_t>& EpochOrder(int64_t epoch);

  Gpt model_;
  std::vector<SftExample> examples_;
  SftOptions options_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  int64_t step_ = 0;
  int64_t order_epoch_ = -1;
  std::vector<int64_t> order_;  // permutation of examples for order_epoch_
};

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_SFT_TRAINER_H_
