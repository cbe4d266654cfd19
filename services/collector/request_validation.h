// The bad-input rules of DESIGN.md, one function per request type.
//
// Every check returns INVALID_ARGUMENT with a message that starts with the
// offending field's path ("context.turns[2].text: …"), so a labeler or an
// operator's script knows what to fix. The collector runs these before it
// touches the store: a request that fails stores nothing.
//
// Rules: text fields non-empty, valid UTF-8, at most max_turn_bytes; at most
// max_turns turns, each HUMAN or ASSISTANT, the last one HUMAN; a whole
// request at most max_request_bytes; preference 1..8; exactly zero or two
// candidates; ids and names short and printable.
#ifndef SHAMMIE_SERVICES_COLLECTOR_REQUEST_VALIDATION_H_
#define SHAMMIE_SERVICES_COLLECTOR_REQUEST_VALIDATION_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "shammie/v1/collector.pb.h"

namespace shammie::collector {

struct ValidationLimits {
  size_t max_turn_bytes = 64 * 1024;
  size_t max_request_bytes = 1024 * 1024;
  size_t max_turns = 64;
};

// Highest overlap a task may ask for.
inline constexpr uint32_t kMaxOverlap = 1000;

absl::Status ValidateCreateTask(const v1::CreateTaskRequest& request,
                                const ValidationLimits& limits);
absl::Status ValidateSubmit(const v1::SubmitComparisonRequest& request,
                            const ValidationLimits& limits);
absl::Status ValidateSkip(const v1::SkipTaskRequest& request);
// `field` prefixes messages, e.g. "comparisons[3]".
absl::Status ValidateImported(const v1::Comparison& c, absl::string_view field,
                              const ValidationLimits& limits);
absl::Status ValidateCreateToken(const v1::CreateTokenRequest& request);
// action [a-z._]{1,64}; target ≤ 256 bytes and detail ≤ 1024, valid UTF-8.
absl::Status ValidateOperatorAction(const v1::RecordOperatorActionRequest& request);
// Highest ListAuditRequest.limit.
inline constexpr uint32_t kMaxAuditLimit = 10000;
// Token names: [A-Za-z0-9_.-]{1,64}.
absl::Status ValidateTokenName(absl::string_view field, absl::string_view name);

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_REQUEST_VALIDATION_H_
