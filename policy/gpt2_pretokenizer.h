// GPT-2's pre-tokenizer: splits text into the pieces BPE runs on, exactly as
// GPT-2's regex does,
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// with alternatives tried in order at each position (leftmost alternative
// wins, as in a backtracking regex engine). Letter, number and white-space
// classes come from ICU (\p{L} = general category L*, \p{N} = N*, \s = the
// Unicode White_Space property).
//
// Invalid UTF-8 ("bytes are bytes"): each byte that does not start a
// well-formed UTF-8 sequence is one character of the [^\s\p{L}\p{N}] class,
// so it joins neighbouring punctuation and BPE encodes it byte-level; no byte
// is lost or replaced.
//
// Thread-safe (pure function). Torch-free.
#ifndef SHAMMIE_POLICY_GPT2_PRETOKENIZER_H_
#define SHAMMIE_POLICY_GPT2_PRETOKENIZER_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace shammie::policy {

// The pieces, as views into `text`, in order; they concatenate to `text`.
std::vector<absl::string_view> Gpt2PreTokenize(absl::string_view text);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_GPT2_PRETOKENIZER_H_
