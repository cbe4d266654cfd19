// LoadTokenizer: the folder format decides the kind.
#include "policy/tokenizer.h"

#include "gtest/gtest.h"
#include "policy/byte_tokenizer.h"
#include "policy/gpt2_bpe_tokenizer.h"
#include "tests/policy/temp_dir.h"

namespace shammie::policy {
namespace {

using shammie::testing::TempDir;

// A tiny BPE over bytes: 256 byte tokens, merges "h e" → "he", "he l" →
// "hel", "Ġ w" → "Ġw", and <|endoftext|>.
std::unique_ptr<Gpt2BpeTokenizer> TinyBpe() {
  std::vector<std::pair<std::string, int64_t>> vocab;
  for (int b = 0; b < 256; ++b) {
    const int32_t cp = Gpt2BpeTokenizer::ByteToCodePoint(static_cast<unsigned char>(b));
    std::string s;
    if (cp < 0x80) {
      s.push_back(static_cast<char>(cp));
    } else {
      s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    vocab.emplace_back(s, b);
  }
  vocab.emplace_back("he", 256);
  vocab.emplace_back("hel", 257);
  vocab.emplace_back("\xc4\xa0w", 258);  // "Ġw": Ġ stands for the space byte
  vocab.emplace_back("<|endoftext|>", 259);
  auto tok = Gpt2BpeTokenizer::Create(vocab, {{"h", "e"}, {"he", "l"}, {"\xc4\xa0", "w"}});
  EXPECT_TRUE(tok.ok()) << tok.status();
  return std::move(tok).value();
}

TEST(TokenizerTest, TinyBpeMergesByRank) {
  auto tok = TinyBpe();
  EXPECT_EQ(tok->vocab_size(), 260);
  EXPECT_EQ(tok->eos_token_id(), 259);
  // "hello world" → "hel" "l" "o" | "Ġw" "o" "r" "l" "d"
  EXPECT_EQ(tok->Encode("hello world"),
            (std::vector<int64_t>{257, 'l', 'o', 258, 'o', 'r', 'l', 'd'}));
  EXPECT_EQ(tok->Encode("hehe<|endoftext|>he", SpecialTokens::kParse),
            (std::vector<int64_t>{256, 256, 259, 256}));
}

TEST(TokenizerTest, LoadTokenizerPicksTheKindFromTheFiles) {
  TempDir bytes_dir, bpe_dir, empty_dir;
  ASSERT_TRUE(ByteTokenizer().SaveFiles(bytes_dir.path()).ok());
  ASSERT_TRUE(TinyBpe()->SaveFiles(bpe_dir.path()).ok());

  auto bytes = LoadTokenizer(bytes_dir.path());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ((*bytes)->kind(), "bytes");
  EXPECT_EQ((*bytes)->Encode("ab"), (std::vector<int64_t>{97, 98}));

  auto bpe = LoadTokenizer(bpe_dir.path());
  ASSERT_TRUE(bpe.ok()) << bpe.status();
  EXPECT_EQ((*bpe)->kind(), "gpt2_bpe");
  EXPECT_EQ((*bpe)->Encode("hello world"), TinyBpe()->Encode("hello world"));

  auto none = LoadTokenizer(empty_dir.path());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("vocab.json"), std::string::npos);

  // Half a BPE tokenizer is an error about the missing file, not "no tokenizer".
  std::remove(bpe_dir.Sub("merges.txt").c_str());
  auto half = LoadTokenizer(bpe_dir.path());
  EXPECT_EQ(half.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(half.status().message().find("merges.txt"), std::string::npos) << half.status();
}

TEST(TokenizerTest, CreateRejectsVocabulariesWithoutBytesOrEndOfText) {
  auto no_bytes = Gpt2BpeTokenizer::Create({{"a", 0}, {"<|endoftext|>", 1}}, {});
  EXPECT_EQ(no_bytes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_bytes.status().message().find("no token for byte"), std::string::npos);
}

}  // namespace
}  // namespace shammie::policy
