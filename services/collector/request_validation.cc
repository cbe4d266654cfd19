#include "services/collector/request_validation.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/utf8.h"

namespace shammie::collector {

namespace {

constexpr size_t kMaxIdBytes = 256;

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

bool Utf8(absl::string_view s) { return common::IsValidUtf8(std::string_view(s.data(), s.size())); }

// Required text: non-empty, valid UTF-8, at most `max` bytes.
absl::Status CheckText(absl::string_view field, absl::string_view text, size_t max) {
  if (text.empty()) return Invalid(field, "must not be empty");
  if (text.size() > max) {
    return Invalid(field, absl::StrCat("is ", text.size(), " bytes; the limit is ", max));
  }
  if (!Utf8(text)) return Invalid(field, "is not valid UTF-8");
  return absl::OkStatus();
}

// Optional short string (ids, policy names): UTF-8, at most kMaxIdBytes.
absl::Status CheckShort(absl::string_view field, absl::string_view s) {
  if (s.size() > kMaxIdBytes) {
    return Invalid(field, absl::StrCat("is ", s.size(), " bytes; the limit is ", kMaxIdBytes));
  }
  if (!Utf8(s)) return Invalid(field, "is not valid UTF-8");
  return absl::OkStatus();
}

absl::Status CheckConversation(absl::string_view field, const v1::Conversation& c,
                               const ValidationLimits& limits) {
  if (c.turns_size() == 0) return Invalid(absl::StrCat(field, ".turns"), "must not be empty");
  if (static_cast<size_t>(c.turns_size()) > limits.max_turns) {
    return Invalid(absl::StrCat(field, ".turns"),
                   absl::StrCat("has ", c.turns_size(), " turns; the limit is ", limits.max_turns));
  }
  for (int i = 0; i < c.turns_size(); ++i) {
    const v1::Turn& t = c.turns(i);
    const std::string turn = absl::StrCat(field, ".turns[", i, "]");
    if (t.role() != v1::HUMAN && t.role() != v1::ASSISTANT) {
      return Invalid(absl::StrCat(turn, ".role"), "must be HUMAN or ASSISTANT");
    }
    SHAMMIE_RETURN_IF_ERROR(
        CheckText(absl::StrCat(turn, ".text"), t.text(), limits.max_turn_bytes));
  }
  if (c.turns(c.turns_size() - 1).role() != v1::HUMAN) {
    return Invalid(absl::StrCat(field, ".turns"), "must end with a HUMAN turn");
  }
  return absl::OkStatus();
}

absl::Status CheckSize(size_t bytes, const ValidationLimits& limits) {
  if (bytes > limits.max_request_bytes) {
    return Invalid("request",
                   absl::StrCat("is ", bytes, " bytes; the limit is ", limits.max_request_bytes));
  }
  return absl::OkStatus();
}

absl::Status CheckPreference(absl::string_view field, int32_t preference) {
  if (preference < 1 || preference > 8) {
    return Invalid(field, absl::StrCat("must be 1..8 (1 = A much better, 8 = B much better), got ",
                                       preference));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateTokenName(absl::string_view field, absl::string_view name) {
  if (name.empty() || name.size() > 64) return Invalid(field, "must be 1..64 characters");
  for (char ch : name) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
    if (!ok) return Invalid(field, "may contain only letters, digits, '_', '.' and '-'");
  }
  return absl::OkStatus();
}

absl::Status ValidateCreateTask(const v1::CreateTaskRequest& request,
                                const ValidationLimits& limits) {
  SHAMMIE_RETURN_IF_ERROR(CheckSize(request.ByteSizeLong(), limits));
  SHAMMIE_RETURN_IF_ERROR(CheckConversation("context", request.context(), limits));
  if (request.candidates_size() != 0 && request.candidates_size() != 2) {
    return Invalid("candidates", absl::StrCat("must hold exactly two responses (or none), got ",
                                              request.candidates_size()));
  }
  for (int i = 0; i < request.candidates_size(); ++i) {
    SHAMMIE_RETURN_IF_ERROR(CheckText(absl::StrCat("candidates[", i, "]"), request.candidates(i),
                                      limits.max_turn_bytes));
  }
  if (request.candidate_policies_size() != 0 &&
      request.candidate_policies_size() != request.candidates_size()) {
    return Invalid("candidate_policies", "must be empty or one per candidate");
  }
  for (int i = 0; i < request.candidate_policies_size(); ++i) {
    SHAMMIE_RETURN_IF_ERROR(
        CheckShort(absl::StrCat("candidate_policies[", i, "]"), request.candidate_policies(i)));
  }
  if (request.overlap() > kMaxOverlap) {
    return Invalid("overlap", absl::StrCat("must be at most ", kMaxOverlap));
  }
  return absl::OkStatus();
}

absl::Status ValidateSubmit(const v1::SubmitComparisonRequest& request,
                            const ValidationLimits& limits) {
  SHAMMIE_RETURN_IF_ERROR(CheckSize(request.ByteSizeLong(), limits));
  if (request.task_id().empty()) return Invalid("task_id", "must not be empty");
  SHAMMIE_RETURN_IF_ERROR(CheckShort("task_id", request.task_id()));
  SHAMMIE_RETURN_IF_ERROR(CheckPreference("preference", request.preference()));
  SHAMMIE_RETURN_IF_ERROR(CheckShort("client_request_id", request.client_request_id()));
  if (!request.next_human_turn().empty()) {
    SHAMMIE_RETURN_IF_ERROR(
        CheckText("next_human_turn", request.next_human_turn(), limits.max_turn_bytes));
  }
  return absl::OkStatus();
}

absl::Status ValidateSkip(const v1::SkipTaskRequest& request) {
  if (request.task_id().empty()) return Invalid("task_id", "must not be empty");
  return CheckShort("task_id", request.task_id());
}

absl::Status ValidateImported(const v1::Comparison& c, absl::string_view field,
                              const ValidationLimits& limits) {
  const std::string f(field);
  if (c.ByteSizeLong() > limits.max_request_bytes) {
    return Invalid(f, absl::StrCat("is ", c.ByteSizeLong(), " bytes; the limit is ",
                                   limits.max_request_bytes));
  }
  SHAMMIE_RETURN_IF_ERROR(CheckConversation(absl::StrCat(f, ".context"), c.context(), limits));
  SHAMMIE_RETURN_IF_ERROR(
      CheckText(absl::StrCat(f, ".response_a.text"), c.response_a().text(), limits.max_turn_bytes));
  SHAMMIE_RETURN_IF_ERROR(
      CheckText(absl::StrCat(f, ".response_b.text"), c.response_b().text(), limits.max_turn_bytes));
  SHAMMIE_RETURN_IF_ERROR(
      CheckShort(absl::StrCat(f, ".response_a.policy"), c.response_a().policy()));
  SHAMMIE_RETURN_IF_ERROR(
      CheckShort(absl::StrCat(f, ".response_b.policy"), c.response_b().policy()));
  SHAMMIE_RETURN_IF_ERROR(CheckPreference(absl::StrCat(f, ".preference"), c.preference()));
  SHAMMIE_RETURN_IF_ERROR(CheckShort(absl::StrCat(f, ".client_request_id"), c.client_request_id()));
  if (!c.labeler().empty())
    SHAMMIE_RETURN_IF_ERROR(ValidateTokenName(absl::StrCat(f, ".labeler"), c.labeler()));
  return absl::OkStatus();
}

absl::Status ValidateCreateToken(const v1::CreateTokenRequest& request) {
  SHAMMIE_RETURN_IF_ERROR(ValidateTokenName("name", request.name()));
  if (request.role() != v1::LABELER && request.role() != v1::OPERATOR &&
      request.role() != v1::SERVICE) {
    return Invalid("role", "must be LABELER, OPERATOR or SERVICE");
  }
  if (request.ttl().seconds() < 0 || request.ttl().nanos() < 0) {
    return Invalid("ttl", "must not be negative (unset or 0 = never expires)");
  }
  // Past 100 years a lifetime is "never": say so rather than overflow times.
  if (request.ttl().seconds() > int64_t{100} * 365 * 24 * 3600) {
    return Invalid("ttl", "is over 100 years; leave it unset for a token that never expires");
  }
  return absl::OkStatus();
}

absl::Status ValidateOperatorAction(const v1::RecordOperatorActionRequest& request) {
  const std::string& a = request.action();
  if (a.empty() || a.size() > 64) return Invalid("action", "must be 1 to 64 characters");
  for (char c : a) {
    if (!((c >= 'a' && c <= 'z') || c == '.' || c == '_')) {
      return Invalid("action", "may contain only a-z, '.' and '_'");
    }
  }
  SHAMMIE_RETURN_IF_ERROR(CheckShort("target", request.target()));
  if (request.detail().size() > 1024) {
    return Invalid("detail",
                   absl::StrCat("is ", request.detail().size(), " bytes; the limit is 1024"));
  }
  if (!Utf8(request.detail())) return Invalid("detail", "is not valid UTF-8");
  return absl::OkStatus();
}

}  // namespace shammie::collector
