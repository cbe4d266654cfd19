// protobuf's JSON mapping, with its error messages turned into the
// "<field>: <problem>" form every collector error uses.
#include "services/collector/json_body.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "services/collector/http_status.h"

namespace shammie::collector {
namespace {

namespace pbjson = google::protobuf::util;

// Turns protobuf's JSON parse error into "<field>: <problem>" naming the
// field. protobuf 3.21 writes "(preference): invalid value …" for a bad value,
// "(context.turns[0]) extra: Cannot find field." or "extra: Cannot find
// field." for an unknown one, and a bare message when the JSON itself is
// malformed (field "body").
absl::Status JsonParseError(absl::string_view message, absl::string_view type) {
  message = message.substr(0, message.find('\n'));
  std::string field;
  absl::string_view problem = message;
  if (absl::ConsumePrefix(&problem, "(")) {
    const size_t close = problem.find(')');
    if (close != absl::string_view::npos) {
      field = std::string(problem.substr(0, close));
      problem.remove_prefix(close + 1);
    }
  }
  if (!absl::ConsumePrefix(&problem, ":")) {
    // "[(<path>)] <name>: <problem>": the unknown field's name comes last.
    problem = absl::StripLeadingAsciiWhitespace(problem);
    const size_t colon = problem.find(": ");
    if (colon != absl::string_view::npos && colon > 0 &&
        problem.substr(0, colon).find(' ') == absl::string_view::npos) {
      absl::StrAppend(&field, field.empty() ? "" : ".", problem.substr(0, colon));
      problem.remove_prefix(colon + 1);
    }
  }
  problem = absl::StripLeadingAsciiWhitespace(problem);
  if (field.empty()) {
    return WithField(
        absl::InvalidArgumentError(absl::StrCat("body: not a valid ", type, " in JSON: ", problem)),
        "body");
  }
  return WithField(absl::InvalidArgumentError(absl::StrCat(field, ": ", problem)), field);
}

}  // namespace

absl::Status ParseJsonBody(absl::string_view body, google::protobuf::Message* message) {
  if (absl::StripAsciiWhitespace(body).empty()) return absl::OkStatus();
  pbjson::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = pbjson::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), message, options);
  if (status.ok()) return absl::OkStatus();
  message->Clear();
  return JsonParseError(absl::string_view(status.message().data(), status.message().size()),
                        message->GetDescriptor()->name());
}

absl::StatusOr<std::string> PrintJsonBody(const google::protobuf::Message& message) {
  pbjson::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  auto status = pbjson::MessageToJsonString(message, &out, options);
  if (!status.ok())
    return absl::InternalError(absl::StrCat("printing JSON: ", status.message().as_string()));
  return out;
}

}  // namespace shammie::collector
