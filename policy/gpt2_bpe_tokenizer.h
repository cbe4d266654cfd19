// GPT-2's byte-level BPE, loaded from vocab.json + merges.txt (the files of
// any Hugging Face GPT-2 checkpoint; vocab.json is GPT-2's encoder.json and
// merges.txt its vocab.bpe).
//
// Byte-exact with GPT-2's encoder.py on any UTF-8: the text is split by
// Gpt2PreTokenize, each piece's bytes start as single-byte tokens and the
// lowest-ranked adjacent pair is merged (every occurrence, left to right)
// until no ranked pair is left. Token strings in the files use GPT-2's
// byte→unicode mapping (printable bytes stand for themselves, the others
// for U+0100…); internally tokens are raw bytes and merges are id pairs.
//
// Thread-safety: immutable after Load/Create except for the piece → ids cache,
// which a mutex guards; Encode may be called from many threads.
#ifndef SHAMMIE_POLICY_GPT2_BPE_TOKENIZER_H_
#define SHAMMIE_POLICY_GPT2_BPE_TOKENIZER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "policy/tokenizer.h"

namespace shammie::policy {

class Gpt2BpeTokenizer : public Tokenizer {
 public:
  // Reads the two files. INVALID_ARGUMENT naming the file (and line) for a
  // malformed vocabulary (not a JSON object of unique ids 0…V-1, no
  // "<|endoftext|>", missing one of the 256 byte tokens) or merges (a line
  // that is not two tokens, a token or merged token missing from the vocab);
  // NOT_FOUND for a missing file.
  static absl::StatusOr<std::unique_ptr<Gpt2BpeTokenizer>> Load(const std::string& vocab_path,
                                                                const std::string& merges_path);
  // The same from the files' contents; `vocab_name` and `merges_name` name
  // them in errors. Load reads the files and calls this (it is the fuzz
  // target's entry point, tests/fuzz/gpt2_bpe_fuzz.cc).
  static absl::StatusOr<std::unique_ptr<Gpt2BpeTokenizer>> Parse(absl::string_view vocab_json,
                                                                 absl::string_view merges_txt,
                                                                 absl::string_view vocab_name,
                                                                 absl::string_view merges_name);
  // The same from parsed contents: `vocab` as token string (mapped form) → id,
  // `merges` in rank order as pairs of token strings.
  static absl::StatusOr<std::unique_ptr<Gpt2BpeTokenizer>> Create(
      const std::vector<std::pair<std::string, int64_t>>& vocab,
      const std::vector<std::pair<std::string, std::string>>& merges);

  int64_t vocab_size() const override { return static_cast<int64_t>(id_to_bytes_.size()); }
  int64_t eos_token_id() const override { return eos_id_; }
  absl::string_view kind() const override { return "gpt2_bpe"; }
  // Writes vocab.json (in id order) and merges.txt ("#version: 0.2" first).
  absl::Status SaveFiles(const std::string& dir) const override;

  // GPT-2's byte → unicode mapping (bytes_to_unicode in encoder.py), as the
  // code point standing for each byte.
  static int32_t ByteToCodePoint(unsigned char b);

 protected:
  void EncodeOrdinary(absl::string_view text, std::vector<int64_t>* out) const override;
  bool AppendTokenBytes(int64_t id, std::string* out) const override;

 private:
  struct Merge {
    int32_t rank;
    int32_t merged;  // id of the concatenation
  };
  Gpt2BpeTokenizer() = default;
  std::vector<int64_t> EncodePiece(absl::string_view piece) const;
  static uint64_t PairKey(int64_t a, int64_t b) {
    return (static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b);
  }

  std::vector<std::string> id_to_bytes_;  // raw bytes of each token
  int64_t byte_ids_[256] = {};            // id of each single-byte token
  int64_t eos_id_ = -1;
  absl::flat_hash_map<uint64_t, Merge> merges_;            // (a, b) → rank, merged id
  std::vector<std::pair<int32_t, int32_t>> merge_list_;    // rank order, for SaveFiles

  // Pre-token pieces repeat heavily in text (" the", " Assistant"); bounded so
  // a long-running service does not grow without limit.
  static constexpr size_t kMaxCacheEntries = 100000;
  mutable absl::Mutex cache_mu_;
  mutable absl::flat_hash_map<std::string, std::vector<int64_t>> cache_ ABSL_GUARDED_BY(cache_mu_);
};

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_GPT2_BPE_TOKENIZER_H_
