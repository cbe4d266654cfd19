// The GPT-2 style decoder every learning part of Shammie runs on: the policy,
// the preference model's trunk (reward_model/) and PPO's policy + value trunk.
//
// Architecture (GPT-2): learned token (wte) and position (wpe) embeddings,
// n_layer pre-LN blocks  x + attn(ln_1(x)),  x + mlp(ln_2(x))  with GELU (tanh
// approximation) in the MLP, a final LayerNorm (ln_f) and an output projection
// tied to wte. No dropout: the models are small and RL needs the training-mode
// forward to equal the rollout forward.
//
// Parameter names are Hugging Face GPT-2's without the `transformer.` prefix:
//   wte.weight (V, C), wpe.weight (T_max, C),
//   h.{i}.ln_1.{weight,bias}, h.{i}.attn.c_attn.{weight (3C, C), bias (3C)},
//   h.{i}.attn.c_proj.{weight (C, C), bias}, h.{i}.ln_2.{weight,bias},
//   h.{i}.mlp.c_fc.{weight (4C, C), bias}, h.{i}.mlp.c_proj.{weight (C, 4C), bias},
//   ln_f.{weight,bias}.
// Weights use torch Linear layout (out, in); HF's Conv1D stores (in, out), so
// policy/checkpoint.cc transposes. There is no lm_head parameter (tied).
//
// This header includes torch: it is private to policy/ and reward_model/.
// Services use the torch-free facade policy/policy_runtime.h.
//
// Shape legend:
//   B batch, T tokens in this call, L tokens already in the KV cache,
//   S = L + T key positions, C channels (n_embd), H heads, D = C / H,
//   V vocabulary, P context columns, R response columns, T_max n_positions.
//
// Thread-safety: a Gpt module is not thread-safe for training; concurrent
// forwards under c10::InferenceMode / NoGradGuard on one module are safe
// (they only read parameters). A KvCache belongs to one caller.
// Errors: shape mismatches throw c10::Error; public library entry points
// (sampler, trainer, runtime) catch them with common::GuardTorch.
#ifndef SHAMMIE_POLICY_GPT_H_
#define SHAMMIE_POLICY_GPT_H_

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "policy/decode_kernels.h"
#include "policy/gpt_config.h"

namespace shammie::policy {

// Keys and values of every layer for a batch being generated, preallocated
// as (B, H, T_cap, D) so appending a step is a copy into a slice, never a
// concatenation.
class KvCache {
 public:
  // REQUIRES: capacity <= config.n_positions.
  KvCache(const GptConfig& config, int64_t batch, int64_t capacity,
          const torch::TensorOptions& options = torch::kFloat32);

  int64_t length() const { return length_; }  // L: positions filled
  int64_t capacity() const { return capacity_; }
  int64_t batch() const { return batch_; }

  // Used by the attention layers: writes k, v (B, H, T, D) at [L, L+T) for
  // `layer` and returns views of keys and values (B, H, L+T, D).
  std::pair<torch::Tensor, torch::Tensor> Append(int64_t layer, const torch::Tensor& k,
                                                 const torch::Tensor& v);
  // Called once per forward step after every layer appended T positions.
  void Advance(int64_t t) { length_ += t; }
  // The whole (B, H, T_cap, D) buffers of `layer`, for the decode kernel,
  // which appends in place (decode_kernels.h).
  torch::Tensor& keys(int64_t layer) { return keys_[layer]; }
  torch::Tensor& values(int64_t layer) { return values_[layer]; }

 private:
  int64_t batch_;
  int64_t capacity_;
  int64_t length_ = 0;
  std::vector<torch::Tensor> keys_;    // n_layer × (B, H, T_cap, D)
  std::vector<torch::Tensor> values_;  // n_layer × (B, H, T_cap, D)
};

// One linear layer's weights prepared for inference: transposed to (in, out)
// for OpenBLAS, and packed for the decode kernels (policy/decode_kernels.h).
struct InferenceLinear {
  torch::Tensor w_t;    // (in, out) contiguous
  torch::Tensor bias;   // (out) or undefined
  PackedWeight packed;  // empty when the decode kernels are unavailable
};

// A snapshot of a Gpt's matmul weights for inference, taken once per
// Generate call. Calls with few rows (a decode step: B rows) use the packed
// panels and the AVX2 kernel, which never re-packs a weight; calls with many
// rows (a prefill) use x @ W_t, OpenBLAS's non-transposed kernel, faster than
// the x @ W^T a torch Linear does (measured: 32×1024 · 1024×256 391 → 221 µs
// on one core). The values are the module's at construction; rebuild after
// the weights change. Never differentiable.
struct InferenceWeights {
  struct Layer {
    InferenceLinear c_attn;     // (C, 3C)
    InferenceLinear attn_proj;  // (C, C)
    InferenceLinear c_fc;       // (C, 4C)
    InferenceLinear mlp_proj;   // (4C, C)
  };
  std::vector<Layer> layers;  // n_layer
  InferenceLinear lm_head;    // (C, V): the tied output projection, no bias
};

struct GptOutput {
  torch::Tensor logits;  // (B, T, V)
  torch::Tensor hidden;  // (B, T, C) after ln_f: what scalar/value heads read
};

struct CausalSelfAttentionImpl : torch::nn::Module {
  explicit CausalSelfAttentionImpl(const GptConfig& config);
  // x (B, T, C); blocked (B|1, 1, T, S) bool, true where a query may not see
  // a key, or undefined (= nothing blocked); cache may be null (then S = T).
  // w: this layer's InferenceWeights, or null to use the modules' weights.
  // residual (B, T, C), when defined, is added to the output.
  // from_column F (0 ≤ F < T): keys and values are computed (and cached) for
  // all T columns, queries only for [F, T); the output is (B, T − F, C) and
  // residual, when defined, must be (B, T − F, C) too.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& blocked, KvCache* cache,
                        int64_t layer, const InferenceWeights::Layer* w = nullptr,
                        const torch::Tensor& residual = {}, int64_t from_column = 0);

  int64_t n_head;
  torch::nn::Linear c_attn{nullptr};  // C → 3C (q, k, v)
  torch::nn::Linear c_proj{nullptr};  // C → C
};
TORCH_MODULE(CausalSelfAttention);

struct MlpImpl : torch::nn::Module {
  explicit MlpImpl(const GptConfig& config);
  // (B, T, C) → (B, T, C); w and residual as in CausalSelfAttentionImpl::forward.
  torch::Tensor forward(const torch::Tensor& x, const InferenceWeights::Layer* w = nullptr,
                        const torch::Tensor& residual = {});

  torch::nn::Linear c_fc{nullptr};    // C → 4C
  torch::nn::Linear c_proj{nullptr};  // 4C → C
};
TORCH_MODULE(Mlp);

struct BlockImpl : torch::nn::Module {
  explicit BlockImpl(const GptConfig& config);
  // x (B, T, C) → (B, T − from_column, C): the block's output for columns
  // [from_column, T) only; the other columns contribute their keys and values.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& blocked, KvCache* cache,
                        int64_t layer, const InferenceWeights::Layer* w = nullptr,
                        int64_t from_column = 0);

  torch::nn::LayerNorm ln_1{nullptr};
  CausalSelfAttention attn{nullptr};
  torch::nn::LayerNorm ln_2{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

struct GptImpl : torch::nn::Module {
  // Initialises like GPT-2: N(0, 0.02) weights, c_proj weights scaled by
  // 1/sqrt(2·n_layer), zero biases, unit LayerNorms. Seed with torch::manual_seed.
  explicit GptImpl(const GptConfig& config);

  // Full forward over a batch.
  //   ids (B, T) int64; attention_mask (B, T) (1 real, 0 padding) or undefined
  //   (= no padding); position_ids (B, T) or undefined (= 0..T-1, or the
  //   padding-aware positions of PositionIds(attention_mask) when a mask is given).
  // Padded positions still produce (meaningless, finite) outputs.
  GptOutput forward(const torch::Tensor& ids, const torch::Tensor& attention_mask = {},
                    const torch::Tensor& position_ids = {});

  // The same forward without the output projection: (B, T, C) after ln_f.
  // The PM and value heads use it to avoid computing (B, T, V) logits.
  // With `w` (TransposedWeights of this model, under NoGrad/InferenceMode)
  // the matmuls use the transposed snapshot instead of the modules.
  // from_column F (0 ≤ F < T) returns only columns [F, T): (B, T − F, C),
  // equal to the full result's narrow(1, F, T − F) up to float rounding. The
  // last block then computes its queries, attention output, projections and
  // MLP only for those columns (the others are needed there only for their
  // keys and values). Differentiable like the full forward.
  torch::Tensor hidden_states(const torch::Tensor& ids, const torch::Tensor& attention_mask = {},
                              const torch::Tensor& position_ids = {},
                              const InferenceWeights* w = nullptr, int64_t from_column = 0);

  // One step with a KV cache: ids (B, T) are the next T tokens after the L
  // cached ones; attention_mask covers all S = L + T positions (B, S) or is
  // undefined; position_ids (B, T) or undefined (= padding-aware positions
  // from the mask, or L..L+T-1). Appends to `cache`.
  GptOutput forward_step(const torch::Tensor& ids, const torch::Tensor& attention_mask,
                         const torch::Tensor& position_ids, KvCache& cache);

  // forward_step without the output projection: (B, T, C) after ln_f. The
  // sampler projects only the last position, not all T of a prefill.
  // from_column as in hidden_states: (B, T − F, C); the cache still receives
  // every layer's keys and values of all T positions.
  torch::Tensor hidden_step(const torch::Tensor& ids, const torch::Tensor& attention_mask,
                            const torch::Tensor& position_ids, KvCache& cache,
                            const InferenceWeights* w = nullptr, int64_t from_column = 0);

  // The transposed snapshot of the current weights (see InferenceWeights).
  InferenceWeights TransposedWeights();

  // hidden (…, C) → logits (…, V) through the tied embedding.
  torch::Tensor Logits(const torch::Tensor& hidden, const InferenceWeights* w = nullptr) const;

  const GptConfig& config() const { return config_; }

  torch::nn::Embedding wte{nullptr};  // (V, C)
  torch::nn::Embedding wpe{nullptr};  // (T_max, C)
  torch::nn::ModuleList h{nullptr};   // n_layer × Block
  torch::nn::LayerNorm ln_f{nullptr};

 private:
  torch::Tensor Run(const torch::Tensor& ids, const torch::Tensor& attention_mask,
                    torch::Tensor position_ids, KvCache* cache, const InferenceWeights* w,
                    int64_t from_column);  // (B, T − from_column, C)

  GptConfig config_;
  std::vector<Block> blocks_;  // the same modules as h, typed
};
TORCH_MODULE(Gpt);

// Positions that ignore padding: for each row, the count of real tokens
// before each position (0 for the first real token). mask (B, S) → (B, S).
torch::Tensor PositionIds(const torch::Tensor& attention_mask);

// Context + response rows laid out so every response starts at one column P:
//   [pad … context][response … pad]
// (contexts left-padded to P, responses right-padded to R).
struct PackedBatch {
  torch::Tensor ids;             // (B, P + R) int64, pads = pad_id
  torch::Tensor attention_mask;  // (B, P + R) int64, 1 real
  torch::Tensor position_ids;    // (B, P + R) int64
  torch::Tensor response_mask;   // (B, R) float, 1 where response token j exists
  torch::Tensor last_index;      // (B) int64: column of each row's last real token
  int64_t context_len = 0;       // P
};

// REQUIRES: contexts.size() == responses.size() > 0, every context non-empty.
// Throws c10::Error (via TORCH_CHECK) otherwise.
PackedBatch PackContextResponse(const std::vector<std::vector<int64_t>>& contexts,
                                const std::vector<std::vector<int64_t>>& responses, int64_t pad_id);

struct ResponseScores {
  torch::Tensor logprobs;  // (B, R): log π(response_j | context, response_<j)
  torch::Tensor entropy;   // (B, R): entropy of π(· | context, response_<j)
  torch::Tensor hidden;    // (B, P + R, C): final hidden states of the whole rows
  torch::Tensor logits;    // (B, R, V): the predictive logits for response tokens
};

// Scores responses after their contexts. Differentiable unless called under
// NoGradGuard/InferenceMode; padded response positions hold 0 in logprobs
// and entropy (mask with batch.response_mask).
ResponseScores ScoreResponses(Gpt& model, const PackedBatch& batch);

// logits (…, V), targets (…) int64 → log-softmax picked at targets (…).
torch::Tensor TokenLogProbs(const torch::Tensor& logits, const torch::Tensor& targets);
// logits (…, V) → entropy of the softmax (…).
torch::Tensor TokenEntropy(const torch::Tensor& logits);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_GPT_H_
