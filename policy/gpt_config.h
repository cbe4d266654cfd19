// The shape of a GPT-2 style policy: what config.json of a checkpoint holds.
// Torch-free, so services can read and print configs without torch.
#ifndef SHAMMIE_POLICY_GPT_CONFIG_H_
#define SHAMMIE_POLICY_GPT_CONFIG_H_

#include <cstdint>

namespace shammie::policy {

// Example values are the tiny default that trains on 2 CPU cores in a minute
// or two. GPT-2 small is {12, 12, 768, 1024, 50257}.
struct GptConfig {
  int64_t n_layer = 4;        // transformer blocks        (GPT-2 key "n_layer")
  int64_t n_head = 4;         // attention heads           ("n_head")
  int64_t n_embd = 128;       // channels C                ("n_embd")
  int64_t n_positions = 256;  // context length T_max      ("n_positions")
  int64_t vocab_size = 257;   // V: 256 bytes + end-of-text for the byte tokenizer
  double layer_norm_epsilon = 1e-5;
  // Token id appended after a context; the PM reads its score there.
  int64_t eos_token_id = 256;
};

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_GPT_CONFIG_H_
