// Batched generation. Shapes: B requests, P prompt columns (left-padded),
// N = max new tokens over the batch, V vocabulary.
//
// Why this shape of loop:
//  - Prompts are left-padded so every row's next token is the last column;
//    one prefill forward fills the cache, then each step feeds (B, 1).
//  - Filtering (temperature → top-k → top-p, Hugging Face's order) is batched
//    over rows with per-row parameters as (B, 1) tensors; only the one
//    uniform number per row comes from the row's own generator, which is what
//    makes a request's text independent of its batch.
//  - Sampling is inverse-CDF in sorted order (searchsorted on the cumulative
//    mass), so it needs no torch generator state at all.
#include "policy/sampler.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/torch_boundary.h"
#include "policy/parallel_shards.h"

namespace shammie::policy {
namespace {

// Keep mask in sorted (descending) order: sorted (B, V), top_k (B), top_p (B).
torch::Tensor SortedKeep(const torch::Tensor& sorted, const torch::Tensor& top_k,
                         const torch::Tensor& top_p) {
  const int64_t v = sorted.size(1);
  torch::Tensor ranks = torch::arange(v, torch::kLong).unsqueeze(0);             // (1, V)
  torch::Tensor k = torch::where(top_k > 0, top_k, torch::full_like(top_k, v));  // (B)
  torch::Tensor keep = ranks < k.unsqueeze(1);                                   // (B, V)
  const float neg_inf = -std::numeric_limits<float>::infinity();
  torch::Tensor probs =
      torch::softmax(sorted.masked_fill(keep.logical_not(), neg_inf), -1);  // (B, V)
  torch::Tensor before = probs.cumsum(/*dim=*/1) - probs;  // (B, V) mass strictly before
  torch::Tensor p = top_p.unsqueeze(1);                    // (B, 1)
  keep = keep.logical_and(before < p).logical_or(keep.logical_and(p >= 1.0));  // (B, V)
  keep.select(/*dim=*/1, /*index=*/0).fill_(true);
  return keep;
}

// Per-row parameters of a step, as tensors.
struct StepParams {
  torch::Tensor temperature;  // (B, 1), 1 for greedy rows
  torch::Tensor greedy;       // (B, 1) bool
  torch::Tensor top_k;        // (B) int64
  torch::Tensor top_p;        // (B) float
  bool filter = false;        // any row uses top-k or top-p
};

// logits (B, V), u (B, 1) uniform in (0, 1) → next tokens (B, 1).
torch::Tensor SampleNext(const torch::Tensor& logits, const StepParams& sp,
                         const torch::Tensor& u) {
  const int64_t v = logits.size(1);
  torch::Tensor scaled = logits / sp.temperature;  // (B, V)
  torch::Tensor probs, order;
  if (sp.filter) {
    auto [sorted, idx] = scaled.sort(/*dim=*/1, /*descending=*/true);  // (B, V), (B, V)
    torch::Tensor keep = SortedKeep(sorted, sp.top_k, sp.top_p);       // (B, V)
    probs = torch::softmax(
        sorted.masked_fill(keep.logical_not(), -std::numeric_limits<float>::infinity()),
        1);  // (B, V)
    order = idx;
  } else {
    probs = torch::softmax(scaled, /*dim=*/1);  // (B, V)
  }
  torch::Tensor cum = probs.cumsum(/*dim=*/1);                                        // (B, V)
  torch::Tensor target = u * cum.narrow(1, v - 1, 1);                                 // (B, 1)
  torch::Tensor choice = torch::searchsorted(cum, target).clamp_max(v - 1);           // (B, 1)
  torch::Tensor token = order.defined() ? order.gather(1, choice) : choice;           // (B, 1)
  return torch::where(sp.greedy, logits.argmax(/*dim=*/1, /*keepdim=*/true), token);  // (B, 1)
}

absl::Status Validate(const std::vector<GenerationRequest>& requests, const GptConfig& config,
                      bool have_decoder) {
  if (requests.empty()) return absl::InvalidArgumentError("requests is empty");
  for (size_t i = 0; i < requests.size(); ++i) {
    const GenerationRequest& r = requests[i];
    const SamplingParams& p = r.params;
    const std::string at = absl::StrCat("requests[", i, "].");
    if (r.prompt.empty()) return absl::InvalidArgumentError(absl::StrCat(at, "prompt is empty"));
    for (int64_t id : r.prompt) {
      if (id < 0 || id >= config.vocab_size) {
        return absl::InvalidArgumentError(
            absl::StrCat(at, "prompt has token id ", id, " outside [0, ", config.vocab_size, ")"));
      }
    }
    if (p.max_new_tokens < 0) {
      return absl::InvalidArgumentError(absl::StrCat(at, "max_new_tokens is negative"));
    }
    if (static_cast<int64_t>(r.prompt.size()) + p.max_new_tokens > config.n_positions) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, "prompt (", r.prompt.size(), " tokens) + max_new_tokens (",
                       p.max_new_tokens, ") exceeds the context of ", config.n_positions));
    }
    if (!(p.temperature >= 0.0)) {
      return absl::InvalidArgumentError(absl::StrCat(at, "temperature must be >= 0"));
    }
    if (p.top_k < 0) return absl::InvalidArgumentError(absl::StrCat(at, "top_k must be >= 0"));
    if (!(p.top_p > 0.0 && p.top_p <= 1.0)) {
      return absl::InvalidArgumentError(absl::StrCat(at, "top_p must be in (0, 1]"));
    }
    if (!p.stop.empty() && !have_decoder) {
      return absl::FailedPreconditionError(
          absl::StrCat(at, "stop strings need a sampler with a detokenizer"));
    }
    for (const std::string& s : p.stop) {
      if (s.empty())
        return absl::InvalidArgumentError(absl::StrCat(at, "stop has an empty string"));
    }
  }
  return absl::OkStatus();
}

// Where the earliest stop string starts in `text`, or npos.
size_t FindStop(const std::string& text, const std::vector<std::string>& stop) {
  size_t best = std::string::npos;
  for (const std::string& s : stop) best = std::min(best, text.find(s));
  return best;
}

struct Row {
  std::mt19937_64 rng;
  Completion out;
  bool done = false;
};

// Joins the shards' scores row-wise; shards that stopped after fewer steps
// are padded with zero columns (as the unsharded result zeroes them).
GenerationScores ConcatScores(const std::vector<GenerationScores>& parts) {
  int64_t n = 0;
  for (const GenerationScores& p : parts) n = std::max(n, p.logprobs.size(1));
  std::vector<torch::Tensor> logprobs, entropy, hidden;
  for (const GenerationScores& p : parts) {
    const int64_t missing = n - p.logprobs.size(1);
    logprobs.push_back(torch::constant_pad_nd(p.logprobs, {0, missing}));    // (b, N)
    entropy.push_back(torch::constant_pad_nd(p.entropy, {0, missing}));      // (b, N)
    hidden.push_back(torch::constant_pad_nd(p.hidden, {0, 0, 0, missing}));  // (b, N, C)
  }
  return {torch::cat(logprobs), torch::cat(entropy),
          torch::cat(hidden)};  // (B, N), (B, N), (B, N, C)
}

}  // namespace

const char* FinishReasonName(FinishReason r) {
  switch (r) {
    case FinishReason::kLength:
      return "length";
    case FinishReason::kEndOfText:
      return "eos";
    case FinishReason::kStopString:
      return "stop";
  }
  return "unknown";
}

torch::Tensor SamplingMask(const torch::Tensor& logits, const torch::Tensor& top_k,
                           const torch::Tensor& top_p) {
  auto [sorted, idx] = logits.sort(/*dim=*/1, /*descending=*/true);  // (B, V), (B, V)
  torch::Tensor keep = SortedKeep(sorted, top_k, top_p);             // (B, V) sorted order
  return torch::zeros_like(keep).scatter(1, idx, keep);              // (B, V) vocab order
}

Sampler::Sampler(Gpt model, SamplerOptions options, Detokenizer decode)
    : model_(std::move(model)), options_(options), decode_(std::move(decode)) {}

absl::StatusOr<std::vector<Completion>> Sampler::Generate(
    const std::vector<GenerationRequest>& requests, GenerationScores* scores) {
  if (absl::Status s = Validate(requests, model_->config(), decode_ != nullptr); !s.ok()) return s;
  return common::GuardTorch("generate", [&]() -> std::vector<Completion> {
    c10::InferenceMode inference;
    // Transposed weights for the small-row matmuls of every step (gpt.h);
    // a fresh snapshot per call, since training may change the weights
    // between calls. Shared read-only by the shards.
    const InferenceWeights weights = model_->TransposedWeights();
    const int64_t b = requests.size();
    const int shards = options_.shard ? ShardCount(b) : 1;
    if (shards == 1) return GenerateRows(requests, weights, scores);
    std::vector<std::vector<Completion>> outs(shards);
    std::vector<GenerationScores> parts(shards);
    RunShards(b, shards, [&](int shard, ShardRange rows) {
      outs[shard] =
          GenerateRows(absl::MakeConstSpan(requests).subspan(rows.begin, rows.end - rows.begin),
                       weights, scores != nullptr ? &parts[shard] : nullptr);
    });
    std::vector<Completion> out;
    out.reserve(b);
    for (auto& o : outs) std::move(o.begin(), o.end(), std::back_inserter(out));
    if (scores != nullptr) *scores = ConcatScores(parts);
    return out;
  });
}

std::vector<Completion> Sampler::GenerateRows(absl::Span<const GenerationRequest> requests,
                                              const InferenceWeights& weights,
                                              GenerationScores* scores) {
  const GptConfig& config = model_->config();
  const int64_t b = requests.size();
  int64_t p = 0, n = 0;
  for (const auto& r : requests) {
    p = std::max<int64_t>(p, r.prompt.size());
    n = std::max(n, r.params.max_new_tokens);
  }
  // All tokens so far, left-padded prompts then generated columns.
  torch::Tensor ids = torch::full({b, p + n}, options_.pad_token_id, torch::kLong);  // (B, P + N)
  torch::Tensor mask = torch::zeros({b, p + n}, torch::kLong);                       // (B, P + N)
  std::vector<Row> rows(b);
  std::vector<float> temperature(b), top_p(b);
  std::vector<int64_t> top_k(b), greedy(b), prompt_len(b);
  bool filter = false;
  for (int64_t i = 0; i < b; ++i) {
    const GenerationRequest& r = requests[i];
    const int64_t len = r.prompt.size();
    ids[i].narrow(0, p - len, len).copy_(torch::tensor(r.prompt, torch::kLong));
    mask[i].narrow(0, p - len, len).fill_(1);
    rows[i].rng.seed(r.params.seed);
    rows[i].done = r.params.max_new_tokens == 0;
    greedy[i] = r.params.temperature == 0.0;
    temperature[i] = greedy[i] ? 1.0f : static_cast<float>(r.params.temperature);
    top_k[i] = r.params.top_k;
    top_p[i] = static_cast<float>(r.params.top_p);
    prompt_len[i] = len;
    filter = filter || (!greedy[i] && (top_k[i] > 0 || top_p[i] < 1.0f));
  }
  StepParams sp{torch::tensor(temperature).unsqueeze(1),              // (B, 1)
                torch::tensor(greedy).to(torch::kBool).unsqueeze(1),  // (B, 1)
                torch::tensor(top_k),                                 // (B)
                torch::tensor(top_p),                                 // (B)
                filter};
  torch::Tensor lens = torch::tensor(prompt_len).unsqueeze(1);  // (B, 1)

  // Prompts of one length need no attention mask and default positions:
  // the forward then skips masking altogether (see gpt.cc).
  const bool padded = *std::min_element(prompt_len.begin(), prompt_len.end()) < p;
  auto mask_upto = [&](int64_t cols) { return padded ? mask.narrow(1, 0, cols) : torch::Tensor(); };

  std::unique_ptr<KvCache> cache;
  torch::Tensor last;    // (B, C): final hidden state at the last column
  torch::Tensor logits;  // (B, V): next-token logits
  if (options_.use_kv_cache) {
    cache = std::make_unique<KvCache>(config, b, p + n);
    last = model_
               ->hidden_step(ids.narrow(1, 0, p), mask_upto(p), {}, *cache, &weights,
                             /*from_column=*/p - 1)
               .select(1, 0);  // (B, C)
  } else {
    last = model_
               ->hidden_states(ids.narrow(1, 0, p), mask_upto(p), {}, &weights,
                               /*from_column=*/p - 1)
               .select(1, 0);  // (B, C)
  }
  logits = model_->Logits(last, &weights);  // (B, V)
  torch::Tensor rec_logp, rec_entropy, rec_hidden;
  if (scores != nullptr) {
    rec_logp = torch::zeros({b, n});                   // (B, N)
    rec_entropy = torch::zeros({b, n});                // (B, N)
    rec_hidden = torch::zeros({b, n, config.n_embd});  // (B, N, C)
  }
  int64_t steps_taken = 0;
  for (int64_t step = 0; step < n; ++step) {
    std::vector<double> u(b);
    for (int64_t i = 0; i < b; ++i) {
      // 53 random bits, offset by half a unit: u in (0, 1) exactly.
      u[i] = (static_cast<double>(rows[i].rng() >> 11) + 0.5) * 0x1.0p-53;
    }
    torch::Tensor u_t =
        torch::tensor(u, torch::kDouble).to(torch::kFloat32).unsqueeze(1);  // (B, 1)
    torch::Tensor next = SampleNext(logits, sp, u_t);                       // (B, 1)
    if (scores != nullptr) {
      torch::Tensor logp = torch::log_softmax(logits / sp.temperature, /*dim=*/1);  // (B, V)
      rec_logp.select(1, step).copy_(logp.gather(1, next).squeeze(1));              // (B)
      rec_entropy.select(1, step).copy_(-(logp.exp() * logp).sum(/*dim=*/1));       // (B)
      rec_hidden.select(1, step).copy_(last);                                       // (B, C)
    }
    steps_taken = step + 1;
    auto next_a = next.accessor<int64_t, 2>();
    bool all_done = true;
    for (int64_t i = 0; i < b; ++i) {
      Row& row = rows[i];
      if (row.done) continue;
      const SamplingParams& params = requests[i].params;
      const int64_t token = next_a[i][0];
      row.out.tokens.push_back(token);
      if (token == options_.eos_token_id) {
        row.out.finish = FinishReason::kEndOfText;
        row.done = true;
      } else if (!params.stop.empty()) {
        std::string text = decode_(row.out.tokens);
        if (size_t at = FindStop(text, params.stop); at != std::string::npos) {
          row.out.text = text.substr(0, at);
          row.out.finish = FinishReason::kStopString;
          row.done = true;
        }
      }
      if (!row.done && static_cast<int64_t>(row.out.tokens.size()) >= params.max_new_tokens) {
        row.out.finish = FinishReason::kLength;
        row.done = true;
      }
      all_done = all_done && row.done;
    }
    if (all_done || step + 1 == n) break;
    const int64_t col = p + step;
    ids.narrow(1, col, 1).copy_(next);
    mask.narrow(1, col, 1).fill_(1);
    // Real tokens before this one (B, 1); without padding the default L.
    torch::Tensor pos = padded ? lens + step : torch::Tensor();
    if (cache) {
      last = model_->hidden_step(next, mask_upto(col + 1), pos, *cache, &weights)
                 .select(1, 0);  // (B, C)
    } else {
      last = model_
                 ->hidden_states(ids.narrow(1, 0, col + 1), mask_upto(col + 1), {}, &weights,
                                 /*from_column=*/col)
                 .select(1, 0);  // (B, C)
    }
    logits = model_->Logits(last, &weights);  // (B, V)
  }
  if (scores != nullptr) {
    // Zero the columns after each row's last token (rows that finished early).
    std::vector<int64_t> lengths(b);
    for (int64_t i = 0; i < b; ++i) lengths[i] = rows[i].out.tokens.size();
    torch::Tensor keep =
        torch::arange(steps_taken).unsqueeze(0) < torch::tensor(lengths).unsqueeze(1);  // (B, N)
    scores->logprobs = rec_logp.narrow(1, 0, steps_taken) * keep;                       // (B, N)
    scores->entropy = rec_entropy.narrow(1, 0, steps_taken) * keep;                     // (B, N)
    scores->hidden = rec_hidden.narrow(1, 0, steps_taken) * keep.unsqueeze(-1);         // (B, N, C)
  }
  std::vector<Completion> out;
  out.reserve(b);
  for (Row& row : rows) {
    if (decode_ && row.out.finish != FinishReason::kStopString) {
      std::vector<int64_t> text_tokens = row.out.tokens;
      if (row.out.finish == FinishReason::kEndOfText) text_tokens.pop_back();
      row.out.text = decode_(text_tokens);
    }
    out.push_back(std::move(row.out));
  }
  return out;
}

}  // namespace shammie::policy
