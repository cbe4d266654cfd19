// Pretraining recipe: corpus → examples → SftTrainer (with resume) → sampled
// evaluation. Each step of the recipe is a function below, in that order.
#include "policy/pretrain.h"

#include <chrono>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/torch_boundary.h"
#include "policy/byte_tokenizer.h"
#include "policy/checkpoint.h"
#include "policy/sampler.h"
#include "policy/sft_trainer.h"

namespace shammie::policy {
namespace {

constexpr char kAssistantTag[] = "\n\nAssistant:";

absl::StatusOr<std::vector<SftExample>> MakeExamples(const std::vector<std::string>& dialogs,
                                                     const Tokenizer& tokenizer,
                                                     const GptConfig& config) {
  if (dialogs.empty()) return absl::InvalidArgumentError("dialogs is empty");
  std::vector<SftExample> out;
  out.reserve(dialogs.size());
  for (size_t i = 0; i < dialogs.size(); ++i) {
    SftExample e;
    e.tokens = tokenizer.Encode(dialogs[i]);
    e.tokens.push_back(tokenizer.eos_token_id());
    if (static_cast<int64_t>(e.tokens.size()) > config.n_positions + 1) {
      return absl::InvalidArgumentError(absl::StrCat("dialogs[", i, "] has ", e.tokens.size(),
                                                     " tokens; the context is ",
                                                     config.n_positions));
    }
    // Where the last assistant response starts (used only with kResponseTokens).
    const size_t tag = dialogs[i].rfind(kAssistantTag);
    e.response_start = tag == std::string::npos
                           ? 1
                           : static_cast<int64_t>(
                                 tokenizer.Encode(dialogs[i].substr(0, tag + std::strlen(kAssistantTag)))
                                     .size());
    e.response_start = std::clamp<int64_t>(e.response_start, 1, e.tokens.size() - 1);
    out.push_back(std::move(e));
  }
  return out;
}

absl::Status Train(Gpt model, std::vector<SftExample> examples, const PretrainOptions& o,
                   PretrainReport* report) {
  SftOptions so;
  so.steps = o.steps;
  so.batch_size = o.batch_size;
  so.learning_rate = o.learning_rate;
  so.warmup_steps = o.warmup_steps;
  so.seed = o.seed;
  so.loss = SftLoss::kAllTokens;
  so.out_dir = o.training_dir;
  so.checkpoint_every = o.checkpoint_every;
  so.progress = o.progress;
  SHAMMIE_ASSIGN_OR_RETURN(auto trainer, SftTrainer::Create(model, std::move(examples), so));
  if (!o.training_dir.empty()) {
    absl::StatusOr<std::string> latest = SftTrainer::LatestCheckpoint(o.training_dir);
    if (latest.ok()) {
      SHAMMIE_RETURN_IF_ERROR(trainer->Resume(*latest + "/training_state.pt"));
      report->resumed_from_step = trainer->step();
      SHAMMIE_LOG(INFO) << "pretrain: resumed from " << *latest;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  int64_t tokens = 0;
  SHAMMIE_ASSIGN_OR_RETURN(SftResult result, trainer->Train([&](const SftStepStats& s) {
                             tokens += s.tokens;
                           }));
  report->train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report->steps = result.final_step;
  report->tokens_per_second = tokens / std::max(report->train_seconds, 1e-9);
  if (!result.losses.empty()) {
    report->first_loss = result.losses.front();
    const size_t n = std::min<size_t>(10, result.losses.size());
    for (size_t i = result.losses.size() - n; i < result.losses.size(); ++i) {
      report->final_loss += result.losses[i] / n;
    }
  }
  return absl::OkStatus();
}

absl::Status Evaluate(Gpt model, const Tokenizer& tokenizer, const PretrainEval& eval,
                      PretrainReport* report) {
  SamplerOptions so;
  so.eos_token_id = tokenizer.eos_token_id();
  so.pad_token_id = tokenizer.eos_token_id();
  Sampler sampler(model, so, [&tokenizer](const std::vector<int64_t>& ids) {
    absl::StatusOr<std::string> text = tokenizer.Decode(ids);
    return text.ok() ? *text : std::string();
  });
  double reward = 0, well_formed = 0;
  for (size_t begin = 0; begin < eval.contexts.size(); begin += eval.batch_size) {
    const size_t end = std::min(eval.contexts.size(), begin + eval.batch_size);
    std::vector<GenerationRequest> requests;
    for (size_t i = begin; i < end; ++i) {
      SamplingParams p = eval.sampling;
      p.seed = eval.sampling.seed + i;
      requests.push_back({tokenizer.Encode(eval.contexts[i]), p});
    }
    SHAMMIE_ASSIGN_OR_RETURN(std::vector<Completion> out, sampler.Generate(requests));
    for (size_t i = begin; i < end; ++i) {
      const Completion& c = out[i - begin];
      PretrainSample s{eval.contexts[i], c.text, eval.reward(eval.contexts[i], c.text),
                       IsWellFormedResponse(c.text, c.finish)};
      reward += s.reward;
      well_formed += s.well_formed ? 1 : 0;
      report->samples.push_back(std::move(s));
    }
  }
  const double n = std::max<size_t>(1, eval.contexts.size());
  report->mean_reward = reward / n;
  report->well_formed_fraction = well_formed / n;
  return absl::OkStatus();
}

absl::Status Save(Gpt model, const Tokenizer& tokenizer, const PretrainOptions& o,
                  const PretrainReport& r) {
  CheckpointSaveOptions save;
  save.lineage.job_spec_json = absl::StrCat(
      "{\"kind\":\"pretrain\",\"steps\":", o.steps, ",\"batch_size\":", o.batch_size,
      ",\"learning_rate\":", o.learning_rate, ",\"seed\":", o.seed, "}");
  save.lineage.metrics = {{"final_loss", r.final_loss},
                          {"mean_gold_reward", r.mean_reward},
                          {"well_formed_fraction", r.well_formed_fraction}};
  return SaveCheckpoint(o.out_dir, model, tokenizer, save);
}

}  // namespace

bool IsWellFormedResponse(const std::string& response, FinishReason finish) {
  if (finish == FinishReason::kLength) return false;
  if (response.find_first_not_of(" \n") == std::string::npos) return false;
  if (absl::StrContains(response, "Human:") || absl::StrContains(response, "Assistant:")) {
    return false;
  }
  for (unsigned char ch : response) {
    if ((ch < 0x20 && ch != '\n') || ch > 0x7e) return false;
  }
  return true;
}

absl::StatusOr<PretrainReport> PretrainBytePolicy(const std::vector<std::string>& dialogs,
                                                  const PretrainOptions& options,
                                                  const PretrainEval* eval) {
  if (options.config.vocab_size != ByteTokenizer::kVocabSize ||
      options.config.eos_token_id != ByteTokenizer::kEosId) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config.vocab_size must be ", ByteTokenizer::kVocabSize, " and eos_token_id ",
        ByteTokenizer::kEosId, " for the byte tokenizer"));
  }
  ByteTokenizer tokenizer;
  SHAMMIE_ASSIGN_OR_RETURN(std::vector<SftExample> examples,
                           MakeExamples(dialogs, tokenizer, options.config));
  SHAMMIE_ASSIGN_OR_RETURN(Gpt model, common::GuardTorch("create model", [&] {
                             torch::manual_seed(options.seed);
                             return Gpt(options.config);
                           }));
  PretrainReport report;
  SHAMMIE_RETURN_IF_ERROR(Train(model, std::move(examples), options, &report));
  if (eval != nullptr) {
    model->eval();
    SHAMMIE_RETURN_IF_ERROR(Evaluate(model, tokenizer, *eval, &report));
  }
  if (!options.out_dir.empty()) SHAMMIE_RETURN_IF_ERROR(Save(model, tokenizer, options, report));
  return report;
}

}  // namespace shammie::policy
