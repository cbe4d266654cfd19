// Fuzz target: the safetensors header and tensor table (safetensors_header.h),
// given the whole file as bytes, as LoadCheckpoint reads a model someone
// else wrote.
//
// Oracle: nothing crashes; a rejected file is INVALID_ARGUMENT or DATA_LOSS;
// an accepted table lies inside the data section, in order, without holes
// or overlaps, each tensor's byte range fits its shape and dtype, and the
// table serializes to a header that parses back to the same table.
#include <cstdint>
#include <limits>
#include <string>

#include "policy/safetensors_header.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using shammie::policy::SafetensorsEntry;

bool SameEntry(const SafetensorsEntry& a, const SafetensorsEntry& b) {
  return a.name == b.name && a.dtype == b.dtype && a.shape == b.shape && a.begin == b.begin &&
         a.end == b.end;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shammie;  // NOLINT
  const absl::string_view file = fuzz::Bytes(data, size);
  absl::StatusOr<policy::SafetensorsHeader> h = policy::ParseSafetensorsHeader(file, size);
  if (!h.ok()) {
    FUZZ_CHECK_CODE(h.status(), absl::StatusCode::kInvalidArgument, absl::StatusCode::kDataLoss);
    return 0;
  }
  FUZZ_CHECK(h->data_start >= 8 && h->data_start + h->data_size == size);
  uint64_t expected = 0;
  for (const SafetensorsEntry& e : h->tensors) {
    FUZZ_CHECK(e.begin == expected && e.begin <= e.end && e.end <= h->data_size) << e.name;
    uint64_t bytes = policy::SafetensorsDtypeSize(e.dtype);
    for (int64_t d : e.shape) {
      FUZZ_CHECK(d >= 0) << e.name;
      bytes *= static_cast<uint64_t>(d);  // cannot wrap: the parser checked
    }
    FUZZ_CHECK(bytes == e.end - e.begin) << e.name;
    expected = e.end;
  }
  FUZZ_CHECK(expected == h->data_size);

  const std::string header = policy::SerializeSafetensorsHeader(h->tensors, h->metadata);
  absl::StatusOr<policy::SafetensorsHeader> back =
      policy::ParseSafetensorsHeader(header, header.size() + h->data_size);
  FUZZ_CHECK(back.ok()) << back.status().ToString();
  FUZZ_CHECK(back->tensors.size() == h->tensors.size());
  for (size_t i = 0; i < h->tensors.size(); ++i) {
    FUZZ_CHECK(SameEntry(back->tensors[i], h->tensors[i])) << h->tensors[i].name;
  }
  FUZZ_CHECK(back->metadata == h->metadata);
  return 0;
}
