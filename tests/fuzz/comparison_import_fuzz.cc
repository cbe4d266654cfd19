// Fuzz target: the JSONL importers of comparison_formats.h (hh-rlhf and
// pairs), as `shammie import` feeds them a file. The first byte picks the
// format; the rest is the file.
//
// Oracle: nothing crashes; a rejected file is INVALID_ARGUMENT; an accepted
// file's comparisons have a non-empty context ending in a Human turn and
// non-empty responses, and each one exports (FormatComparison) to a line
// that imports back to the same context and responses.
#include <cstdint>
#include <string>

#include "google/protobuf/util/message_differencer.h"
#include "storage/comparison_formats.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shammie;  // NOLINT
  absl::string_view input = fuzz::Bytes(data, size);
  const storage::ComparisonFormat format = fuzz::TakeSelector(&input) % 2 == 0
                                               ? storage::ComparisonFormat::kHhRlhf
                                               : storage::ComparisonFormat::kPairs;
  absl::StatusOr<std::vector<v1::Comparison>> parsed = storage::ParseComparisons(input, format);
  if (!parsed.ok()) {
    FUZZ_CHECK_CODE(parsed.status(), absl::StatusCode::kInvalidArgument);
    return 0;
  }
  for (const v1::Comparison& c : *parsed) {
    FUZZ_CHECK(c.context().turns_size() > 0);
    FUZZ_CHECK(c.context().turns().rbegin()->role() == v1::HUMAN);
    FUZZ_CHECK(!c.response_a().text().empty() && !c.response_b().text().empty());
    const std::string line = storage::FormatComparison(c, format);
    absl::StatusOr<std::vector<v1::Comparison>> again = storage::ParseComparisons(line, format);
    FUZZ_CHECK(again.ok()) << again.status().ToString() << "\nexported line: " << line;
    FUZZ_CHECK(again->size() == 1) << line;
    const v1::Comparison& back = again->front();
    FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(back.context(), c.context()))
        << "context changed on export + import: " << line;
    FUZZ_CHECK(back.response_a().text() == c.response_a().text()) << line;
    FUZZ_CHECK(back.response_b().text() == c.response_b().text()) << line;
  }
  return 0;
}
