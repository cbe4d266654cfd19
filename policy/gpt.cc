// GPT-2 forward passes: full batch (training, scoring) and cached steps
// (generation). See gpt.h for the shape legend (B, T, L, S, C, H, D, V, P, R).
//
// Attention is written as matmul + additive mask + softmax: LibTorch 1.13 has
// no fused scaled_dot_product_attention. Without a graph (scoring, prefill)
// several queries go through policy/causal_attention.h instead, which skips
// the masked upper triangle. Choices made for CPU speed:
//  - one c_attn matmul for q, k, v, then a single permute+contiguous so the
//    three heads tensors are contiguous for the batched matmuls;
//  - q is scaled before QK^T (T·D multiplies instead of T·S);
//  - the mask is one bool (B|1, 1, T, S) tensor built once per forward,
//    shared by every layer and applied in place (masked_fill_), and it is
//    skipped where it blocks nothing (a decode step without left padding) and
//    narrowed to the causal part when no row has padding before real tokens;
//  - the KV cache is preallocated, so a step copies T positions per layer;
//  - callers that read only columns [F, T) (from_column) skip, in the last
//    block, everything but the keys and values of columns before F: the
//    queries, attention output, c_proj, ln_2 and the MLP there serve only
//    the final hidden state of their own column.
#include "policy/gpt.h"

#include <cmath>
#include <limits>

#include "policy/causal_attention.h"
#include "policy/gelu.h"

namespace shammie::policy {
namespace {

// Which (query, key) pairs attention must block, as a bool (B|1, 1, T, S)
// mask, or an undefined tensor when nothing is blocked. Query i sits at
// absolute position L + i and may see key j when j <= L + i and key j is real
// (attention_mask undefined = every key real). A single query over real keys
// (a decode step without padding) blocks nothing, so it gets no mask at all.
// A fully blocked row (a padding query) softmaxes to uniform, never NaN,
// because blocked scores become the lowest float, not -inf.
torch::Tensor BlockedKeys(int64_t t, int64_t s, const torch::Tensor& attention_mask) {
  const int64_t l = s - t;
  if (t == 1 && !attention_mask.defined()) return {};
  torch::Tensor allowed =
      torch::ones({t, s}, torch::kBool).tril(/*diagonal=*/l).view({1, 1, t, s});  // (1, 1, T, S)
  if (attention_mask.defined()) {
    torch::Tensor keys = attention_mask.to(torch::kBool).view({-1, 1, 1, s});  // (B, 1, 1, S)
    allowed = allowed.logical_and(keys);                                       // (B, 1, T, S)
  }
  return allowed.logical_not_();  // (B|1, 1, T, S)
}

// True when some row has a padding key before a real one (left or inner
// padding). Rows that are real up to some column and padding after it (right
// padding, or none) need no key mask: under the causal mask a real query
// never sees a later column, and padding queries' outputs are meaningless by
// contract. Skipping the mask then saves building and applying a (B, 1, T, S)
// tensor in every forward. mask (B, S).
bool HasPaddingBeforeRealTokens(const torch::Tensor& attention_mask) {
  const int64_t s = attention_mask.size(1);
  if (s < 2) return false;
  return attention_mask.narrow(1, 1, s - 1)
      .gt(attention_mask.narrow(1, 0, s - 1))  // (B, S - 1): a 0 → 1 step
      .any()
      .item<bool>();
}

// Rows at or below which a matmul uses the packed decode kernel: a decode
// step has B rows; a prefill has B·P and is OpenBLAS's job.
constexpr int64_t kDecodeKernelMaxRows = 64;

// x (…, in) → x @ W + bias (…, out), plus residual (…, out) when defined,
// from an inference snapshot: the packed decode kernel for few rows (it
// fuses the residual add into its store), else OpenBLAS on x @ W_t.
torch::Tensor InferenceAffine(const torch::Tensor& x, const InferenceLinear& w,
                              const torch::Tensor& residual = {}) {
  std::vector<int64_t> sizes = x.sizes().vec();
  sizes.back() = w.w_t.size(1);
  const torch::Tensor x2 = x.reshape({-1, x.size(-1)});  // (M, in)
  if (w.packed.panels.defined() && x2.size(0) <= kDecodeKernelMaxRows) {
    return PackedAffine(x2, w.packed,
                        residual.defined() ? residual.reshape({-1, sizes.back()}) : residual)
        .view(sizes);  // (…, out)
  }
  torch::Tensor y = (w.bias.defined() ? torch::addmm(w.bias, x2, w.w_t) : torch::mm(x2, w.w_t))
                        .view(sizes);  // (…, out)
  return residual.defined() ? y + residual : y;
}

// Output features [begin, begin + count) of the module or snapshot:
// x (…, in) → (…, count), the weight's rows sliced in place (no copy).
// Never the packed kernel: its panels hold every output feature.
torch::Tensor AffineRows(const torch::Tensor& x, torch::nn::Linear& module,
                         const InferenceLinear* w, int64_t begin, int64_t count) {
  if (w == nullptr) {
    return torch::nn::functional::linear(x, module->weight.narrow(0, begin, count),
                                         module->bias.narrow(0, begin, count));  // (…, count)
  }
  std::vector<int64_t> sizes = x.sizes().vec();
  sizes.back() = count;
  const torch::Tensor x2 = x.reshape({-1, x.size(-1)});      // (M, in)
  const torch::Tensor w_t = w->w_t.narrow(1, begin, count);  // (in, count), row stride out
  return (w->bias.defined() ? torch::addmm(w->bias.narrow(0, begin, count), x2, w_t)
                            : torch::mm(x2, w_t))
      .view(sizes);  // (…, count)
}

// The module, or the inference snapshot `w` when given; residual as above.
torch::Tensor Affine(const torch::Tensor& x, torch::nn::Linear& module, const InferenceLinear* w,
                     const torch::Tensor& residual = {}) {
  if (w != nullptr) return InferenceAffine(x, *w, residual);
  torch::Tensor y = module(x);  // (…, out)
  return residual.defined() ? y + residual : y;
}

}  // namespace

KvCache::KvCache(const GptConfig& config, int64_t batch, int64_t capacity,
                 const torch::TensorOptions& options)
    : batch_(batch), capacity_(capacity) {
  TORCH_CHECK(capacity <= config.n_positions, "KvCache capacity ", capacity,
              " exceeds n_positions ", config.n_positions);
  const int64_t d = config.n_embd / config.n_head;
  for (int64_t i = 0; i < config.n_layer; ++i) {
    keys_.push_back(
        torch::empty({batch, config.n_head, capacity, d}, options));  // (B, H, T_cap, D)
    values_.push_back(
        torch::empty({batch, config.n_head, capacity, d}, options));  // (B, H, T_cap, D)
  }
}

std::pair<torch::Tensor, torch::Tensor> KvCache::Append(int64_t layer, const torch::Tensor& k,
                                                        const torch::Tensor& v) {
  const int64_t t = k.size(2);
  TORCH_CHECK(length_ + t <= capacity_, "KvCache full: ", length_, " + ", t, " > ", capacity_);
  keys_[layer].narrow(2, length_, t).copy_(k);     // (B, H, T, D)
  values_[layer].narrow(2, length_, t).copy_(v);   // (B, H, T, D)
  return {keys_[layer].narrow(2, 0, length_ + t),  // (B, H, S, D)
          values_[layer].narrow(2, 0, length_ + t)};
}

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GptConfig& config) : n_head(config.n_head) {
  TORCH_CHECK(config.n_embd % config.n_head == 0, "n_embd ", config.n_embd,
              " is not a multiple of n_head ", config.n_head);
  c_attn = register_module("c_attn", torch::nn::Linear(config.n_embd, 3 * config.n_embd));
  c_proj = register_module("c_proj", torch::nn::Linear(config.n_embd, config.n_embd));
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& blocked,
                                               KvCache* cache, int64_t layer,
                                               const InferenceWeights::Layer* w,
                                               const torch::Tensor& residual, int64_t from_column) {
  const int64_t b = x.size(0), t = x.size(1), c = x.size(2);
  const int64_t d = c / n_head;
  const int64_t tq = t - from_column;  // T': query columns
  TORCH_CHECK(from_column >= 0 && tq > 0, "from_column ", from_column, " outside [0, ", t, ")");
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));
  torch::Tensor q, k, v;  // (B, H, T', D), (B, H, T, D), (B, H, T, D)
  if (from_column == 0) {
    torch::Tensor qkv = Affine(x, c_attn, w ? &w->c_attn : nullptr);  // (B, T, 3C)
    if (w != nullptr && cache != nullptr && t == 1 && w->c_attn.packed.panels.defined() &&
        DecodeAttentionSupports(d)) {
      // A decode step: one fused pass per (row, head) instead of ~12 ops.
      torch::Tensor y = DecodeAttention(qkv.view({b, 3 * c}), cache->keys(layer),
                                        cache->values(layer), cache->length(), blocked, n_head)
                            .view({b, 1, c});             // (B, 1, C)
      return Affine(y, c_proj, &w->attn_proj, residual);  // (B, 1, C)
    }
    qkv = qkv.view({b, t, 3, n_head, d})  // (B, T, 3, H, D)
              .permute({2, 0, 3, 1, 4})   // (3, B, H, T, D)
              .contiguous();
    q = qkv[0] * scale;  // (B, H, T, D)
    k = qkv[1];          // (B, H, T, D)
    v = qkv[2];          // (B, H, T, D)
  } else {
    // Keys and values of every column, queries of the kept ones: c_attn's
    // rows [C, 3C) over all T columns, rows [0, C) over T' columns.
    torch::Tensor kv = AffineRows(x, c_attn, w ? &w->c_attn : nullptr, c, 2 * c)  // (B, T, 2C)
                           .view({b, t, 2, n_head, d})                            // (B, T, 2, H, D)
                           .permute({2, 0, 3, 1, 4})                              // (2, B, H, T, D)
                           .contiguous();
    k = kv[0];                                                      // (B, H, T, D)
    v = kv[1];                                                      // (B, H, T, D)
    const torch::Tensor x_kept = x.narrow(1, from_column, tq);      // (B, T', C)
    q = AffineRows(x_kept, c_attn, w ? &w->c_attn : nullptr, 0, c)  // (B, T', C)
            .view({b, tq, n_head, d})                               // (B, T', H, D)
            .transpose(1, 2)                                        // (B, H, T', D)
            .mul(scale);
  }
  if (cache != nullptr) std::tie(k, v) = cache->Append(layer, k, v);  // (B, H, S, D)
  const torch::Tensor rows_blocked = !blocked.defined() || from_column == 0
                                         ? blocked
                                         : blocked.narrow(2, from_column, tq);  // (B|1, 1, T', S)
  const bool grad = torch::GradMode::is_enabled();
  if (rows_blocked.defined() && t > 1 && (!grad || cache == nullptr) &&
      CausalAttentionSupports(d) && q.scalar_type() == torch::kFloat32) {
    // One fused pass per (row, head), upper triangle skipped; with a graph,
    // its backward is ATen's.
    torch::Tensor y = grad ? CausalAttentionTrainable(q, k, v, rows_blocked)
                           : CausalAttention(q, k, v, rows_blocked);  // (B, T', C)
    return Affine(y, c_proj, w ? &w->attn_proj : nullptr, residual);  // (B, T', C)
  }
  torch::Tensor att = torch::matmul(q, k.transpose(-2, -1));  // (B, H, T', S)
  // In place: matmul's backward needs q and k, not its output.
  if (rows_blocked.defined()) att.masked_fill_(rows_blocked, std::numeric_limits<float>::lowest());
  att = torch::softmax(att, /*dim=*/-1);                            // (B, H, T', S)
  torch::Tensor y = torch::matmul(att, v)                           // (B, H, T', D)
                        .transpose(1, 2)                            // (B, T', H, D)
                        .reshape({b, tq, c});                       // (B, T', C)
  return Affine(y, c_proj, w ? &w->attn_proj : nullptr, residual);  // (B, T', C)
}

MlpImpl::MlpImpl(const GptConfig& config) {
  c_fc = register_module("c_fc", torch::nn::Linear(config.n_embd, 4 * config.n_embd));
  c_proj = register_module("c_proj", torch::nn::Linear(4 * config.n_embd, config.n_embd));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x, const InferenceWeights::Layer* w,
                               const torch::Tensor& residual) {
  torch::Tensor h = GeluTanh(Affine(x, c_fc, w ? &w->c_fc : nullptr));  // (B, T, 4C)
  return Affine(h, c_proj, w ? &w->mlp_proj : nullptr, residual);       // (B, T, C)
}

BlockImpl::BlockImpl(const GptConfig& config) {
  const auto ln = torch::nn::LayerNormOptions({config.n_embd}).eps(config.layer_norm_epsilon);
  ln_1 = register_module("ln_1", torch::nn::LayerNorm(ln));
  attn = register_module("attn", CausalSelfAttention(config));
  ln_2 = register_module("ln_2", torch::nn::LayerNorm(ln));
  mlp = register_module("mlp", Mlp(config));
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& blocked,
                                 KvCache* cache, int64_t layer, const InferenceWeights::Layer* w,
                                 int64_t from_column) {
  // The residual adds ride along in the output projections (fused into the
  // decode kernel's store; a plain add otherwise).
  const torch::Tensor kept =
      from_column == 0 ? x : x.narrow(1, from_column, x.size(1) - from_column);  // (B, T', C)
  torch::Tensor y =
      attn->forward(ln_1(x), blocked, cache, layer, w, kept, from_column);  // (B, T', C)
  return mlp->forward(ln_2(y), w, y);                                       // (B, T', C)
}

GptImpl::GptImpl(const GptConfig& config) : config_(config) {
  wte = register_module("wte", torch::nn::Embedding(config.vocab_size, config.n_embd));
  wpe = register_module("wpe", torch::nn::Embedding(config.n_positions, config.n_embd));
  h = register_module("h", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.n_layer; ++i) {
    blocks_.push_back(Block(config));
    h->push_back(blocks_.back());
  }
  ln_f = register_module(
      "ln_f", torch::nn::LayerNorm(
                  torch::nn::LayerNormOptions({config.n_embd}).eps(config.layer_norm_epsilon)));

  // GPT-2 initialisation; residual projections shrink with depth so the
  // residual stream's variance does not grow with n_layer.
  torch::NoGradGuard no_grad;
  const double proj_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config.n_layer));
  for (auto& p : named_parameters()) {
    const std::string& name = p.key();
    torch::Tensor& w = p.value();
    const bool is_bias = name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0;
    if (name.find("ln_") != std::string::npos) {
      is_bias ? w.zero_() : w.fill_(1.0);
    } else if (is_bias) {
      w.zero_();
    } else if (name.find("c_proj.weight") != std::string::npos) {
      w.normal_(0.0, proj_std);
    } else {
      w.normal_(0.0, 0.02);
    }
  }
}

torch::Tensor GptImpl::Logits(const torch::Tensor& hidden, const InferenceWeights* w) const {
  if (w != nullptr) return InferenceAffine(hidden, w->lm_head);  // (…, V)
  return torch::nn::functional::linear(hidden, wte->weight);     // (…, V)
}

InferenceWeights GptImpl::TransposedWeights() {
  torch::NoGradGuard no_grad;
  const bool pack = DecodeKernelsAvailable();
  auto prepare = [&](const torch::Tensor& weight, const torch::Tensor& bias) {
    InferenceLinear l;
    l.w_t = weight.detach().t().contiguous();    // (in, out)
    if (bias.defined()) l.bias = bias.detach();  // (out)
    if (pack) l.packed = PackWeight(l.w_t, l.bias);
    return l;
  };
  InferenceWeights w;
  for (Block& block : blocks_) {
    InferenceWeights::Layer l;
    l.c_attn = prepare(block->attn->c_attn->weight, block->attn->c_attn->bias);
    l.attn_proj = prepare(block->attn->c_proj->weight, block->attn->c_proj->bias);
    l.c_fc = prepare(block->mlp->c_fc->weight, block->mlp->c_fc->bias);
    l.mlp_proj = prepare(block->mlp->c_proj->weight, block->mlp->c_proj->bias);
    w.layers.push_back(std::move(l));
  }
  w.lm_head = prepare(wte->weight, torch::Tensor());  // (C, V)
  return w;
}

torch::Tensor GptImpl::Run(const torch::Tensor& ids, const torch::Tensor& attention_mask,
                           torch::Tensor position_ids, KvCache* cache, const InferenceWeights* w,
                           int64_t from_column) {
  const int64_t b = ids.size(0), t = ids.size(1);
  TORCH_CHECK(from_column >= 0 && from_column < t, "from_column ", from_column, " outside [0, ", t,
              ")");
  const int64_t l = cache != nullptr ? cache->length() : 0;
  const int64_t s = l + t;
  TORCH_CHECK(s <= config_.n_positions, "sequence of ", s, " tokens exceeds n_positions ",
              config_.n_positions);
  if (attention_mask.defined()) {
    TORCH_CHECK(
        attention_mask.dim() == 2 && attention_mask.size(0) == b && attention_mask.size(1) == s,
        "attention_mask must be (", b, ", ", s, "), got ", attention_mask.sizes());
  }
  if (!position_ids.defined()) {
    position_ids = attention_mask.defined()
                       ? PositionIds(attention_mask).narrow(1, l, t)       // (B, T)
                       : torch::arange(l, s, ids.options()).unsqueeze(0);  // (1, T)
  }
  const torch::Tensor key_mask =
      attention_mask.defined() && HasPaddingBeforeRealTokens(attention_mask) ? attention_mask
                                                                             : torch::Tensor();
  torch::Tensor blocked = BlockedKeys(t, s, key_mask);  // (B|1, 1, T, S) or undefined
  torch::Tensor x = wte(ids) + wpe(position_ids);       // (B, T, C)
  // Only the last block drops columns: every earlier one feeds the next
  // block's keys and values at all T columns.
  for (int64_t i = 0; i < config_.n_layer; ++i) {
    const bool last = i + 1 == config_.n_layer;
    x = blocks_[i]->forward(x, blocked, cache, i, w ? &w->layers[i] : nullptr,
                            last ? from_column : 0);  // (B, T, C); the last (B, T', C)
  }
  if (config_.n_layer == 0 && from_column > 0) x = x.narrow(1, from_column, t - from_column);
  if (cache != nullptr) cache->Advance(t);
  return ln_f(x);  // (B, T', C)
}

GptOutput GptImpl::forward(const torch::Tensor& ids, const torch::Tensor& attention_mask,
                           const torch::Tensor& position_ids) {
  GptOutput out;
  out.hidden = Run(ids, attention_mask, position_ids, nullptr, nullptr, 0);  // (B, T, C)
  out.logits = Logits(out.hidden);                                           // (B, T, V)
  return out;
}

torch::Tensor GptImpl::hidden_states(const torch::Tensor& ids, const torch::Tensor& attention_mask,
                                     const torch::Tensor& position_ids, const InferenceWeights* w,
                                     int64_t from_column) {
  return Run(ids, attention_mask, position_ids, nullptr, w, from_column);  // (B, T − F, C)
}

GptOutput GptImpl::forward_step(const torch::Tensor& ids, const torch::Tensor& attention_mask,
                                const torch::Tensor& position_ids, KvCache& cache) {
  TORCH_CHECK(cache.batch() == ids.size(0), "KvCache batch ", cache.batch(), " != ids batch ",
              ids.size(0));
  GptOutput out;
  out.hidden = Run(ids, attention_mask, position_ids, &cache, nullptr, 0);  // (B, T, C)
  out.logits = Logits(out.hidden);                                          // (B, T, V)
  return out;
}

torch::Tensor GptImpl::hidden_step(const torch::Tensor& ids, const torch::Tensor& attention_mask,
                                   const torch::Tensor& position_ids, KvCache& cache,
                                   const InferenceWeights* w, int64_t from_column) {
  TORCH_CHECK(cache.batch() == ids.size(0), "KvCache batch ", cache.batch(), " != ids batch ",
              ids.size(0));
  return Run(ids, attention_mask, position_ids, &cache, w, from_column);  // (B, T − F, C)
}

torch::Tensor PositionIds(const torch::Tensor& attention_mask) {
  return (attention_mask.to(torch::kLong).cumsum(/*dim=*/1) - 1).clamp_min(0);  // (B, S)
}

PackedBatch PackContextResponse(const std::vector<std::vector<int64_t>>& contexts,
                                const std::vector<std::vector<int64_t>>& responses,
                                int64_t pad_id) {
  TORCH_CHECK(!contexts.empty() && contexts.size() == responses.size(),
              "PackContextResponse: ", contexts.size(), " contexts vs ", responses.size(),
              " responses");
  const int64_t b = static_cast<int64_t>(contexts.size());
  int64_t p = 0, r = 0;
  for (int64_t i = 0; i < b; ++i) {
    TORCH_CHECK(!contexts[i].empty(), "PackContextResponse: context ", i, " is empty");
    p = std::max<int64_t>(p, contexts[i].size());
    r = std::max<int64_t>(r, responses[i].size());
  }
  PackedBatch out;
  out.context_len = p;
  out.ids = torch::full({b, p + r}, pad_id, torch::kLong);      // (B, P + R)
  out.attention_mask = torch::zeros({b, p + r}, torch::kLong);  // (B, P + R)
  out.response_mask = torch::zeros({b, r}, torch::kFloat32);    // (B, R)
  out.last_index = torch::zeros({b}, torch::kLong);             // (B)
  auto ids = out.ids.accessor<int64_t, 2>();
  auto mask = out.attention_mask.accessor<int64_t, 2>();
  auto rmask = out.response_mask.accessor<float, 2>();
  auto last = out.last_index.accessor<int64_t, 1>();
  for (int64_t i = 0; i < b; ++i) {
    const int64_t start = p - static_cast<int64_t>(contexts[i].size());
    for (size_t j = 0; j < contexts[i].size(); ++j) {
      ids[i][start + j] = contexts[i][j];
      mask[i][start + j] = 1;
    }
    for (size_t j = 0; j < responses[i].size(); ++j) {
      ids[i][p + j] = responses[i][j];
      mask[i][p + j] = 1;
      rmask[i][j] = 1.0f;
    }
    last[i] = p + static_cast<int64_t>(responses[i].size()) - 1;
  }
  out.position_ids = PositionIds(out.attention_mask);  // (B, P + R)
  return out;
}

ResponseScores ScoreResponses(Gpt& model, const PackedBatch& batch) {
  const int64_t p = batch.context_len;
  const int64_t r = batch.response_mask.size(1);
  ResponseScores scores;
  scores.hidden = model->hidden_states(batch.ids, batch.attention_mask,
                                       batch.position_ids);  // (B, P + R, C)
  // Logits only where they predict response tokens: V can be 50k.
  scores.logits = model->Logits(scores.hidden.narrow(1, p - 1, r));               // (B, R, V)
  torch::Tensor targets = batch.ids.narrow(1, p, r);                              // (B, R)
  scores.logprobs = TokenLogProbs(scores.logits, targets) * batch.response_mask;  // (B, R)
  scores.entropy = TokenEntropy(scores.logits) * batch.response_mask;             // (B, R)
  return scores;
}

torch::Tensor TokenLogProbs(const torch::Tensor& logits, const torch::Tensor& targets) {
  return torch::log_softmax(logits, /*dim=*/-1)   // (…, V)
      .gather(/*dim=*/-1, targets.unsqueeze(-1))  // (…, 1)
      .squeeze(-1);                               // (…)
}

torch::Tensor TokenEntropy(const torch::Tensor& logits) {
  torch::Tensor logp = torch::log_softmax(logits, /*dim=*/-1);  // (…, V)
  return -(logp.exp() * logp).sum(/*dim=*/-1);                  // (…)
}

}  // namespace shammie::policy
