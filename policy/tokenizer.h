// Text ↔ token ids, and the folder format a tokenizer is saved in.
//
// Two kinds: ByteTokenizer (ids 0–255 are the bytes, 256 is <|endoftext|>;
// for tiny models) and Gpt2BpeTokenizer (GPT-2's byte-level BPE from
// vocab.json + merges.txt). Both are lossless on any bytes, valid UTF-8 or
// not: Decode(Encode(s)) == s.
//
// The end-of-text token: Encode() treats the text "<|endoftext|>" as ordinary
// text by default (as GPT-2's encoder.py does), so text typed by a labeler can
// never inject the token the PM reads its score at; callers append
// eos_token_id() themselves. SpecialTokens::kParse turns each literal
// "<|endoftext|>" into eos_token_id() (for corpora that mark document ends).
//
// Thread-safety: a constructed Tokenizer is immutable to its callers; all
// const methods may be called concurrently (the BPE cache is internally
// synchronized). Torch-free.
#ifndef SHAMMIE_POLICY_TOKENIZER_H_
#define SHAMMIE_POLICY_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace shammie::policy {

inline constexpr absl::string_view kEndOfText = "<|endoftext|>";

// Files a tokenizer folder holds.
inline constexpr absl::string_view kVocabFile = "vocab.json";           // BPE
inline constexpr absl::string_view kMergesFile = "merges.txt";          // BPE
inline constexpr absl::string_view kByteTokenizerFile = "byte_tokenizer.json";  // bytes marker

enum class SpecialTokens {
  kAsText,  // "<|endoftext|>" in the text is encoded like any other text
  kParse,   // each "<|endoftext|>" in the text becomes eos_token_id()
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  std::vector<int64_t> Encode(absl::string_view text,
                              SpecialTokens special = SpecialTokens::kAsText) const;
  // The bytes of the tokens, concatenated (eos decodes to "<|endoftext|>").
  // The result may be invalid UTF-8 when `ids` end inside a character.
  // INVALID_ARGUMENT naming the position of an id outside [0, vocab_size()).
  absl::StatusOr<std::string> Decode(absl::Span<const int64_t> ids) const;

  virtual int64_t vocab_size() const = 0;
  virtual int64_t eos_token_id() const = 0;
  // "bytes" or "gpt2_bpe".
  virtual absl::string_view kind() const = 0;

  // Writes this tokenizer's files into the existing folder `dir` (overwriting
  // them), so LoadTokenizer(dir) gives an equal tokenizer. Not atomic by
  // itself: checkpoints call it on a temporary folder. INTERNAL on I/O errors.
  virtual absl::Status SaveFiles(const std::string& dir) const = 0;

 protected:
  // Encodes text containing no special tokens; appends to `out`.
  virtual void EncodeOrdinary(absl::string_view text, std::vector<int64_t>* out) const = 0;
  // Appends the bytes of `id` to `out`; false when the id is unknown.
  virtual bool AppendTokenBytes(int64_t id, std::string* out) const = 0;
};

// Loads the tokenizer saved in `dir`: vocab.json + merges.txt → GPT-2 BPE;
// byte_tokenizer.json → bytes. NOT_FOUND when neither is there (the message
// names the folder and the files looked for); INVALID_ARGUMENT for malformed
// files (naming the file and what is wrong).
absl::StatusOr<std::unique_ptr<Tokenizer>> LoadTokenizer(const std::string& dir);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_TOKENIZER_H_
