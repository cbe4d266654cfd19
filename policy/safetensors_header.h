// The header of a safetensors file, parsed and written without torch (it is
// a fuzz target: every byte of it comes from a file someone else wrote).
//
// Format (https://github.com/huggingface/safetensors):
//   8 bytes   N, little-endian u64: length of the JSON header
//   N bytes   JSON object: name → {"dtype": "F32", "shape": [..],
//             "data_offsets": [begin, end]} (offsets relative to the data
//             section), plus an optional "__metadata__": {string: string}
//   rest      the data section: raw little-endian tensor bytes
// Rules enforced here, as the reference implementation does: offsets within
// the data section, end − begin = numel × dtype size, tensors neither overlap
// nor leave holes, and the data section is exactly covered.
//
// Errors: DATA_LOSS when the file is shorter than its header says (truncated);
// INVALID_ARGUMENT for anything else malformed, naming the tensor and field.
// Thread-safe (pure functions).
#ifndef SHAMMIE_POLICY_SAFETENSORS_HEADER_H_
#define SHAMMIE_POLICY_SAFETENSORS_HEADER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shammie::policy {

enum class SafetensorsDtype { kF32, kF16, kBF16, kF64, kI64, kI32 };

// "F32" → kF32 …; nullopt-like INVALID_ARGUMENT for names this reader does
// not support (BOOL, U8, I8, I16, F8_*).
absl::StatusOr<SafetensorsDtype> ParseSafetensorsDtype(absl::string_view name);
const char* SafetensorsDtypeName(SafetensorsDtype dtype);
int SafetensorsDtypeSize(SafetensorsDtype dtype);

struct SafetensorsEntry {
  std::string name;
  SafetensorsDtype dtype = SafetensorsDtype::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte range in the data section
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> tensors;  // in data order (ascending begin)
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;  // file offset of the data section: 8 + N
  uint64_t data_size = 0;   // bytes of the data section
};

// Largest header accepted (the reference implementation's limit).
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

// Parses the header from the first bytes of a file of `file_size` bytes.
// `prefix` must hold at least min(file_size, 8 + N) bytes.
absl::StatusOr<SafetensorsHeader> ParseSafetensorsHeader(absl::string_view prefix,
                                                         uint64_t file_size);

// Serializes `tensors` (whose begin/end must lay them out back to back from
// 0) and `metadata` into the 8-byte length + JSON header, padded with spaces
// to a multiple of 8 bytes so the data section is aligned.
std::string SerializeSafetensorsHeader(const std::vector<SafetensorsEntry>& tensors,
                                       const std::map<std::string, std::string>& metadata);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_SAFETENSORS_HEADER_H_
