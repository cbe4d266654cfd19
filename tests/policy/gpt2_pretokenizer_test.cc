// Hand-checked splits of GPT-2's pre-tokenizer regex (the byte-exactness
// against GPT-2 itself is tested end to end in gpt2_bpe_tokenizer_test).
#include "policy/gpt2_pretokenizer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace shammie::policy {
namespace {

std::vector<std::string> Split(absl::string_view text) {
  std::vector<std::string> out;
  for (absl::string_view p : Gpt2PreTokenize(text)) out.emplace_back(p);
  return out;
}
using V = std::vector<std::string>;

TEST(Gpt2PreTokenizeTest, WordsNumbersAndPunctuationTakeOneLeadingSpace) {
  EXPECT_EQ(Split("Hello world"), (V{"Hello", " world"}));
  EXPECT_EQ(Split("I have 42 cats!!"), (V{"I", " have", " 42", " cats", "!!"}));
  EXPECT_EQ(Split("a1b"), (V{"a", "1", "b"}));
  EXPECT_EQ(Split(" ..."), (V{" ..."}));
}

TEST(Gpt2PreTokenizeTest, ContractionsAreSeparateAndCaseSensitive) {
  EXPECT_EQ(Split("it's we'll I'D"), (V{"it", "'s", " we", "'ll", " I", "'", "D"}));
  EXPECT_EQ(Split("'re've"), (V{"'re", "'ve"}));
}

TEST(Gpt2PreTokenizeTest, SpaceRunsLeaveTheirLastSpaceToTheNextWord) {
  EXPECT_EQ(Split("a   b"), (V{"a", "  ", " b"}));
  EXPECT_EQ(Split("a \n b"), (V{"a", " \n", " b"}));
  EXPECT_EQ(Split("a\nb"), (V{"a", "\n", "b"}));  // one space char: \s+ alone
  EXPECT_EQ(Split("end   "), (V{"end", "   "}));  // at the end the run stays whole
  // "\n\n" before a word: the run gives back its last char, which alone is
  // then a \s+ piece (GPT-2 encodes it as two 198 tokens).
  EXPECT_EQ(Split("\n\nHuman:"), (V{"\n", "\n", "Human", ":"}));
}

TEST(Gpt2PreTokenizeTest, UnicodeClassesAndInvalidBytes) {
  EXPECT_EQ(Split("café 日本語"), (V{"café", " 日本語"}));
  EXPECT_EQ(Split("x½"), (V{"x", "½"}));  // ½ is \p{N} (No)
  EXPECT_EQ(Split(" 😀!"), (V{" 😀!"}));   // emoji are neither L nor N
  EXPECT_EQ(Split("a\u3000b"), (V{"a", "\u3000", "b"}));  // ideographic space is \s
  EXPECT_EQ(Split("ab\xff\xfe" "cd"), (V{"ab", "\xff\xfe", "cd"}));
  EXPECT_EQ(Split("\xc3"), (V{"\xc3"}));
  std::string joined;
  for (const std::string& p : Split("x \xe2\x82 y\xf0\x9f")) joined += p;
  EXPECT_EQ(joined, "x \xe2\x82 y\xf0\x9f");
}

}  // namespace
}  // namespace shammie::policy
