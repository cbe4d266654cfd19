// PpoRun over PpoTrainer: checkpoint folders in, checkpoint folders out.
#include "policy/ppo_run.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/torch_boundary.h"
#include "policy/checkpoint.h"
#include "policy/ppo_trainer.h"

namespace shammie::policy {
namespace {

// Checkpoint loader errors, with the spec field in front.
absl::StatusOr<Checkpoint> Load(const std::string& dir, absl::string_view field) {
  absl::StatusOr<Checkpoint> c = LoadCheckpoint(dir);
  if (!c.ok()) {
    return absl::Status(c.status().code(), absl::StrCat(field, " ", dir, ": ", c.status().message()));
  }
  return c;
}

class PpoRunImpl : public PpoRun {
 public:
  PpoRunImpl(Checkpoint policy, std::unique_ptr<PpoTrainer> trainer, std::string lineage_json,
             std::string parent, PromptCounts prompts)
      : policy_(std::move(policy)),
        trainer_(std::move(trainer)),
        lineage_json_(std::move(lineage_json)),
        parent_(std::move(parent)),
        prompts_(prompts) {}

  absl::StatusOr<PpoStepMetrics> Step() override {
    absl::StatusOr<PpoStepMetrics> m = trainer_->Step();
    if (m.ok()) last_ = *m;
    return m;
  }
  uint32_t step() const override { return trainer_->step(); }
  PromptCounts prompts() const override { return prompts_; }

  absl::Status SaveCheckpoint(const std::string& dir) override {
    // A folder left by a run killed between saving and recording the resume
    // point is this job's own; replace it.
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::create_directories(std::filesystem::path(dir).parent_path(), ec);
    CheckpointSaveOptions options;
    options.lineage.parent = parent_;
    options.lineage.job_spec_json = lineage_json_;
    if (trainer_->step() > 0) {
      options.lineage.metrics = {{"ppo_step", trainer_->step()},
                                 {"mean_reward", last_.reward},
                                 {"kl", last_.kl},
                                 {"beta", trainer_->beta()}};
    }
    options.extra_files = [this](const std::string& tmp) {
      return trainer_->SaveState((std::filesystem::path(tmp) / kPpoStateFile).string());
    };
    return policy::SaveCheckpoint(dir, policy_.model, *policy_.tokenizer, options);
  }

  absl::Status Resume(const std::string& dir) override {
    return trainer_->LoadState((std::filesystem::path(dir) / kPpoStateFile).string());
  }

 private:
  Checkpoint policy_;  // its model is the trained policy trunk (shared with the trainer)
  std::unique_ptr<PpoTrainer> trainer_;
  const std::string lineage_json_;
  const std::string parent_;
  const PromptCounts prompts_;
  PpoStepMetrics last_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PpoRun>> PpoRun::Create(const PpoRunSpec& spec) {
  SHAMMIE_RETURN_IF_ERROR(ValidatePpoOptions(spec.options));
  SHAMMIE_ASSIGN_OR_RETURN(Checkpoint policy, Load(spec.policy_checkpoint, "policy_checkpoint"));
  const std::string& ref_dir =
      spec.reference_checkpoint.empty() ? spec.policy_checkpoint : spec.reference_checkpoint;
  SHAMMIE_ASSIGN_OR_RETURN(Checkpoint reference, Load(ref_dir, "reference_checkpoint"));
  const Tokenizer& tok = *policy.tokenizer;
  // Contexts come from whatever labelers compared, so some may be too long
  // for the model's positions once the response is added: those are left
  // out (and counted), not cut, since a cut dialog is a different prompt.
  const size_t max_context =
      static_cast<size_t>(std::max<int64_t>(0, policy.model->config().n_positions -
                                                   static_cast<int64_t>(spec.options.max_response_tokens)));
  std::vector<PpoPrompt> prompts;
  PromptCounts counts;
  for (const std::string& text : spec.prompts) {
    PpoPrompt p;
    p.context = text;
    p.context_ids = tok.Encode(text);
    if (p.context_ids.size() > max_context) {
      ++counts.skipped;
      continue;
    }
    prompts.push_back(std::move(p));
  }
  counts.used = prompts.size();
  if (prompts.empty() && counts.skipped > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_response_tokens: all ", counts.skipped, " prompts are longer than the ", max_context,
        " tokens the model's ", policy.model->config().n_positions, " positions leave beside ",
        spec.options.max_response_tokens, " response tokens"));
  }
  if (counts.skipped > 0) {
    SHAMMIE_LOG(WARNING) << "left out " << counts.skipped << " of " << spec.prompts.size()
                         << " prompts longer than " << max_context << " tokens (the model has "
                         << policy.model->config().n_positions << " positions, "
                         << spec.options.max_response_tokens << " go to the response)";
  }
  PpoModels models;
  models.policy = policy.model;
  models.reference = reference.model;
  models.eos_token_id = tok.eos_token_id();
  models.pad_token_id = tok.eos_token_id();
  models.decode = [&tok](const std::vector<int64_t>& ids) {
    absl::StatusOr<std::string> s = tok.Decode(ids);
    return s.ok() ? *s : std::string();
  };
  // The detokenizer refers to the tokenizer owned by `policy`; the run keeps
  // both alive together (Checkpoint is moved, its unique_ptr target stays).
  PpoDataParallel parallel;
  if (spec.group != nullptr && spec.group->world_size() > 1) {
    parallel.rank = spec.group->rank();
    parallel.world_size = spec.group->world_size();
    parallel.allreduce_sum = [group = spec.group](std::vector<torch::Tensor>& t) {
      group->AllReduceMean(t, /*sum=*/true);
    };
  }
  SHAMMIE_ASSIGN_OR_RETURN(
      std::unique_ptr<PpoTrainer> trainer,
      PpoTrainer::Create(spec.options, models, std::move(prompts), spec.scorers, std::move(parallel)));
  return std::unique_ptr<PpoRun>(new PpoRunImpl(std::move(policy), std::move(trainer),
                                                spec.lineage_json, spec.policy_checkpoint, counts));
}

}  // namespace shammie::policy
