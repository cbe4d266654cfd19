#include "policy/byte_tokenizer.h"

#include "gtest/gtest.h"
#include "tests/policy/temp_dir.h"

namespace shammie::policy {
namespace {

using shammie::testing::TempDir;

TEST(ByteTokenizerTest, IdsAreBytesAndEndOfTextIs256) {
  ByteTokenizer tok;
  EXPECT_EQ(tok.vocab_size(), 257);
  EXPECT_EQ(tok.eos_token_id(), 256);
  EXPECT_EQ(tok.Encode("Hi\n"), (std::vector<int64_t>{72, 105, 10}));
  EXPECT_EQ(tok.Encode("\xc3\xa9\xff"), (std::vector<int64_t>{0xc3, 0xa9, 0xff}));
  EXPECT_EQ(tok.Encode("a<|endoftext|>b", SpecialTokens::kParse),
            (std::vector<int64_t>{97, 256, 98}));
  EXPECT_EQ(tok.Encode("<|endoftext|>").size(), 13u);  // text unless asked to parse
  EXPECT_EQ(tok.Decode({72, 256, 0xff}).value(), "H<|endoftext|>\xff");
}

TEST(ByteTokenizerTest, RoundTripsAnyBytes) {
  ByteTokenizer tok;
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  EXPECT_EQ(tok.Decode(tok.Encode(all)).value(), all);
}

TEST(ByteTokenizerTest, DecodeRejectsIdsOutsideTheVocabulary) {
  ByteTokenizer tok;
  auto bad = tok.Decode({1, 2, 257});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("position 2"), std::string::npos);
}

TEST(ByteTokenizerTest, MarkerFileRoundTripAndMalformedMarker) {
  TempDir dir;
  ASSERT_TRUE(ByteTokenizer().SaveFiles(dir.path()).ok());
  EXPECT_TRUE(ByteTokenizer::Load(dir.Sub("byte_tokenizer.json")).ok());
  dir.Write("byte_tokenizer.json", "{\"type\": \"bpe\"}");
  EXPECT_EQ(ByteTokenizer::Load(dir.Sub("byte_tokenizer.json")).status().code(),
            absl::StatusCode::kInvalidArgument);
  dir.Write("byte_tokenizer.json", "{\"type\": \"bytes\", \"eos_token_id\": 0}");
  EXPECT_EQ(ByteTokenizer::Load(dir.Sub("byte_tokenizer.json")).status().code(),
            absl::StatusCode::kInvalidArgument);
  dir.Write("byte_tokenizer.json", "not json");
  EXPECT_EQ(ByteTokenizer::Load(dir.Sub("byte_tokenizer.json")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace shammie::policy
