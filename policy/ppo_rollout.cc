#include "policy/ppo_rollout.h"

#include "absl/strings/str_cat.h"

namespace shammie::policy {

absl::StatusOr<std::vector<Episode>> SampleEpisodes(Sampler& sampler,
                                                    const std::vector<const PpoPrompt*>& prompts,
                                                    const RolloutParams& params,
                                                    GenerationScores* scores) {
  std::vector<GenerationRequest> requests(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    requests[i].prompt = prompts[i]->context_ids;
    requests[i].params.temperature = params.temperature;
    requests[i].params.max_new_tokens = params.max_response_tokens;
    requests[i].params.seed = params.seeds.at(i);
  }
  absl::StatusOr<std::vector<Completion>> completions = sampler.Generate(requests, scores);
  if (!completions.ok()) return completions.status();
  std::vector<Episode> episodes(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    Completion& c = (*completions)[i];
    if (c.tokens.empty()) {
      return absl::InternalError(absl::StrCat("rollout: episode ", i, " has no response tokens"));
    }
    episodes[i].prompt = prompts[i];
    episodes[i].response_ids = std::move(c.tokens);
    episodes[i].response = std::move(c.text);
  }
  return episodes;
}

Rollout EvaluateRollout(std::vector<Episode> episodes, PpoPolicy& policy, Gpt& reference,
                        const RolloutParams& params, const GenerationScores* sampled) {
  torch::NoGradGuard no_grad;
  std::vector<std::vector<int64_t>> contexts, responses;
  for (const Episode& e : episodes) {
    contexts.push_back(e.prompt->context_ids);
    responses.push_back(e.response_ids);
  }
  Rollout out;
  out.episodes = std::move(episodes);
  out.batch = PackContextResponse(contexts, responses, params.pad_token_id);
  out.mask = out.batch.response_mask;                                         // (B, R)
  if (sampled != nullptr) {
    const int64_t r = out.mask.size(1);
    TORCH_CHECK(sampled->logprobs.size(0) == out.mask.size(0) && sampled->logprobs.size(1) == r,
                "EvaluateRollout: sampled scores ", sampled->logprobs.sizes(), " vs responses ",
                out.mask.sizes());
    out.old_logprobs = sampled->logprobs * out.mask;                                  // (B, R)
    out.entropy = sampled->entropy * out.mask;                                        // (B, R)
    out.old_values = policy->value_head(sampled->hidden).squeeze(-1) * out.mask;      // (B, R)
  } else {
    PolicyEvaluation eval = policy->Evaluate(out.batch, params.temperature);
    out.old_logprobs = eval.logprobs;  // (B, R)
    out.old_values = eval.values;      // (B, R)
    out.entropy = eval.entropy;        // (B, R)
  }
  out.ref_logprobs = ReferenceLogProbs(reference, out.batch, params.temperature);  // (B, R)
  return out;
}

PackedBatch SelectRows(const PackedBatch& batch, const torch::Tensor& index) {
  PackedBatch out;
  out.ids = batch.ids.index_select(0, index);                        // (b, P + R)
  out.attention_mask = batch.attention_mask.index_select(0, index);  // (b, P + R)
  out.position_ids = batch.position_ids.index_select(0, index);      // (b, P + R)
  out.response_mask = batch.response_mask.index_select(0, index);    // (b, R)
  out.last_index = batch.last_index.index_select(0, index);          // (b)
  out.context_len = batch.context_len;
  return out;
}

}  // namespace shammie::policy
