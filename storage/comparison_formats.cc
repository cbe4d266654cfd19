#include "storage/comparison_formats.h"

#include <cstdint>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "storage/token_secret.h"

namespace shammie::storage {

namespace {

constexpr absl::string_view kHumanMarker = "\n\nHuman: ";
constexpr absl::string_view kAssistantMarker = "\n\nAssistant: ";
// The pairs prompt ends where the assistant's turn begins; the response
// strings carry the space that follows the colon.
constexpr absl::string_view kPromptSuffix = "\n\nAssistant:";
constexpr size_t kMaxReportedLines = 20;

// Decodes one UTF-8 sequence at s[i]; the text was validated by the JSON
// parser (or by the collector), so malformed input only needs to not crash.
uint32_t DecodeCodePoint(absl::string_view s, size_t* i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(*i);
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  uint32_t cp = extra == 3 ? (c & 0x07) : extra == 2 ? (c & 0x0F) : extra == 1 ? (c & 0x1F) : c;
  for (int k = 0; k < extra && *i + 1 < s.size(); ++k) cp = (cp << 6) | (b(++*i) & 0x3F);
  ++*i;
  return cp;
}

void AppendEscape(uint32_t unit, std::string* out) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "\\u%04x", unit);
  out->append(buf);
}

// The turn markers of a dialog, left to right. Each marker kind's next
// position is searched again only once the scan has passed it: searching both
// kinds from every turn made a dialog of n turns of one kind cost n passes
// over the text (a 180 KB prompt of 20k Human turns took minutes to import;
// found with tests/fuzz/comparison_import_fuzz).
class MarkerScanner {
 public:
  explicit MarkerScanner(absl::string_view text) : text_(text) {}

  // The first marker at or after `from` (which never decreases); npos when none.
  size_t Next(size_t from) {
    if (human_ != absl::string_view::npos && human_ < from) human_ = text_.find(kHumanMarker, from);
    if (assistant_ != absl::string_view::npos && assistant_ < from)
      assistant_ = text_.find(kAssistantMarker, from);
    return std::min(human_, assistant_);
  }

 private:
  absl::string_view text_;
  size_t human_ = 0, assistant_ = 0;  // next known positions (0 = not searched yet)
};

std::string StringField(const nlohmann::json& obj, const char* key, std::string* error) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    if (error->empty()) *error = absl::StrCat("\"", key, "\" must be a string");
    return "";
  }
  return it->get<std::string>();
}

// Splits a whole hh-rlhf dialog into context + final assistant response.
absl::Status SplitDialog(absl::string_view dialog, const char* field, v1::Conversation* context,
                         std::string* response) {
  absl::StatusOr<v1::Conversation> turns = ParseDialog(dialog);
  if (!turns.ok())
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", turns.status().message()));
  if (turns->turns_size() < 2 || turns->turns().rbegin()->role() != v1::ASSISTANT) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must end with an Assistant turn that follows the context"));
  }
  *response = turns->turns().rbegin()->text();
  turns->mutable_turns()->RemoveLast();
  *context = std::move(*turns);
  return absl::OkStatus();
}

absl::Status CheckContext(const v1::Conversation& context, const std::string& chosen,
                          const std::string& rejected) {
  if (context.turns().rbegin()->role() != v1::HUMAN) {
    return absl::InvalidArgumentError("the context must end with a Human turn");
  }
  for (const v1::Turn& t : context.turns()) {
    if (t.text().empty()) return absl::InvalidArgumentError("a context turn is empty");
  }
  if (chosen.empty()) return absl::InvalidArgumentError("the chosen response is empty");
  if (rejected.empty()) return absl::InvalidArgumentError("the rejected response is empty");
  return absl::OkStatus();
}

absl::StatusOr<v1::Comparison> ParseHhRlhf(const nlohmann::json& obj) {
  std::string error;
  std::string chosen = StringField(obj, "chosen", &error);
  std::string rejected = StringField(obj, "rejected", &error);
  if (!error.empty()) return absl::InvalidArgumentError(error);
  v1::Comparison c;
  v1::Conversation rejected_context;
  absl::Status st =
      SplitDialog(chosen, "chosen", c.mutable_context(), c.mutable_response_a()->mutable_text());
  if (st.ok())
    st = SplitDialog(rejected, "rejected", &rejected_context,
                     c.mutable_response_b()->mutable_text());
  if (!st.ok()) return st;
  if (rejected_context.SerializeAsString() != c.context().SerializeAsString()) {
    return absl::InvalidArgumentError(
        "chosen and rejected differ before their last Assistant turn");
  }
  if (absl::Status ctx = CheckContext(c.context(), c.response_a().text(), c.response_b().text());
      !ctx.ok()) {
    return ctx;
  }
  return c;
}

absl::StatusOr<v1::Comparison> ParsePairs(const nlohmann::json& obj) {
  std::string error;
  std::string prompt = StringField(obj, "prompt", &error);
  std::string chosen = StringField(obj, "chosen", &error);
  std::string rejected = StringField(obj, "rejected", &error);
  if (!error.empty()) return absl::InvalidArgumentError(error);
  if (!absl::EndsWith(prompt, kPromptSuffix)) {
    return absl::InvalidArgumentError("\"prompt\" must end with \"\\n\\nAssistant:\"");
  }
  if (!absl::StartsWith(chosen, " ") || !absl::StartsWith(rejected, " ")) {
    return absl::InvalidArgumentError(
        "\"chosen\" and \"rejected\" must start with the space after \"Assistant:\"");
  }
  absl::StatusOr<v1::Conversation> context =
      ParseDialog(absl::string_view(prompt).substr(0, prompt.size() - kPromptSuffix.size()));
  if (!context.ok())
    return absl::InvalidArgumentError(absl::StrCat("prompt: ", context.status().message()));
  if (context->turns_size() == 0) return absl::InvalidArgumentError("prompt: no turns");
  v1::Comparison c;
  *c.mutable_context() = std::move(*context);
  c.mutable_response_a()->set_text(chosen.substr(1));
  c.mutable_response_b()->set_text(rejected.substr(1));
  if (absl::Status ctx = CheckContext(c.context(), c.response_a().text(), c.response_b().text());
      !ctx.ok()) {
    return ctx;
  }
  return c;
}

}  // namespace

absl::StatusOr<ComparisonFormat> ParseComparisonFormat(absl::string_view name) {
  if (name == "hh-rlhf") return ComparisonFormat::kHhRlhf;
  if (name == "pairs") return ComparisonFormat::kPairs;
  return absl::InvalidArgumentError(
      absl::StrCat("format: \"", name, "\" is not one of hh-rlhf, pairs"));
}

std::string RenderDialog(const v1::Conversation& conversation) {
  std::string out;
  for (const v1::Turn& t : conversation.turns()) {
    absl::StrAppend(&out, t.role() == v1::HUMAN ? kHumanMarker : kAssistantMarker, t.text());
  }
  return out;
}

absl::StatusOr<v1::Conversation> ParseDialog(absl::string_view text) {
  v1::Conversation conversation;
  MarkerScanner markers(text);
  if (!absl::StartsWith(text, kHumanMarker) && !absl::StartsWith(text, kAssistantMarker)) {
    return absl::InvalidArgumentError("must start with \"\\n\\nHuman: \" or \"\\n\\nAssistant: \"");
  }
  size_t pos = 0;
  while (pos < text.size()) {
    const bool human = absl::StartsWith(text.substr(pos), kHumanMarker);
    const size_t start = pos + (human ? kHumanMarker.size() : kAssistantMarker.size());
    size_t end = markers.Next(start);
    if (end == absl::string_view::npos) end = text.size();
    v1::Turn* turn = conversation.add_turns();
    turn->set_role(human ? v1::HUMAN : v1::ASSISTANT);
    turn->set_text(std::string(text.substr(start, end - start)));
    pos = end;
  }
  return conversation;
}

std::string JsonQuote(absl::string_view s) {
  std::string out = "\"";
  out.reserve(s.size() + 2);
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    if (c >= 0x80) {
      uint32_t cp = DecodeCodePoint(s, &i);
      if (cp > 0xFFFF) {  // UTF-16 surrogate pair, as Python writes it
        cp -= 0x10000;
        AppendEscape(0xD800 + (cp >> 10), &out);
        AppendEscape(0xDC00 + (cp & 0x3FF), &out);
      } else {
        AppendEscape(cp, &out);
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {  // Python escapes all but printable ASCII
          AppendEscape(c, &out);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string FormatComparison(const v1::Comparison& c, ComparisonFormat format) {
  const bool a_preferred = c.preference() <= 4;
  const std::string& chosen = a_preferred ? c.response_a().text() : c.response_b().text();
  const std::string& rejected = a_preferred ? c.response_b().text() : c.response_a().text();
  const std::string context = RenderDialog(c.context());
  if (format == ComparisonFormat::kHhRlhf) {
    return absl::StrCat(
        "{\"chosen\": ", JsonQuote(absl::StrCat(context, kAssistantMarker, chosen)),
        ", \"rejected\": ", JsonQuote(absl::StrCat(context, kAssistantMarker, rejected)), "}\n");
  }
  return absl::StrCat("{\"prompt\": ", JsonQuote(absl::StrCat(context, kPromptSuffix)),
                      ", \"chosen\": ", JsonQuote(absl::StrCat(" ", chosen)),
                      ", \"rejected\": ", JsonQuote(absl::StrCat(" ", rejected)), "}\n");
}

absl::StatusOr<std::vector<v1::Comparison>> ParseComparisons(absl::string_view jsonl,
                                                             ComparisonFormat format) {
  std::vector<v1::Comparison> out;
  std::vector<std::string> errors;
  size_t line_no = 0;
  for (absl::string_view line : absl::StrSplit(jsonl, '\n')) {
    ++line_no;
    if (absl::EndsWith(line, "\r")) line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == absl::string_view::npos) continue;
    absl::StatusOr<v1::Comparison> c = absl::InvalidArgumentError("not a JSON object");
    try {
      nlohmann::json obj = nlohmann::json::parse(line.begin(), line.end());
      if (obj.is_object())
        c = format == ComparisonFormat::kHhRlhf ? ParseHhRlhf(obj) : ParsePairs(obj);
    } catch (const nlohmann::json::exception& e) {
      c = absl::InvalidArgumentError(e.what());
    }
    if (!c.ok()) {
      errors.push_back(absl::StrCat("line ", line_no, ": ", c.status().message()));
      continue;
    }
    c->set_preference(1);
    c->set_source(v1::SOURCE_IMPORTED);
    c->set_client_request_id(absl::StrCat("import:", line_no, ":", Sha256Hex(line).substr(0, 16)));
    out.push_back(std::move(*c));
  }
  if (!errors.empty()) {
    const size_t total = errors.size();
    if (total > kMaxReportedLines) {
      errors.resize(kMaxReportedLines);
      errors.push_back(absl::StrCat("… and ", total - kMaxReportedLines, " more"));
    }
    return absl::InvalidArgumentError(absl::StrCat(total, " malformed line(s), nothing imported:\n",
                                                   absl::StrJoin(errors, "\n")));
  }
  return out;
}

}  // namespace shammie::storage
