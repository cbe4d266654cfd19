// The status → HTTP mapping of http_status.h.
#include "services/collector/http_status.h"

#include <cctype>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace shammie::collector {

int HttpStatusFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return 503;
    default:
      return 500;
  }
}

namespace {

bool IsFieldPathChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '[' ||
         c == ']';
}

}  // namespace

std::string FieldOf(const absl::Status& status) {
  if (auto payload = status.GetPayload(kFieldPayloadUrl)) return std::string(*payload);
  // Collector messages name the field first ("preference: must be 1..8"), the
  // way validation errors read in logs; take that prefix when it is a path.
  absl::string_view message = status.message();
  size_t colon = message.find(": ");
  if (colon == absl::string_view::npos || colon == 0) return "";
  absl::string_view head = message.substr(0, colon);
  if (!std::isalpha(static_cast<unsigned char>(head[0]))) return "";
  for (char c : head) {
    if (!IsFieldPathChar(c)) return "";
  }
  return std::string(head);
}

absl::Status WithField(absl::Status status, absl::string_view field) {
  status.SetPayload(kFieldPayloadUrl, absl::Cord(field));
  return status;
}

std::string ErrorBody(const absl::Status& status) {
  nlohmann::json error = {
      {"code", absl::StatusCodeToString(status.code())},
      {"message", std::string(status.message())},
  };
  if (std::string field = FieldOf(status); !field.empty()) error["field"] = field;
  // Messages may quote client bytes that are not UTF-8; replace, never throw.
  return nlohmann::json{{"error", error}}.dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace);
}

absl::Status PayloadTooLargeStatus(size_t limit) {
  return absl::ResourceExhaustedError(
      absl::StrCat("body: larger than the limit of ", limit, " bytes"));
}

}  // namespace shammie::collector
