// Fuzz target: GPT-2 BPE loading and encoding (gpt2_bpe_tokenizer.h,
// gpt2_pretokenizer.h). The input is vocab.json, a 0 byte, merges.txt, a 0
// byte, and text to encode (missing parts are empty).
//
// Oracle: nothing crashes; a rejected vocabulary or merges file is
// INVALID_ARGUMENT; the pre-tokenizer's pieces concatenate to the text; with
// a loaded tokenizer, every id is in the vocabulary and decoding gives back
// the text byte for byte (with and without special-token parsing).
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "policy/gpt2_bpe_tokenizer.h"
#include "policy/gpt2_pretokenizer.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

// The next part of `input` up to a 0 byte (or the end).
absl::string_view NextPart(absl::string_view* input) {
  const size_t zero = input->find('\0');
  absl::string_view part = input->substr(0, zero);
  input->remove_prefix(zero == absl::string_view::npos ? input->size() : zero + 1);
  return part;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shammie;  // NOLINT
  absl::string_view input = fuzz::Bytes(data, size);
  const absl::string_view vocab = NextPart(&input);
  const absl::string_view merges = NextPart(&input);
  const absl::string_view text = input;

  const std::vector<absl::string_view> pieces = policy::Gpt2PreTokenize(text);
  FUZZ_CHECK(absl::StrJoin(pieces, "") == text) << "pieces do not concatenate to the text";
  for (absl::string_view p : pieces) FUZZ_CHECK(!p.empty());

  auto tok = policy::Gpt2BpeTokenizer::Parse(vocab, merges, "vocab.json", "merges.txt");
  if (!tok.ok()) {
    FUZZ_CHECK_CODE(tok.status(), absl::StatusCode::kInvalidArgument);
    return 0;
  }
  for (policy::SpecialTokens special :
       {policy::SpecialTokens::kAsText, policy::SpecialTokens::kParse}) {
    const std::vector<int64_t> ids = (*tok)->Encode(text, special);
    for (int64_t id : ids) FUZZ_CHECK(id >= 0 && id < (*tok)->vocab_size()) << id;
    absl::StatusOr<std::string> back = (*tok)->Decode(ids);
    FUZZ_CHECK(back.ok()) << back.status().ToString();
    FUZZ_CHECK(*back == text) << "Decode(Encode(text)) != text";
  }
  return 0;
}
