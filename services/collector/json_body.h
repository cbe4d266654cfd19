// Request bodies of the JSON API (http_api.h) ↔ protobuf messages.
//
// Parsing uses protobuf's JSON mapping with unknown fields as errors (a typo
// in a field name must not silently drop a labeler's input). Every bad body
// is INVALID_ARGUMENT naming the field, as a payload (http_status.h
// WithField) and as the message's "<field>: " prefix; malformed JSON names
// the field "body". Split out of http_api.cc so the parser is a fuzz target
// (tests/fuzz/json_body_fuzz.cc) without httplib.
//
// Thread-safe (pure functions over the caller's message).
#ifndef SHAMMIE_SERVICES_COLLECTOR_JSON_BODY_H_
#define SHAMMIE_SERVICES_COLLECTOR_JSON_BODY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace shammie::collector {

// Parses `body` into `message` (an empty or all-white-space body is the empty
// message). On error `message` is cleared: nothing half-parsed is left.
absl::Status ParseJsonBody(absl::string_view body, google::protobuf::Message* message);

// `message` as JSON with proto field names and zero values included.
// INTERNAL if protobuf cannot print it.
absl::StatusOr<std::string> PrintJsonBody(const google::protobuf::Message& message);

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_JSON_BODY_H_
