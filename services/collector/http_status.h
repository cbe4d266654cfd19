// How an absl::Status reaches an HTTP client: the one mapping from status
// codes to HTTP statuses, and the JSON error body the labeler page reads.
//
//   INVALID_ARGUMENT, OUT_OF_RANGE            → 400 (fix the input)
//   UNAUTHENTICATED                           → 401 (sign in again)
//   PERMISSION_DENIED                         → 403 (wrong role)
//   NOT_FOUND                                 → 404 (e.g. no task left)
//   ALREADY_EXISTS, ABORTED, FAILED_PRECONDITION → 409 (fix the state)
//   RESOURCE_EXHAUSTED                        → 429 (slow down; see Retry-After)
//   UNAVAILABLE, DEADLINE_EXCEEDED            → 503 (retry later)
//   everything else                           → 500
// 413 (request body too large) is decided by the HTTP layer before any status
// exists; PayloadTooLargeStatus() builds the status it reports.
//
// The body is {"error": {"code": "INVALID_ARGUMENT", "message": "…",
// "field": "preference"}}; "field" is present when the status names one.
#ifndef SHAMMIE_SERVICES_COLLECTOR_HTTP_STATUS_H_
#define SHAMMIE_SERVICES_COLLECTOR_HTTP_STATUS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace shammie::collector {

// The payload key under which a status may carry the request field it is
// about (the value is the field path, e.g. "context.turns[2].text").
inline constexpr absl::string_view kFieldPayloadUrl = "type.shammie.dev/field";

// The HTTP status for `status` (200 for OK).
int HttpStatusFor(const absl::Status& status);

// The request field `status` is about: the kFieldPayloadUrl payload if set,
// else the message's leading "<field>: " (a proto field path: letters, digits,
// '_', '.', '[', ']'), else "".
std::string FieldOf(const absl::Status& status);

// A copy of `status` that names `field` (sets the kFieldPayloadUrl payload).
absl::Status WithField(absl::Status status, absl::string_view field);

// The JSON error body for a non-OK `status`.
std::string ErrorBody(const absl::Status& status);

// The status reported for a body over `limit` bytes: RESOURCE_EXHAUSTED naming
// the field "body" (the HTTP layer sends it as 413, not 429).
absl::Status PayloadTooLargeStatus(size_t limit);

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_HTTP_STATUS_H_
