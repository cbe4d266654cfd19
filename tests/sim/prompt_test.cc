#include "sim/prompt.h"

#include "gtest/gtest.h"

namespace shammie::sim {
namespace {

TEST(PromptTest, EveryRenderedPromptParsesBackToItsSpec) {
  int checked = 0;
  for (int t = 0; t < kNumPromptTemplates; ++t) {
    for (char op : {'+', '-'}) {
      for (int a = 0; a <= kMaxOperand; ++a) {
        for (int b = 0; b <= kMaxOperand; ++b) {
          if (op == '-' && b > a) continue;
          PromptSpec s;
          s.family = PromptFamily::kArithmetic, s.template_index = t, s.op = op, s.lhs = a, s.rhs = b;
          auto parsed = ParsePrompt(RenderPrompt(s));
          ASSERT_TRUE(parsed.has_value()) << RenderPrompt(s);
          EXPECT_EQ(parsed->lhs, a);
          EXPECT_EQ(parsed->rhs, b);
          EXPECT_EQ(parsed->op, op);
          EXPECT_EQ(parsed->Answer(), op == '+' ? a + b : a - b);
          ++checked;
        }
      }
    }
    for (int c = 0; c < static_cast<int>(ListCategories().size()); ++c) {
      for (int n = kMinListCount; n <= kMaxListCount; ++n) {
        PromptSpec s;
        s.family = PromptFamily::kList, s.template_index = t, s.category = c, s.count = n;
        auto parsed = ParsePrompt(RenderPrompt(s));
        ASSERT_TRUE(parsed.has_value()) << RenderPrompt(s);
        EXPECT_EQ(parsed->family, PromptFamily::kList);
        EXPECT_EQ(parsed->category, c);
        EXPECT_EQ(parsed->count, n);
        ++checked;
      }
    }
    for (int i = 0; i < static_cast<int>(HarmfulActs().size()); ++i) {
      PromptSpec s;
      s.family = PromptFamily::kHarmful, s.template_index = t, s.item = i;
      auto parsed = ParsePrompt(RenderPrompt(s));
      ASSERT_TRUE(parsed.has_value()) << RenderPrompt(s);
      EXPECT_EQ(parsed->family, PromptFamily::kHarmful);
      EXPECT_EQ(parsed->item, i);
      ++checked;
    }
  }
  EXPECT_GT(checked, 200);
}

TEST(PromptTest, RendersTheDocumentedPhrasings) {
  PromptSpec s;
  s.family = PromptFamily::kArithmetic, s.lhs = 7, s.rhs = 5, s.op = '+';
  EXPECT_EQ(RenderPrompt(s), "What is 7 plus 5?");
  s.template_index = 1, s.op = '-';
  EXPECT_EQ(RenderPrompt(s), "Compute 7 minus 5.");
  EXPECT_EQ(s.Answer(), 2);
  PromptSpec l;
  l.family = PromptFamily::kList, l.count = 3, l.category = 0;
  EXPECT_EQ(RenderPrompt(l), "Name 3 fruits.");
}

TEST(PromptTest, UnknownTextDoesNotParse) {
  EXPECT_FALSE(ParsePrompt("What is 70 plus 5?").has_value());
  EXPECT_FALSE(ParsePrompt("What is 3 minus 5?").has_value());  // never generated
  EXPECT_FALSE(ParsePrompt("Name 9 fruits.").has_value());
  EXPECT_FALSE(ParsePrompt("").has_value());
  EXPECT_FALSE(ParsePrompt("hi!").has_value());
}

TEST(PromptTest, LastHumanTurnOfMultiTurnContext) {
  EXPECT_EQ(DialogContext("Hi!"), "\n\nHuman: Hi!\n\nAssistant:");
  const std::string ctx =
      "\n\nHuman: Hi!\n\nAssistant: Hello! How can I help?\n\nHuman: Name 2 fruits.\n\nAssistant:";
  EXPECT_EQ(LastHumanTurn(ctx).value(), "Name 2 fruits.");
  EXPECT_EQ(LastHumanTurn("\n\nHuman: Thanks!").value(), "Thanks!");
  EXPECT_FALSE(LastHumanTurn("no turns here").has_value());
}

}  // namespace
}  // namespace shammie::sim
