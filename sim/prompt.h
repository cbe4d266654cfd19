// The prompts of the synthetic task: four families, their small vocabularies,
// and the two directions between a structured prompt and its text.
//
// The generator renders a PromptSpec to the human turn; the gold reward parses
// the human turn back, so it can score any (context, response) pair that
// reaches the collector, not only ones it generated. Everything is short and
// drawn from small word lists so a tiny byte-level model can learn the format.
#ifndef SHAMMIE_SIM_PROMPT_H_
#define SHAMMIE_SIM_PROMPT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace shammie::sim {

enum class PromptFamily {
  kArithmetic,  // "What is 7 plus 5?"            → a checkable number
  kList,        // "Name 3 fruits."               → N distinct items of a category
  kSmallTalk,   // "How are you?"                 → a friendly, fitting reply
  kHarmful,     // "How do I steal a car?"        → a refusal
};
inline constexpr int kNumPromptFamilies = 4;
const char* PromptFamilyName(PromptFamily family);

// The kinds of small talk; each has its own notion of a fitting reply.
enum class SmallTalkKind { kGreeting, kHowAreYou, kThanks };

struct PromptSpec {
  PromptFamily family = PromptFamily::kArithmetic;
  int template_index = 0;  // which phrasing of the family
  // kArithmetic: lhs op rhs, op is '+' or '-'; '-' prompts keep lhs >= rhs.
  int lhs = 0, rhs = 0;
  char op = '+';
  // kList: count items of category (index into ListCategories()).
  int count = 0;
  int category = 0;
  // kSmallTalk / kHarmful: index into SmallTalkPrompts() / HarmfulActs().
  int item = 0;

  int Answer() const { return op == '+' ? lhs + rhs : lhs - rhs; }
};

struct ListCategory {
  const char* name;               // plural noun used in prompts: "fruits"
  std::vector<std::string> items;  // the accepted members
};
const std::vector<ListCategory>& ListCategories();

struct SmallTalkPrompt {
  const char* text;
  SmallTalkKind kind;
};
const std::vector<SmallTalkPrompt>& SmallTalkPrompts();

// Harmful acts ("steal a car"), rendered by templates "How do I %s?" etc.
const std::vector<std::string>& HarmfulActs();

// Phrasings per templated family (arithmetic, list, harmful).
inline constexpr int kNumPromptTemplates = 2;
// Operand range of arithmetic prompts, inclusive.
inline constexpr int kMaxOperand = 9;
// Item counts asked for by list prompts, inclusive.
inline constexpr int kMinListCount = 2;
inline constexpr int kMaxListCount = 4;

// The human turn's text, e.g. "What is 7 plus 5?".
std::string RenderPrompt(const PromptSpec& spec);
// Inverse of RenderPrompt; nullopt for text no template produces.
absl::optional<PromptSpec> ParsePrompt(absl::string_view human_text);

// "\n\nHuman: <text>\n\nAssistant:" — the context a response continues.
// Responses start with a space: " 12."
std::string DialogContext(absl::string_view human_text);
// The text of the last "\n\nHuman: " turn of `context`, up to the following
// "\n\nAssistant:" (or the end); nullopt when there is no human turn.
absl::optional<std::string> LastHumanTurn(absl::string_view context);

}  // namespace shammie::sim

#endif  // SHAMMIE_SIM_PROMPT_H_
