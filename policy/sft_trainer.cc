// The SFT / pretraining loop: batch → forward → masked cross-entropy →
// backward → clip → schedule → AdamW step → (checkpoint) → progress.
//
// Shapes: B examples per step, T = longest example in the batch − 1 (inputs
// and targets are the tokens shifted by one), V vocabulary.
//
// Exact resume rests on three things: the data order is a pure function of
// (seed, step); the schedule is a pure function of step; and the state file
// holds every tensor the next step reads (parameters and AdamW moments, step
// counts included). Nothing else is random (no dropout).
#include "policy/sft_trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "common/torch_boundary.h"
#include "policy/fused_adam.h"
#include "policy/sharded_batch.h"

namespace shammie::policy {
namespace fs = std::filesystem;

namespace {

constexpr char kStateFile[] = "training_state.pt";
constexpr char kCheckpointPrefix[] = "checkpoint-";

absl::Status ValidateOptions(const SftOptions& o) {
  if (o.steps <= 0) return absl::InvalidArgumentError("steps must be > 0");
  if (o.batch_size <= 0) return absl::InvalidArgumentError("batch_size must be > 0");
  if (!(o.learning_rate > 0)) return absl::InvalidArgumentError("learning_rate must be > 0");
  if (o.warmup_steps < 0) return absl::InvalidArgumentError("warmup_steps must be >= 0");
  if (!(o.min_learning_rate_ratio >= 0 && o.min_learning_rate_ratio <= 1)) {
    return absl::InvalidArgumentError("min_learning_rate_ratio must be in [0, 1]");
  }
  if (o.grad_clip < 0) return absl::InvalidArgumentError("grad_clip must be >= 0");
  if (o.checkpoint_every < 0) return absl::InvalidArgumentError("checkpoint_every must be >= 0");
  return absl::OkStatus();
}

absl::Status ValidateExamples(const std::vector<SftExample>& examples, const GptConfig& config) {
  if (examples.empty()) return absl::InvalidArgumentError("examples is empty");
  for (size_t i = 0; i < examples.size(); ++i) {
    const SftExample& e = examples[i];
    const int64_t n = e.tokens.size();
    if (n < 2) return absl::InvalidArgumentError(absl::StrCat("examples[", i, "] has < 2 tokens"));
    // The model reads all tokens but the last (the last is only a target).
    if (n - 1 > config.n_positions) {
      return absl::InvalidArgumentError(
          absl::StrCat("examples[", i, "] has ", n,
                       " tokens, more than n_positions + 1 = ", config.n_positions + 1));
    }
    if (e.response_start < 1 || e.response_start >= n) {
      return absl::InvalidArgumentError(
          absl::StrCat("examples[", i, "].response_start must be in [1, ", n, ")"));
    }
    for (int64_t t : e.tokens) {
      if (t < 0 || t >= config.vocab_size) {
        return absl::InvalidArgumentError(
            absl::StrCat("examples[", i, "] has token id ", t, " outside the vocabulary"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

struct SftTrainer::Batch {
  torch::Tensor inputs;   // (B, T) int64
  torch::Tensor targets;  // (B, T) int64
  torch::Tensor weight;   // (B, T) float: 1 where the target is trained
  int64_t tokens = 0;     // B · T processed
};

SftTrainer::SftTrainer(Gpt model, std::vector<SftExample> examples, SftOptions options)
    : model_(std::move(model)), examples_(std::move(examples)), options_(std::move(options)) {
  // Weight decay on matrices (and embeddings) only, as GPT-2/nanoGPT do.
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& p : model_->named_parameters()) {
    (p.value().dim() >= 2 ? decay : no_decay).push_back(p.value());
  }
  auto adamw = [&](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(options_.learning_rate)
            .betas({options_.beta1, options_.beta2})
            .weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, adamw(options_.weight_decay));
  groups.emplace_back(no_decay, adamw(0.0));
  optimizer_ = std::make_unique<FusedAdamW>(std::move(groups));
}

SftTrainer::~SftTrainer() = default;

absl::StatusOr<std::unique_ptr<SftTrainer>> SftTrainer::Create(Gpt model,
                                                               std::vector<SftExample> examples,
                                                               SftOptions options) {
  SHAMMIE_RETURN_IF_ERROR(ValidateOptions(options));
  SHAMMIE_RETURN_IF_ERROR(ValidateExamples(examples, model->config()));
  return common::GuardTorch("create SFT trainer", [&] {
    return std::unique_ptr<SftTrainer>(
        new SftTrainer(std::move(model), std::move(examples), std::move(options)));
  });
}

double SftTrainer::LearningRate(int64_t step) const {
  const double peak = options_.learning_rate;
  if (step < options_.warmup_steps) return peak * (step + 1) / options_.warmup_steps;
  const double span = std::max<int64_t>(1, options_.steps - options_.warmup_steps);
  const double progress = std::min(1.0, (step - options_.warmup_steps) / span);
  const double floor = peak * options_.min_learning_rate_ratio;
  return floor + (peak - floor) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

const std::vector<int64_t>& SftTrainer::EpochOrder(int64_t epoch) {
  if (epoch != order_epoch_) {
    order_.resize(examples_.size());
    for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
    // Fisher–Yates with our own draws: std::shuffle's use of the engine is
    // implementation-defined, and resume must reproduce the order exactly.
    std::mt19937_64 rng(options_.seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch));
    for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng() % i]);
    order_epoch_ = epoch;
  }
  return order_;
}

SftTrainer::Batch SftTrainer::MakeBatch(int64_t step) {
  const int64_t b = options_.batch_size;
  const int64_t n = examples_.size();
  std::vector<const SftExample*> rows;
  int64_t longest = 0;
  for (int64_t j = 0; j < b; ++j) {
    const int64_t global = step * b + j;
    const SftExample& e = examples_[EpochOrder(global / n)[global % n]];
    rows.push_back(&e);
    longest = std::max<int64_t>(longest, e.tokens.size());
  }
  const int64_t t = longest - 1;
  Batch batch;
  batch.inputs = torch::zeros({b, t}, torch::kLong);     // (B, T)
  batch.targets = torch::zeros({b, t}, torch::kLong);    // (B, T)
  batch.weight = torch::zeros({b, t}, torch::kFloat32);  // (B, T)
  auto in = batch.inputs.accessor<int64_t, 2>();
  auto tg = batch.targets.accessor<int64_t, 2>();
  auto w = batch.weight.accessor<float, 2>();
  const bool all = options_.loss == SftLoss::kAllTokens;
  for (int64_t i = 0; i < b; ++i) {
    const auto& tokens = rows[i]->tokens;
    for (int64_t j = 0; j + 1 < static_cast<int64_t>(tokens.size()); ++j) {
      in[i][j] = tokens[j];
      tg[i][j] = tokens[j + 1];
      w[i][j] = (all || j + 1 >= rows[i]->response_start) ? 1.0f : 0.0f;
    }
  }
  batch.tokens = b * t;
  return batch;
}

absl::StatusOr<SftResult> SftTrainer::Train(
    const std::function<void(const SftStepStats&)>& on_step) {
  const int64_t end =
      options_.stop_at_step >= 0 ? std::min(options_.stop_at_step, options_.steps) : options_.steps;
  TrainingProgress progress("train", options_.steps, options_.progress, options_.log_every);
  SftResult result;
  const auto start = std::chrono::steady_clock::now();
  int64_t processed = 0;
  model_->train();
  while (step_ < end) {
    SftStepStats stats;
    absl::Status s = common::GuardTorch("SFT step", [&] {
      Batch batch = MakeBatch(step_);
      const double lr = LearningRate(step_);
      for (auto& group : optimizer_->param_groups()) {
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
      }
      optimizer_->zero_grad();
      // The mean over the batch's weighted tokens, as per-shard sums over one
      // denominator (policy/sharded_batch.h).
      const double weighted_tokens = batch.weight.sum().item<double>();
      const double weight_sum = std::max(1.0, weighted_tokens);
      const int64_t b = batch.inputs.size(0);
      const int shards = ShardCount(b);
      std::vector<torch::Tensor> parts(shards);
      ShardedBackward(b, shards, model_->parameters(), [&](int shard, ShardRange rows) {
        const int64_t n = rows.end - rows.begin;
        torch::Tensor logits =
            model_->forward(batch.inputs.narrow(0, rows.begin, n)).logits;  // (b, T, V)
        torch::Tensor nll = torch::nn::functional::cross_entropy(
            logits.flatten(0, 1), batch.targets.narrow(0, rows.begin, n).flatten(),
            torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));  // (b·T)
        torch::Tensor part =
            (nll * batch.weight.narrow(0, rows.begin, n).flatten()).sum() / weight_sum;  // ()
        parts[shard] = part.detach();
        return part;
      });
      torch::Tensor loss = torch::stack(parts).sum();  // ()
      double norm = options_.grad_clip > 0 ? torch::nn::utils::clip_grad_norm_(model_->parameters(),
                                                                               options_.grad_clip)
                                           : 0.0;
      optimizer_->step();
      processed += batch.tokens;
      stats.step = step_ + 1;
      stats.loss = loss.item<double>();
      stats.learning_rate = lr;
      stats.grad_norm = norm;
      stats.tokens = static_cast<int64_t>(weighted_tokens);
    });
    SHAMMIE_RETURN_IF_ERROR(s);
    ++step_;
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    stats.tokens_per_second = processed / std::max(secs, 1e-9);
    result.losses.push_back(stats.loss);
    progress.Update(stats.step, stats.loss, stats.learning_rate, stats.tokens_per_second);
    if (on_step) on_step(stats);
    const bool periodic = options_.checkpoint_every > 0 && step_ % options_.checkpoint_every == 0;
    if (!options_.out_dir.empty() && (periodic || step_ == end)) {
      result.last_checkpoint =
          (fs::path(options_.out_dir) / absl::StrFormat("%s%08d", kCheckpointPrefix, step_))
              .string();
      SHAMMIE_RETURN_IF_ERROR(SaveState(result.last_checkpoint));
    }
  }
  result.final_step = step_;
  return result;
}

absl::Status SftTrainer::SaveState(const std::string& dir) const {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("create ", dir, ": ", ec.message()));
  const fs::path final_path = fs::path(dir) / kStateFile;
  const fs::path tmp_path = fs::path(dir) / (std::string(kStateFile) + ".tmp");
  SHAMMIE_RETURN_IF_ERROR(common::GuardTorch(
      "save training state",
      [&] {
        torch::serialize::OutputArchive archive;
        archive.write("step", torch::tensor(step_));
        archive.write("seed", torch::tensor(static_cast<int64_t>(options_.seed)));
        archive.write("examples", torch::tensor(static_cast<int64_t>(examples_.size())));
        torch::serialize::OutputArchive model_archive, optimizer_archive;
        for (const auto& p : model_->named_parameters()) model_archive.write(p.key(), p.value());
        optimizer_->save(optimizer_archive);
        archive.write("model", model_archive);
        archive.write("optimizer", optimizer_archive);
        archive.save_to(tmp_path.string());
      },
      absl::StatusCode::kUnavailable));
  fs::rename(tmp_path, final_path, ec);
  if (ec)
    return absl::UnavailableError(absl::StrCat("rename ", tmp_path.string(), ": ", ec.message()));
  return absl::OkStatus();
}

absl::Status SftTrainer::Resume(const std::string& training_state_path) {
  if (!fs::exists(training_state_path)) {
    return absl::NotFoundError(absl::StrCat("no training state at ", training_state_path));
  }
  torch::serialize::InputArchive archive;
  SHAMMIE_RETURN_IF_ERROR(common::GuardTorch(
      "read training state", [&] { archive.load_from(training_state_path); },
      absl::StatusCode::kDataLoss));
  return common::GuardTorch(
      "restore training state",
      [&]() -> absl::Status {
        torch::Tensor step, seed, examples;
        archive.read("step", step);
        archive.read("seed", seed);
        archive.read("examples", examples);
        if (seed.item<int64_t>() != static_cast<int64_t>(options_.seed) ||
            examples.item<int64_t>() != static_cast<int64_t>(examples_.size())) {
          return absl::FailedPreconditionError(
              absl::StrCat(training_state_path, " was written with seed ", seed.item<int64_t>(),
                           " and ", examples.item<int64_t>(), " examples; this run has seed ",
                           options_.seed, " and ", examples_.size()));
        }
        torch::serialize::InputArchive model_archive, optimizer_archive;
        archive.read("model", model_archive);
        archive.read("optimizer", optimizer_archive);
        torch::NoGradGuard no_grad;
        for (auto& p : model_->named_parameters()) {
          torch::Tensor saved;
          model_archive.read(p.key(), saved);
          if (saved.sizes() != p.value().sizes()) {
            return absl::FailedPreconditionError(absl::StrCat(
                training_state_path, ": ", p.key(), " has shape ", c10::str(saved.sizes()),
                ", the model has ", c10::str(p.value().sizes())));
          }
          p.value().copy_(saved);
        }
        optimizer_->load(optimizer_archive);
        step_ = step.item<int64_t>();
        return absl::OkStatus();
      },
      absl::StatusCode::kDataLoss);
}

absl::StatusOr<std::string> SftTrainer::LatestCheckpoint(const std::string& out_dir) {
  std::error_code ec;
  std::string best;
  for (const auto& entry : fs::directory_iterator(out_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kCheckpointPrefix, 0) != 0) continue;
    if (!fs::exists(entry.path() / kStateFile)) continue;  // incomplete
    if (name > best) best = name;                          // zero-padded step numbers sort as text
  }
  if (best.empty()) return absl::NotFoundError(absl::StrCat("no checkpoint in ", out_dir));
  return (fs::path(out_dir) / best).string();
}

}  // namespace shammie::policy
