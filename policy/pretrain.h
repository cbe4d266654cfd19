// The recipe that turns a dialog corpus into a base policy: byte-tokenize
// each dialog (+ end-of-text), train a fresh GPT with SftTrainer (loss on all
// tokens: the base policy learns the dialog format and the prompts as well as
// the answers, and the PM trunk later reads prompts with it), resume from the
// newest training checkpoint if one exists, and evaluate the result by
// sampling responses to held-out contexts and scoring them with a caller-given
// reward (the command passes sim's hidden gold reward; policy/ does not know
// the task).
//
// Torch-free header: the CLI command and tests call it without torch.
// Not thread-safe; trains on the calling thread.
#ifndef SHAMMIE_POLICY_PRETRAIN_H_
#define SHAMMIE_POLICY_PRETRAIN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "policy/gpt_config.h"
#include "policy/sampling_params.h"
#include "policy/training_progress.h"

namespace shammie::policy {

struct PretrainOptions {
  GptConfig config;              // the tiny default; vocab must be 257 (bytes)
  int64_t steps = 500;
  int64_t batch_size = 32;
  double learning_rate = 3e-3;
  int64_t warmup_steps = 25;
  uint64_t seed = 0;             // initialisation and data order
  // The trained model's checkpoint folder (policy/checkpoint.h; must not
  // exist yet); empty = not saved.
  std::string out_dir;
  // Training checkpoints (training_state.pt) for resume; empty = none.
  std::string training_dir;
  int64_t checkpoint_every = 100;
  TrainingProgress::Mode progress = TrainingProgress::Mode::kAuto;
};

// Held-out evaluation after training.
struct PretrainEval {
  std::vector<std::string> contexts;  // "\n\nHuman: …\n\nAssistant:"
  // Scores (context, response text). Must be thread-compatible.
  std::function<double(const std::string& context, const std::string& response)> reward;
  SamplingParams sampling = DefaultSampling();
  int64_t batch_size = 64;

  static SamplingParams DefaultSampling() {
    SamplingParams p;
    p.temperature = 1.0;
    p.max_new_tokens = 64;
    p.stop = {"\n\nHuman:"};
    return p;
  }
};

struct PretrainSample {
  std::string context;
  std::string response;
  double reward = 0;
  bool well_formed = false;
};

struct PretrainReport {
  int64_t steps = 0;               // steps done in total
  int64_t resumed_from_step = 0;   // 0 for a fresh run
  double first_loss = 0;           // loss of the first step this run (nats/token)
  double final_loss = 0;           // mean of the last 10 steps this run
  double train_seconds = 0;
  double tokens_per_second = 0;
  // Evaluation (zero when no eval was given).
  double mean_reward = 0;
  // Responses that ended by end-of-text or a stop string (not cut by
  // length), are non-empty, printable ASCII, and contain no dialog tags.
  double well_formed_fraction = 0;
  std::vector<PretrainSample> samples;  // all evaluated samples
};

// True when `response` (decoded, stop string removed) is a clean single
// assistant turn: see PretrainReport::well_formed_fraction.
bool IsWellFormedResponse(const std::string& response, FinishReason finish);

// Trains, (if eval is non-null) evaluates, and (if options.out_dir is set)
// saves the checkpoint with the report's numbers in lineage.json. Errors: INVALID_ARGUMENT for an
// empty corpus, a dialog longer than n_positions, or a config whose vocab is
// not the byte vocabulary; ALREADY_EXISTS when out_dir exists; INTERNAL for
// torch and checkpoint I/O errors; UNAVAILABLE for training-state I/O.
absl::StatusOr<PretrainReport> PretrainBytePolicy(const std::vector<std::string>& dialogs,
                                                  const PretrainOptions& options,
                                                  const PretrainEval* eval);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PRETRAIN_H_
