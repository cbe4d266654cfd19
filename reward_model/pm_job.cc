#include "reward_model/pm_job.h"

#include <cmath>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/torch_boundary.h"
#include "policy/sampler.h"
#include "reward_model/pm_checkpoint.h"
#include "reward_model/pm_data.h"
#include "common/process_group.h"
#include "reward_model/pm_evaluation.h"
#include "reward_model/pm_trainer.h"

namespace shammie::reward_model {
namespace {

namespace fs = std::filesystem;

// The byte tokenizer (ids 0–255 are bytes; eos = 256). Base policies with
// another vocabulary are refused in ValidatePmSpec until the policy
// tokenizer is wired in (docs/preference_model.md).
std::string DecodeBytes(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) {
    if (id >= 0 && id < 256) out.push_back(static_cast<char>(id));
  }
  return out;
}

// Mean raw score of the base policy's own responses to the test contexts
// (train contexts when the test split is empty): the offset that makes the
// base policy average 0.
absl::StatusOr<double> BaseScoreOffset(PreferenceModel& pm, policy::Gpt& base,
                                       const std::vector<PmPair>& pairs,
                                       const PmJobInputs& in) {
  const int64_t eos = base->config().eos_token_id;
  policy::Sampler sampler(base, {eos, eos, true}, DecodeBytes);
  std::vector<policy::GenerationRequest> requests;
  std::vector<std::string> contexts;
  const int64_t room = base->config().n_positions - in.offset_max_tokens;
  for (size_t i = 0; i < pairs.size() && static_cast<int64_t>(requests.size()) < in.offset_samples; ++i) {
    std::vector<int64_t> prompt = EncodeBytes(pairs[i].context);
    if (prompt.empty() || static_cast<int64_t>(prompt.size()) > room) continue;
    policy::GenerationRequest r;
    r.prompt = std::move(prompt);
    r.params.max_new_tokens = in.offset_max_tokens;
    r.params.seed = in.spec.seed() * 7919 + i;
    requests.push_back(std::move(r));
    contexts.push_back(pairs[i].context);
  }
  if (requests.empty()) return 0.0;
  auto completions = sampler.Generate(requests);
  if (!completions.ok()) return completions.status();
  std::vector<std::string> responses;
  for (const auto& c : *completions) responses.push_back(c.text);
  return ScoreOffset(ScoreTexts(pm, EncodeBytes, eos, contexts, responses, 32));
}

v1::JobProgress ToProgress(const PmStepStats& s) {
  v1::JobProgress p;
  p.set_step(s.step);
  p.set_total_steps(s.total_steps);
  p.set_items_per_second(s.pairs_per_second);
  p.set_eta_seconds(s.eta_seconds);
  (*p.mutable_metrics())["loss"] = s.loss;
  (*p.mutable_metrics())["accuracy"] = s.accuracy;
  return p;
}

}  // namespace

v1::PmJobSpec WithDefaults(v1::PmJobSpec spec) {
  if (spec.loss() == v1::PM_LOSS_UNSPECIFIED) spec.set_loss(v1::PM_LOSS_RANKED);
  if (spec.learning_rate() == 0) spec.set_learning_rate(3e-4);
  if (spec.epochs() == 0) spec.set_epochs(1);
  if (spec.test_fraction() == 0) spec.set_test_fraction(0.05);
  return spec;
}

absl::Status ValidatePmSpec(const v1::PmJobSpec& spec) {
  if (spec.key().empty()) return absl::InvalidArgumentError("key: required (the idempotency key)");
  if (!std::isfinite(spec.learning_rate()) || spec.learning_rate() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("learning_rate: must be > 0 (0 = default), got ", spec.learning_rate()));
  }
  if (spec.batch_size() == 0) {
    return absl::InvalidArgumentError("batch_size: must be > 0");
  }
  if (spec.batch_size() > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_size: at most 4096, got ", spec.batch_size()));
  }
  if (spec.epochs() > 100) {
    return absl::InvalidArgumentError(absl::StrCat("epochs: at most 100, got ", spec.epochs()));
  }
  if (!(spec.test_fraction() >= 0 && spec.test_fraction() < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("test_fraction: must be in [0, 1), got ", spec.test_fraction()));
  }
  if (spec.data_half() > 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("data_half: must be 0, 1 or 2, got ", spec.data_half()));
  }
  if (spec.base_checkpoint().empty()) {
    return absl::InvalidArgumentError("base_checkpoint: required");
  }
  auto config = ReadGptConfig(spec.base_checkpoint());
  const fs::path base(spec.base_checkpoint());
  if (!config.ok() ||
      !(fs::exists(base / "model.pt") || fs::exists(base / "model.safetensors"))) {
    return absl::FailedPreconditionError(absl::StrCat(
        "base_checkpoint: no policy checkpoint at \"", spec.base_checkpoint(), "\"",
        config.ok() ? "" : absl::StrCat(" (", config.status().message(), ")")));
  }
  if (config->vocab_size != 257) {
    return absl::FailedPreconditionError(absl::StrCat(
        "base_checkpoint: vocabulary of ", config->vocab_size,
        " tokens; the PM trainer reads byte-tokenizer policies (257) only"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::PmReport> RunPmJob(const PmJobInputs& in, const PmJobCallbacks& cb) {
  const v1::PmJobSpec spec = WithDefaults(in.spec);
  if (auto s = ValidatePmSpec(spec); !s.ok()) return s;
  SplitOptions split{spec.test_fraction(), spec.seed(), spec.data_half()};
  auto data = PrepareData(in.comparisons, split);
  if (!data.ok()) return data.status();
  if (data->train.empty()) {
    return absl::FailedPreconditionError("comparisons: no training comparisons after dedup/split");
  }
  // Gold per test pair, matched by seq.
  std::vector<int> test_gold;
  if (!in.gold.empty()) {
    std::map<uint64_t, int> by_seq;
    for (size_t i = 0; i < in.comparisons.size(); ++i) by_seq[in.comparisons[i].seq()] = in.gold[i];
    for (const PmPair& p : data->test) test_gold.push_back(by_seq.count(p.seq) ? by_seq[p.seq] : 0);
  }
  return common::GuardTorch("PM job", [&]() -> absl::StatusOr<v1::PmReport> {
    auto base = LoadBasePolicy(spec.base_checkpoint());
    if (!base.ok()) return base.status();
    const int64_t eos = (*base)->config().eos_token_id;
    // The PM trunk is a copy of the base: the base stays as it was, to
    // sample from for the score offset.
    auto trunk = LoadBasePolicy(spec.base_checkpoint());
    if (!trunk.ok()) return trunk.status();
    torch::manual_seed(spec.seed());
    PreferenceModel model{*trunk};

    PmTrainOptions o;
    o.loss = spec.loss();
    o.learning_rate = spec.learning_rate();
    o.batch_size = spec.batch_size();
    o.epochs = spec.epochs();
    o.seed = spec.seed();
    o.rank = in.rank;
    o.world_size = in.world_size;
    std::unique_ptr<common::ProcessGroup> group;
    if (in.world_size > 1) {
      auto g = common::ProcessGroup::Connect({in.rank, in.world_size, in.master_addr, in.master_port});
      if (!g.ok()) return g.status();
      group = *std::move(g);
      o.allreduce = [&group](std::vector<torch::Tensor>& t) { group->AllReduceMean(t, /*sum=*/true); };
      group->Broadcast(model->parameters());  // every rank starts from rank 0's weights
    }
    auto trainer = PmTrainer::Create(model, EncodeBytes, eos, data->train, o);
    if (!trainer.ok()) return trainer.status();
    if (!in.resume_state.empty()) {
      if (auto s = (*trainer)->LoadState(in.resume_state); !s.ok()) return s;
      SHAMMIE_LOG(INFO) << "PM job resumed at step " << (*trainer)->step();
    }
    PmTrainer::Hooks hooks;
    hooks.on_step = [&](const PmStepStats& s) {
      if (cb.progress) cb.progress(ToProgress(s));
    };
    hooks.should_stop = cb.cancelled;
    hooks.checkpoint_every = in.checkpoint_every;
    hooks.on_checkpoint_due = [&](int64_t step) -> absl::Status {
      if (in.work_dir.empty() || in.rank != 0) return absl::OkStatus();
      const std::string dir = (fs::path(in.work_dir) / absl::StrCat("state-", step)).string();
      if (auto s = (*trainer)->SaveState(dir); !s.ok()) return s;
      return cb.resume_point ? cb.resume_point(dir, step) : absl::OkStatus();
    };
    if (auto s = (*trainer)->Train(hooks); !s.ok()) return s;

    v1::PmReport report;
    const std::vector<PmPair>& eval_pairs = data->test;
    Evaluate(ScorePairs(model, EncodeBytes, eos, eval_pairs, spec.loss(), 64, test_gold), &report);
    report.set_train_comparisons(data->train.size());
    report.set_duplicates_dropped(data->duplicates_dropped);
    if (spec.loss() != v1::PM_LOSS_IMITATION) {
      auto offset = BaseScoreOffset(model, *base, data->test.empty() ? data->train : data->test, in);
      if (!offset.ok()) return offset.status();
      // Rounded to the float the checkpoint stores, so the report states
      // exactly the offset that scoring will subtract.
      const float stored = static_cast<float>(*offset);
      model->score_offset.fill_(stored);
      report.set_score_offset(stored);
    }
    if (in.rank == 0) {
      if (auto s = WritePmCheckpoint(model, report, spec, in.output_dir); !s.ok()) return s;
    }
    return report;
  });
}

}  // namespace shammie::reward_model
