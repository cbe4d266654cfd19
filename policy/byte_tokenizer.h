// The plain byte tokenizer for tiny models: id b is byte b (0–255) and 256 is
// <|endoftext|>. Its folder holds byte_tokenizer.json, a marker:
//   {"type": "bytes", "eos_token_id": 256}
// Thread-safe (stateless).
#ifndef SHAMMIE_POLICY_BYTE_TOKENIZER_H_
#define SHAMMIE_POLICY_BYTE_TOKENIZER_H_

#include "policy/tokenizer.h"

namespace shammie::policy {

class ByteTokenizer : public Tokenizer {
 public:
  static constexpr int64_t kEosId = 256;
  static constexpr int64_t kVocabSize = 257;

  int64_t vocab_size() const override { return kVocabSize; }
  int64_t eos_token_id() const override { return kEosId; }
  absl::string_view kind() const override { return "bytes"; }
  absl::Status SaveFiles(const std::string& dir) const override;

  // Reads the marker file; INVALID_ARGUMENT when it is not the byte marker.
  static absl::StatusOr<std::unique_ptr<ByteTokenizer>> Load(const std::string& path);

 protected:
  void EncodeOrdinary(absl::string_view text, std::vector<int64_t>* out) const override;
  bool AppendTokenBytes(int64_t id, std::string* out) const override;
};

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_BYTE_TOKENIZER_H_
