// Fuzz target: the JSON API's request bodies (json_body.h), followed by the
// validator the Collector runs next. The first byte picks the route's
// request type; the rest is the HTTP body.
//
// Oracle: nothing crashes; a rejected body is INVALID_ARGUMENT naming a field
// (FieldOf non-empty) and leaves the message empty; an accepted body prints
// as JSON that parses back to an equal message.
#include <cstdint>
#include <string>

#include "google/protobuf/util/message_differencer.h"
#include "services/collector/http_status.h"
#include "services/collector/json_body.h"
#include "services/collector/request_validation.h"
#include "shammie/v1/collector.pb.h"
#include "tests/fuzz/fuzz_check.h"

namespace shammie::fuzz {
namespace {

namespace v1 = shammie::v1;

template <typename Request, typename Validate>
void Run(absl::string_view body, Validate validate) {
  Request request;
  const absl::Status parsed = collector::ParseJsonBody(body, &request);
  if (!parsed.ok()) {
    FUZZ_CHECK_CODE(parsed, absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!collector::FieldOf(parsed).empty()) << parsed.ToString();
    FUZZ_CHECK(request.ByteSizeLong() == 0) << "a rejected body left fields set";
    return;
  }
  const absl::Status valid = validate(request);
  if (!valid.ok()) {
    FUZZ_CHECK_CODE(valid, absl::StatusCode::kInvalidArgument);
  }
  absl::StatusOr<std::string> printed = collector::PrintJsonBody(request);
  FUZZ_CHECK(printed.ok()) << printed.status().ToString();
  Request again;
  const absl::Status reparsed = collector::ParseJsonBody(*printed, &again);
  FUZZ_CHECK(reparsed.ok()) << reparsed.ToString() << " for " << *printed;
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(request, again)) << *printed;
}

}  // namespace
}  // namespace shammie::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shammie::fuzz;  // NOLINT
  absl::string_view input = Bytes(data, size);
  const shammie::collector::ValidationLimits limits;
  switch (TakeSelector(&input) % 4) {
    case 0:  // POST /api/v1/tasks
      Run<v1::CreateTaskRequest>(input, [&](const auto& r) {
        return shammie::collector::ValidateCreateTask(r, limits);
      });
      break;
    case 1:  // POST /api/v1/comparisons
      Run<v1::SubmitComparisonRequest>(input, [&](const auto& r) {
        return shammie::collector::ValidateSubmit(r, limits);
      });
      break;
    case 2:  // POST /api/v1/tasks/{id}:skip
      Run<v1::SkipTaskRequest>(input, [](const auto&) { return absl::OkStatus(); });
      break;
    case 3:  // POST /api/v1/tasks:next
      Run<v1::NextTaskRequest>(input, [](const auto&) { return absl::OkStatus(); });
      break;
  }
  return 0;
}
