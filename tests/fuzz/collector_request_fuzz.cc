// Fuzz target: the request of every collector RPC, as the gRPC service sees
// it. Bytes in → ParseRequest (wire_format.h) → the RPC's validator
// (request_validation.h). The first byte picks the RPC; the rest is the
// serialized request.
//
// Oracle: nothing crashes; a request that does not parse or validate is
// INVALID_ARGUMENT with a message that starts with a field path; a request
// that validates re-serializes and re-parses to an equal message.
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/collector/request_validation.h"
#include "services/collector/wire_format.h"
#include "shammie/v1/collector.pb.h"
#include "tests/fuzz/fuzz_check.h"

namespace shammie::fuzz {
namespace {

namespace v1 = shammie::v1;
using collector::ValidationLimits;

// Small limits, so the fuzzer reaches the size checks with small inputs.
ValidationLimits Limits() {
  ValidationLimits l;
  l.max_turn_bytes = 256;
  l.max_request_bytes = 2048;
  l.max_turns = 8;
  return l;
}

void CheckRejected(const absl::Status& s) {
  FUZZ_CHECK_CODE(s, absl::StatusCode::kInvalidArgument);
  // "<field path>: <problem>"
  const size_t colon = s.message().find(": ");
  FUZZ_CHECK(colon != absl::string_view::npos && colon > 0) << s.ToString();
}

// Parses `bytes` as a Request and runs `validate` on it.
template <typename Request, typename Validate>
void Run(absl::string_view bytes, Validate validate) {
  grpc::Slice slice(bytes.data(), bytes.size());
  grpc::ByteBuffer buffer(&slice, 1);
  Request request;
  const absl::Status parsed = collector::ParseRequest(buffer, &request);
  if (!parsed.ok()) return CheckRejected(parsed);
  const absl::Status valid = validate(request);
  if (!valid.ok()) return CheckRejected(valid);
  Request again;
  FUZZ_CHECK(again.ParseFromString(request.SerializeAsString()));
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(request, again));
}

}  // namespace
}  // namespace shammie::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shammie::fuzz;  // NOLINT
  absl::string_view input = Bytes(data, size);
  const ValidationLimits limits = Limits();
  switch (TakeSelector(&input) % 7) {
    case 0:
      Run<v1::CreateTaskRequest>(input, [&](const auto& r) {
        return shammie::collector::ValidateCreateTask(r, limits);
      });
      break;
    case 1:
      Run<v1::SubmitComparisonRequest>(input, [&](const auto& r) {
        return shammie::collector::ValidateSubmit(r, limits);
      });
      break;
    case 2:
      Run<v1::SkipTaskRequest>(input,
                               [&](const auto& r) { return shammie::collector::ValidateSkip(r); });
      break;
    case 3:  // one message of ImportComparisons' client stream
      Run<v1::Comparison>(input, [&](const auto& r) {
        return shammie::collector::ValidateImported(r, "comparisons[0]", limits);
      });
      break;
    case 4:
      Run<v1::CreateTokenRequest>(
          input, [&](const auto& r) { return shammie::collector::ValidateCreateToken(r); });
      break;
    case 5:
      Run<v1::RevokeTokenRequest>(input, [&](const auto& r) {
        return shammie::collector::ValidateTokenName("name", r.name());
      });
      break;
    case 6:  // ExportComparisons, NextTask, GetStats: parsing is the whole check
      Run<v1::ExportComparisonsRequest>(input, [](const auto&) { return absl::OkStatus(); });
      break;
  }
  return 0;
}
