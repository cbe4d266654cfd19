// Reading and writing safetensors files as name → torch::Tensor maps.
//
// Read: F32, F16, BF16 and F64 tensors come back as float32 (the dtype every
// Shammie model computes in); I64 and I32 as int64. Write: float32 and int64
// tensors (anything else is INVALID_ARGUMENT), contiguous little-endian, the
// header padded to 8 bytes, the file fsynced before returning.
//
// Errors (never a crash, whatever the file holds): NOT_FOUND for a missing
// file; DATA_LOSS for a truncated one; INVALID_ARGUMENT for a malformed header
// (see policy/safetensors_header.h), each naming the file and the tensor;
// INTERNAL for I/O errors while writing.
//
// Includes torch: private to policy/ and reward_model/. Thread-safe (no
// shared state); concurrent writes to one path are the caller's problem.
#ifndef SHAMMIE_POLICY_SAFETENSORS_H_
#define SHAMMIE_POLICY_SAFETENSORS_H_

#include <torch/torch.h>

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace shammie::policy {

using TensorMap = std::map<std::string, torch::Tensor>;

absl::StatusOr<TensorMap> ReadSafetensors(const std::string& path);

// The same from bytes already in memory (`what` names them in errors).
absl::StatusOr<TensorMap> ParseSafetensors(const std::string& bytes, const std::string& what);

// Writes `tensors` (and optional string metadata) to `path`, replacing it.
absl::Status WriteSafetensors(const std::string& path, const TensorMap& tensors,
                              const std::map<std::string, std::string>& metadata = {});

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_SAFETENSORS_H_
