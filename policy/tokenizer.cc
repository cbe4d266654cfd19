#include "policy/tokenizer.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "policy/byte_tokenizer.h"
#include "policy/gpt2_bpe_tokenizer.h"

namespace shammie::policy {
namespace {

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::vector<int64_t> Tokenizer::Encode(absl::string_view text, SpecialTokens special) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size() / 2 + 1);
  if (special == SpecialTokens::kAsText) {
    EncodeOrdinary(text, &ids);
    return ids;
  }
  // Split at each literal end-of-text; the pieces between are ordinary text,
  // so no BPE merge ever spans a document boundary.
  for (;;) {
    const size_t at = text.find(kEndOfText);
    if (at == absl::string_view::npos) break;
    EncodeOrdinary(text.substr(0, at), &ids);
    ids.push_back(eos_token_id());
    text.remove_prefix(at + kEndOfText.size());
  }
  EncodeOrdinary(text, &ids);
  return ids;
}

absl::StatusOr<std::string> Tokenizer::Decode(absl::Span<const int64_t> ids) const {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!AppendTokenBytes(ids[i], &out)) {
      return absl::InvalidArgumentError(absl::StrCat("token id ", ids[i], " at position ", i,
                                                     " is outside the vocabulary of size ",
                                                     vocab_size()));
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Tokenizer>> LoadTokenizer(const std::string& dir) {
  const std::string vocab = absl::StrCat(dir, "/", kVocabFile);
  const std::string merges = absl::StrCat(dir, "/", kMergesFile);
  const std::string bytes = absl::StrCat(dir, "/", kByteTokenizerFile);
  if (FileExists(vocab) || FileExists(merges)) {
    auto bpe = Gpt2BpeTokenizer::Load(vocab, merges);
    if (!bpe.ok()) return bpe.status();
    return std::unique_ptr<Tokenizer>(std::move(bpe).value());
  }
  if (FileExists(bytes)) {
    auto byte = ByteTokenizer::Load(bytes);
    if (!byte.ok()) return byte.status();
    return std::unique_ptr<Tokenizer>(std::move(byte).value());
  }
  return absl::NotFoundError(absl::StrCat("no tokenizer in ", dir, ": expected ", kVocabFile,
                                          " + ", kMergesFile, " (GPT-2 BPE) or ",
                                          kByteTokenizerFile, " (bytes)"));
}

}  // namespace shammie::policy
