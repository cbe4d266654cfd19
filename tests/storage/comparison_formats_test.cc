#include "storage/comparison_formats.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace shammie::storage {
namespace {

using ::testing::HasSubstr;

std::string Format(const std::vector<v1::Comparison>& cs, ComparisonFormat f) {
  std::string out;
  for (const auto& c : cs) out += FormatComparison(c, f);
  return out;
}

// What Python's json.dumps writes for `s` (the reference for JsonQuote).
std::string PythonJsonDumps(const std::string& s) {
  std::string hex;
  for (unsigned char c : s) absl::StrAppend(&hex, absl::Hex(c, absl::kZeroPad2));
  std::string cmd =
      "/usr/bin/python3 -c 'import json,sys; sys.stdout.write(json.dumps(bytes.fromhex(\"" + hex +
      "\").decode(\"utf-8\")))'";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(ComparisonFormatsTest, JsonQuoteMatchesPythonJsonDumps) {
  for (const std::string s :
       {std::string("plain"), std::string("quote \" backslash \\ slash /"),
        std::string("\n\r\t\b\f\x01\x1f\x7f"), std::string("caf\xC3\xA9 \xE2\x82\xAC"),
        std::string("emoji \xF0\x9F\x98\x80!"), std::string("nul \0 end", 9)}) {
    EXPECT_EQ(JsonQuote(s), PythonJsonDumps(s)) << s;
  }
}

TEST(ComparisonFormatsTest, HhRlhfRoundTripIsByteIdentical) {
  const std::string file =
      "{\"chosen\": \"\\n\\nHuman: What is 2+2?\\n\\nAssistant: 4.\", "
      "\"rejected\": \"\\n\\nHuman: What is 2+2?\\n\\nAssistant: 5, I think.\"}\n"
      "{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello!\\n\\nHuman: Say "
      "caf\\u00e9\\n\\nAssistant: caf\\u00e9 \\ud83d\\ude00\", "
      "\"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello!\\n\\nHuman: Say "
      "caf\\u00e9\\n\\nAssistant: no\"}\n";
  auto cs = ParseComparisons(file, ComparisonFormat::kHhRlhf);
  ASSERT_TRUE(cs.ok()) << cs.status();
  ASSERT_EQ(cs->size(), 2u);
  const v1::Comparison& second = (*cs)[1];
  ASSERT_EQ(second.context().turns_size(), 3);
  EXPECT_EQ(second.context().turns(1).role(), v1::ASSISTANT);
  EXPECT_EQ(second.context().turns(2).text(), "Say caf\xC3\xA9");
  EXPECT_EQ(second.response_a().text(), "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(second.response_b().text(), "no");
  EXPECT_EQ(second.preference(), 1);
  EXPECT_EQ(second.source(), v1::SOURCE_IMPORTED);
  EXPECT_THAT(second.client_request_id(), ::testing::StartsWith("import:2:"));
  EXPECT_EQ(Format(*cs, ComparisonFormat::kHhRlhf), file);
}

TEST(ComparisonFormatsTest, PairsRoundTripIsByteIdenticalAndMatchesHhRlhf) {
  const std::string file =
      "{\"prompt\": \"\\n\\nHuman: Name a colour.\\n\\nAssistant:\", \"chosen\": \" Blue.\", "
      "\"rejected\": \" Seven.\"}\n";
  auto cs = ParseComparisons(file, ComparisonFormat::kPairs);
  ASSERT_TRUE(cs.ok()) << cs.status();
  EXPECT_EQ((*cs)[0].response_a().text(), "Blue.");
  EXPECT_EQ(Format(*cs, ComparisonFormat::kPairs), file);
  EXPECT_EQ(Format(*cs, ComparisonFormat::kHhRlhf),
            "{\"chosen\": \"\\n\\nHuman: Name a colour.\\n\\nAssistant: Blue.\", "
            "\"rejected\": \"\\n\\nHuman: Name a colour.\\n\\nAssistant: Seven.\"}\n");
}

TEST(ComparisonFormatsTest, PreferenceForBPutsBFirstOnExport) {
  v1::Comparison c;
  auto* t = c.mutable_context()->add_turns();
  t->set_role(v1::HUMAN);
  t->set_text("q");
  c.mutable_response_a()->set_text("worse");
  c.mutable_response_b()->set_text("better");
  c.set_preference(6);
  EXPECT_EQ(FormatComparison(c, ComparisonFormat::kPairs),
            "{\"prompt\": \"\\n\\nHuman: q\\n\\nAssistant:\", \"chosen\": \" better\", "
            "\"rejected\": \" worse\"}\n");
}

TEST(ComparisonFormatsTest, MalformedLinesAreReportedByNumberAndNothingIsReturned) {
  const std::string file =
      "{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\", \"rejected\": \"\\n\\nHuman: "
      "a\\n\\nAssistant: c\"}\n"
      "not json\n"
      "\n"
      "{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\"}\n"
      "{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\", \"rejected\": \"\\n\\nHuman: "
      "X\\n\\nAssistant: c\"}\n"
      "{\"chosen\": \"no markers\", \"rejected\": \"\\n\\nHuman: a\\n\\nAssistant: c\"}\n"
      "{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: \", \"rejected\": \"\\n\\nHuman: "
      "a\\n\\nAssistant: c\"}\n";
  auto cs = ParseComparisons(file, ComparisonFormat::kHhRlhf);
  ASSERT_EQ(cs.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(cs.status().message());
  EXPECT_THAT(msg, HasSubstr("5 malformed"));
  EXPECT_THAT(msg, HasSubstr("line 2:"));
  EXPECT_THAT(msg, HasSubstr("line 4: \"rejected\" must be a string"));
  EXPECT_THAT(msg, HasSubstr("line 5: chosen and rejected differ"));
  EXPECT_THAT(msg, HasSubstr("line 6: chosen: must start with"));
  EXPECT_THAT(msg, HasSubstr("line 7: the chosen response is empty"));
  EXPECT_THAT(msg, ::testing::Not(HasSubstr("line 1:")));
  EXPECT_THAT(msg, ::testing::Not(HasSubstr("line 3:")));

  auto pairs = ParseComparisons(
      "{\"prompt\": \"\\n\\nHuman: a\", \"chosen\": \" b\", \"rejected\": \" c\"}\n",
      ComparisonFormat::kPairs);
  EXPECT_THAT(std::string(pairs.status().message()), HasSubstr("line 1: \"prompt\" must end with"));
  EXPECT_EQ(ParseComparisonFormat("csv").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ComparisonFormatsTest, InvalidUtf8IsMalformed) {
  const std::string file =
      "{\"prompt\": \"\\n\\nHuman: \xC3(\\n\\nAssistant:\", \"chosen\": \" b\", \"rejected\": \" "
      "c\"}\n";
  auto cs = ParseComparisons(file, ComparisonFormat::kPairs);
  EXPECT_EQ(cs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(cs.status().message()), HasSubstr("line 1:"));
}

// Regression (tests/fuzz/comparison_import_fuzz): ParseDialog searched for
// both markers from every turn, so a dialog of n turns of one kind cost n
// passes over the text. 200k turns (2 MB) took far longer than this test's
// timeout; in one pass it takes milliseconds.
TEST(ComparisonFormatsTest, ManyTurnsParseInOnePass) {
  std::string prompt;
  for (int i = 0; i < 200000; ++i) prompt += "\n\nHuman: a";
  absl::StatusOr<v1::Conversation> c = ParseDialog(prompt);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->turns_size(), 200000);
  EXPECT_EQ(c->turns(199999).text(), "a");

  // Alternating kinds, and text that holds a marker's prefix, still split right.
  absl::StatusOr<v1::Conversation> mixed =
      ParseDialog("\n\nHuman: x\n\nHuman\n\nAssistant: y\n\nHuman: z");
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  ASSERT_EQ(mixed->turns_size(), 3);
  EXPECT_EQ(mixed->turns(0).text(), "x\n\nHuman");
  EXPECT_EQ(mixed->turns(1).role(), v1::ASSISTANT);
  EXPECT_EQ(mixed->turns(1).text(), "y");
  EXPECT_EQ(mixed->turns(2).text(), "z");
}

}  // namespace
}  // namespace shammie::storage
