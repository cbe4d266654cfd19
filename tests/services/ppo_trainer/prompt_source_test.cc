#include "services/ppo_trainer/prompt_source.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace shammie::ppo_trainer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ReadPromptFileTest, ReadsDistinctPromptsInOrderAndSkipsBlankLines) {
  std::string path = WriteFile("p.jsonl",
                               "{\"prompt\": \"\\n\\nHuman: hi\\n\\nAssistant:\"}\n\n"
                               "{\"prompt\": \"b\", \"other\": 1}\n{\"prompt\": \"\\n\\nHuman: hi\\n\\nAssistant:\"}\n");
  absl::StatusOr<std::vector<std::string>> p = ReadPromptFile(path);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(*p, ElementsAre("\n\nHuman: hi\n\nAssistant:", "b"));
}

TEST(ReadPromptFileTest, BadLineEmptyFileAndMissingFileNameTheField) {
  absl::Status s = ReadPromptFile(WriteFile("bad.jsonl", "{\"prompt\": \"a\"}\n{\"text\": \"b\"}\n")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("prompt_file"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("line 2"));
  s = ReadPromptFile(WriteFile("empty.jsonl", "\n")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("no prompts"));
  s = ReadPromptFile(::testing::TempDir() + "/missing.jsonl").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("prompt_file"));
}

TEST(RenderContextTest, RendersTurnsAndOpensTheAssistantTurn) {
  v1::Conversation c;
  auto* t = c.add_turns();
  t->set_role(v1::HUMAN);
  t->set_text("Hi");
  t = c.add_turns();
  t->set_role(v1::ASSISTANT);
  t->set_text("Hello.");
  t = c.add_turns();
  t->set_role(v1::HUMAN);
  t->set_text("What is 2 plus 2?");
  EXPECT_EQ(RenderContext(c),
            "\n\nHuman: Hi\n\nAssistant: Hello.\n\nHuman: What is 2 plus 2?\n\nAssistant:");
}

TEST(FetchCollectorPromptsTest, UnreachableCollectorIsUnavailable) {
  absl::StatusOr<std::vector<std::string>> p =
      FetchCollectorPrompts({"127.0.0.1:1", "token", /*timeout_seconds=*/2});
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnavailable) << p.status();
}

}  // namespace
}  // namespace shammie::ppo_trainer
