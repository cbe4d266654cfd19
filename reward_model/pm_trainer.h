// Trains a PreferenceModel on comparisons, one step at a time, top to bottom:
//   batch of pairs → score chosen and rejected rows → loss → backward →
//   (allreduce gradients across ranks) → clip → AdamW step → progress →
//   (resume state every checkpoint_every steps).
//
// Data order: a seeded shuffle per epoch, a pure function of (seed, epoch),
// so a job resumed at step s replays exactly the batches after s. One epoch
// by default (Bai et al. 2022).
//
// Data parallel: with world_size W, a global batch of batch_size pairs is
// split by position (pair i goes to rank i mod W); each rank's loss is
// scaled by its share of the global batch and the gradients are summed
// across ranks by `allreduce`, so W processes take the same step as one
// process on the whole global batch.
//
// Includes torch: private to reward_model/. Not thread-safe.
#ifndef SHAMMIE_REWARD_MODEL_PM_TRAINER_H_
#define SHAMMIE_REWARD_MODEL_PM_TRAINER_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "reward_model/pm_data.h"
#include "reward_model/pm_evaluation.h"
#include "reward_model/preference_model.h"
#include "shammie/v1/pm_trainer.pb.h"

namespace shammie::reward_model {

struct PmTrainOptions {
  v1::PmLoss loss = v1::PM_LOSS_RANKED;
  double learning_rate = 3e-4;  // > 0; constant after warmup
  int64_t warmup_steps = 10;
  int64_t batch_size = 16;      // pairs per global step, > 0
  int64_t epochs = 1;           // > 0
  uint64_t seed = 0;
  double weight_decay = 0.0;
  double grad_clip = 1.0;       // max global gradient norm; 0 = off
  int64_t max_len = 0;          // tokens per row; 0 = the trunk's n_positions
  // Data parallel (common/process_group.h makes `allreduce` from the environment).
  int64_t rank = 0;
  int64_t world_size = 1;
  // Sums each tensor in place across ranks. Required when world_size > 1.
  std::function<void(std::vector<torch::Tensor>&)> allreduce;
};

struct PmStepStats {
  int64_t step = 0;  // steps done
  int64_t total_steps = 0;
  double loss = 0;      // this step's loss (this rank's pairs)
  double accuracy = 0;  // fraction of this step's pairs scored the right way
  double pairs_per_second = 0;
  double eta_seconds = 0;
};

class PmTrainer {
 public:
  // INVALID_ARGUMENT naming the field: learning_rate <= 0, batch_size <= 0,
  // epochs <= 0, world_size/rank out of range, no training pairs.
  static absl::StatusOr<std::unique_ptr<PmTrainer>> Create(PreferenceModel model, Encoder encode,
                                                           int64_t eos, std::vector<PmPair> train,
                                                           PmTrainOptions options);

  // Runs from the current step to the end. `on_step` sees every step;
  // `should_stop` is asked before each step (true → CANCELLED, state kept);
  // `on_checkpoint_due` is called after steps that are multiples of
  // `checkpoint_every` (0 = never) so the caller can SaveState; its error
  // ends training with that error.
  struct Hooks {
    std::function<void(const PmStepStats&)> on_step;
    std::function<bool()> should_stop;
    int64_t checkpoint_every = 0;
    std::function<absl::Status(int64_t step)> on_checkpoint_due;
  };
  absl::Status Train(const Hooks& hooks);

  // Writes model + optimizer + step into `dir` (created; files replaced via
  // temporary names). INTERNAL on I/O or torch errors.
  absl::Status SaveState(const std::string& dir) const;
  // Restores a SaveState folder. NOT_FOUND when missing; DATA_LOSS when
  // unreadable.
  absl::Status LoadState(const std::string& dir);

  int64_t step() const { return step_; }
  int64_t total_steps() const { return total_steps_; }
  ~PmTrainer();

 private:
  PmTrainer(PreferenceModel model, Encoder encode, int64_t eos, std::vector<PmPair> train,
            PmTrainOptions options);
  std::vector<const PmPair*> LocalBatch(int64_t step);
  const std::vector<int64_t>& EpochOrder(int64_t epoch);
  torch::Tensor StepLoss(const std::vector<const PmPair*>& pairs, double* accuracy);

  PreferenceModel model_;
  Encoder encode_;
  int64_t eos_;
  std::vector<PmPair> train_;
  PmTrainOptions options_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  int64_t steps_per_epoch_ = 0;
  int64_t total_steps_ = 0;
  int64_t step_ = 0;
  int64_t order_epoch_ = -1;
  std::vector<int64_t> order_;
};

// Scores held-out pairs for Evaluate(): the scalar head (minus the offset),
// or for the imitation baseline the mean log-probability of each response.
// `gold` (optional, same length as pairs): +1/−1/0 per pair.
std::vector<ScoredPair> ScorePairs(PreferenceModel& model, const Encoder& encode, int64_t eos,
                                   const std::vector<PmPair>& pairs, v1::PmLoss loss,
                                   int64_t batch_size, const std::vector<int>& gold = {});

// Raw PM scores (B) of responses to contexts, offset not applied.
std::vector<double> ScoreTexts(PreferenceModel& model, const Encoder& encode, int64_t eos,
                               const std::vector<std::string>& contexts,
                               const std::vector<std::string>& responses, int64_t batch_size);

}  // namespace shammie::reward_model

#endif  // SHAMMIE_REWARD_MODEL_PM_TRAINER_H_
