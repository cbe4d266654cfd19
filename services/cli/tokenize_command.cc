// `shammie tokenize`: UTF-8 text on stdin → its token ids as a JSON array on
// stdout, for operators checking a tokenizer.
//   shammie tokenize --vocab vocab.json --merges merges.txt   (GPT-2 BPE)
//   shammie tokenize --bytes                                  (byte tokenizer)
//   shammie tokenize --dir CHECKPOINT_OR_TOKENIZER_FOLDER
// --special turns literal "<|endoftext|>" into the end-of-text id.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy/byte_tokenizer.h"
#include "policy/gpt2_bpe_tokenizer.h"
#include "policy/tokenizer.h"
#include "services/cli/args.h"

namespace shammie::cli {
namespace {

constexpr char kUsage[] =
    "usage: shammie tokenize (--vocab FILE --merges FILE | --bytes | --dir FOLDER) [--special]\n"
    "Reads UTF-8 text on stdin and prints its token ids as a JSON array.\n";

// Where the tokenizer comes from, as the flags say.
struct TokenizerSource {
  std::string vocab, merges, dir;
  bool bytes = false;
};

// INVALID_ARGUMENT (a usage error) unless exactly one source is given.
absl::StatusOr<TokenizerSource> SourceFromArgs(Args& args) {
  TokenizerSource s{args.Get("vocab"), args.Get("merges"), args.Get("dir"), args.GetBool("bytes")};
  const int chosen = (!s.vocab.empty() || !s.merges.empty()) + s.bytes + !s.dir.empty();
  if (chosen != 1) {
    return absl::InvalidArgumentError("give exactly one of --vocab/--merges, --bytes or --dir");
  }
  if ((s.vocab.empty() || s.merges.empty()) && !s.bytes && s.dir.empty()) {
    return absl::InvalidArgumentError("--vocab and --merges go together");
  }
  return s;
}

absl::StatusOr<std::unique_ptr<policy::Tokenizer>> LoadFrom(const TokenizerSource& s) {
  if (s.bytes) return std::unique_ptr<policy::Tokenizer>(new policy::ByteTokenizer());
  if (!s.dir.empty()) return policy::LoadTokenizer(s.dir);
  auto bpe = policy::Gpt2BpeTokenizer::Load(s.vocab, s.merges);
  if (!bpe.ok()) return bpe.status();
  return std::unique_ptr<policy::Tokenizer>(std::move(bpe).value());
}

int Usage(absl::string_view problem) {
  std::fprintf(stderr, "shammie tokenize: %s\n%s", std::string(problem).c_str(), kUsage);
  return 2;
}

}  // namespace

int RunTokenize(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, {"bytes", "special", "help"});
  if (!args.ok()) return Usage(args.status().message());
  if (args->GetBool("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const bool special = args->GetBool("special");
  auto source = SourceFromArgs(*args);
  if (!source.ok()) return Usage(source.status().message());
  if (absl::Status unused = args->CheckNoUnused(); !unused.ok()) return Usage(unused.message());
  if (!args->positional().empty()) {
    return Usage(absl::StrCat("unexpected argument \"", args->positional()[0], "\""));
  }
  auto tokenizer = LoadFrom(*source);
  if (!tokenizer.ok()) {
    std::fprintf(stderr, "shammie tokenize: %s\n", tokenizer.status().ToString().c_str());
    return 1;
  }
  const std::string text((std::istreambuf_iterator<char>(std::cin)),
                         std::istreambuf_iterator<char>());
  const std::vector<int64_t> ids = (*tokenizer)->Encode(
      text, special ? policy::SpecialTokens::kParse : policy::SpecialTokens::kAsText);
  std::printf("[%s]\n", absl::StrJoin(ids, ",").c_str());
  return 0;
}

}  // namespace shammie::cli
