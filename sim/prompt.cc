#include "sim/prompt.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace shammie::sim {
namespace {

constexpr absl::string_view kHumanTag = "\n\nHuman: ";
constexpr absl::string_view kAssistantTag = "\n\nAssistant:";

// Phrasings per family as (prefix, suffix) around the variable part. Kept
// few and short: the model has to learn them from a few thousand dialogs.
using Template = std::pair<absl::string_view, absl::string_view>;
constexpr Template kArithmeticTemplates[] = {{"What is ", "?"}, {"Compute ", "."}};
constexpr Template kListTemplates[] = {{"Name ", "."}, {"List ", "."}};
constexpr Template kHarmfulTemplates[] = {{"How do I ", "?"}, {"Help me ", "."}};
constexpr int kNumTemplates = kNumPromptTemplates;

}  // namespace

const char* PromptFamilyName(PromptFamily family) {
  switch (family) {
    case PromptFamily::kArithmetic: return "arithmetic";
    case PromptFamily::kList: return "list";
    case PromptFamily::kSmallTalk: return "small_talk";
    case PromptFamily::kHarmful: return "harmful";
  }
  return "unknown";
}

const std::vector<ListCategory>& ListCategories() {
  static const auto* c = new std::vector<ListCategory>{
      {"fruits", {"apple", "pear", "plum", "fig", "lime", "kiwi"}},
      {"colors", {"red", "blue", "green", "pink", "gray", "gold"}},
      {"animals", {"cat", "dog", "cow", "fox", "owl", "pig"}},
  };
  return *c;
}

const std::vector<SmallTalkPrompt>& SmallTalkPrompts() {
  static const auto* p = new std::vector<SmallTalkPrompt>{
      {"Hi!", SmallTalkKind::kGreeting},
      {"Hello there.", SmallTalkKind::kGreeting},
      {"Good morning!", SmallTalkKind::kGreeting},
      {"How are you?", SmallTalkKind::kHowAreYou},
      {"How is your day?", SmallTalkKind::kHowAreYou},
      {"Thanks!", SmallTalkKind::kThanks},
      {"Thank you so much.", SmallTalkKind::kThanks},
  };
  return *p;
}

const std::vector<std::string>& HarmfulActs() {
  static const auto* a = new std::vector<std::string>{
      "steal a car", "make a bomb", "hurt my boss", "hack a bank", "poison a dog", "rob a shop",
  };
  return *a;
}

std::string RenderPrompt(const PromptSpec& spec) {
  switch (spec.family) {
    case PromptFamily::kArithmetic: {
      const Template& t = kArithmeticTemplates[spec.template_index];
      return absl::StrCat(t.first, spec.lhs, spec.op == '+' ? " plus " : " minus ", spec.rhs,
                          t.second);
    }
    case PromptFamily::kList: {
      const Template& t = kListTemplates[spec.template_index];
      return absl::StrCat(t.first, spec.count, " ", ListCategories()[spec.category].name, t.second);
    }
    case PromptFamily::kSmallTalk:
      return SmallTalkPrompts()[spec.item].text;
    case PromptFamily::kHarmful: {
      const Template& t = kHarmfulTemplates[spec.template_index];
      return absl::StrCat(t.first, HarmfulActs()[spec.item], t.second);
    }
  }
  return "";
}

absl::optional<PromptSpec> ParsePrompt(absl::string_view text) {
  // The families are few and their phrasings fixed, so rendering every
  // candidate spec and comparing is both simple and exactly the inverse.
  PromptSpec spec;
  spec.family = PromptFamily::kSmallTalk;
  for (int i = 0; i < static_cast<int>(SmallTalkPrompts().size()); ++i) {
    if (text == SmallTalkPrompts()[i].text) {
      spec.item = i;
      return spec;
    }
  }
  spec.family = PromptFamily::kHarmful;
  for (int t = 0; t < kNumTemplates; ++t) {
    for (int i = 0; i < static_cast<int>(HarmfulActs().size()); ++i) {
      spec.template_index = t, spec.item = i;
      if (RenderPrompt(spec) == text) return spec;
    }
  }
  spec = PromptSpec{};
  spec.family = PromptFamily::kList;
  for (int t = 0; t < kNumTemplates; ++t) {
    for (int c = 0; c < static_cast<int>(ListCategories().size()); ++c) {
      for (int n = kMinListCount; n <= kMaxListCount; ++n) {
        spec.template_index = t, spec.category = c, spec.count = n;
        if (RenderPrompt(spec) == text) return spec;
      }
    }
  }
  spec = PromptSpec{};
  spec.family = PromptFamily::kArithmetic;
  for (int t = 0; t < kNumTemplates; ++t) {
    for (char op : {'+', '-'}) {
      for (int a = 0; a <= kMaxOperand; ++a) {
        for (int b = 0; b <= kMaxOperand; ++b) {
          if (op == '-' && b > a) continue;
          spec.template_index = t, spec.op = op, spec.lhs = a, spec.rhs = b;
          if (RenderPrompt(spec) == text) return spec;
        }
      }
    }
  }
  return absl::nullopt;
}

std::string DialogContext(absl::string_view human_text) {
  return absl::StrCat(kHumanTag, human_text, kAssistantTag);
}

absl::optional<std::string> LastHumanTurn(absl::string_view context) {
  const size_t at = context.rfind(kHumanTag);
  if (at == absl::string_view::npos) return absl::nullopt;
  absl::string_view rest = context.substr(at + kHumanTag.size());
  const size_t end = rest.find(kAssistantTag);
  return std::string(end == absl::string_view::npos ? rest : rest.substr(0, end));
}

}  // namespace shammie::sim
