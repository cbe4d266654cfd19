// Comparison ↔ JSONL, in the two formats operators bring and trainers read.
//
//   hh-rlhf: {"chosen": "\n\nHuman: …\n\nAssistant: …", "rejected": "…"}
//            (Anthropic's HH-RLHF release). Both strings are the whole
//            dialog; they share every turn but the last assistant turn.
//   pairs:   {"prompt": "\n\nHuman: …\n\nAssistant:", "chosen": " …", "rejected": " …"}
//            (the prompt/chosen/rejected layout reward-model and DPO trainers
//            read; prompt + chosen is exactly the hh-rlhf "chosen" string).
//
// Mapping (a decision, documented in docs/operators.md): the chosen response
// becomes response A and the rejected one response B, with preference 1
// ("A much better": the files carry no strength, and a binary label is the
// strongest statement they make). Exporting writes the preferred response
// (preference 1..4 → A, 5..8 → B) as chosen, so strength is lost on export.
//
// Output is one line per comparison in the form Python's json.dumps writes by
// default (keys in the order above, ": " and ", " separators, non-ASCII and
// control characters as lower-case \uXXXX escapes). A file in that form —
// which is what export writes — imports and exports back byte for byte.
//
// Pure functions; thread-safe.
#ifndef SHAMMIE_STORAGE_COMPARISON_FORMATS_H_
#define SHAMMIE_STORAGE_COMPARISON_FORMATS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "shammie/v1/conversation.pb.h"

namespace shammie::storage {

enum class ComparisonFormat { kHhRlhf, kPairs };

// "hh-rlhf" or "pairs"; INVALID_ARGUMENT naming the format otherwise.
absl::StatusOr<ComparisonFormat> ParseComparisonFormat(absl::string_view name);

// Parses JSONL (blank lines are skipped; a trailing '\r' is dropped). Every
// comparison gets source SOURCE_IMPORTED, preference 1 and a
// client_request_id "import:<line>:<sha256 of the line, 16 hex>", so
// importing the same file twice stores it once. On any malformed line,
// returns INVALID_ARGUMENT listing each malformed line as "line N: reason"
// (the first 20, then a count) and no comparisons.
absl::StatusOr<std::vector<v1::Comparison>> ParseComparisons(absl::string_view jsonl,
                                                             ComparisonFormat format);

// One JSONL line, ending in '\n'.
std::string FormatComparison(const v1::Comparison& c, ComparisonFormat format);

// "\n\nHuman: …\n\nAssistant: …" for a conversation, and back. ParseDialog is
// INVALID_ARGUMENT unless `text` is a sequence of turns that each start with
// "\n\nHuman: " or "\n\nAssistant: ".
std::string RenderDialog(const v1::Conversation& conversation);
absl::StatusOr<v1::Conversation> ParseDialog(absl::string_view text);

// A JSON string literal (with quotes) escaped as Python's json.dumps does.
std::string JsonQuote(absl::string_view utf8);

}  // namespace shammie::storage

#endif  // SHAMMIE_STORAGE_COMPARISON_FORMATS_H_
