#include "policy/safetensors_header.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace shammie::policy {
namespace {

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("safetensors header: ", what));
}

// Product of the dims times the element size, or INVALID_ARGUMENT on
// negative dims or overflow (a hostile shape must not wrap to a small size).
absl::StatusOr<uint64_t> ByteSize(const SafetensorsEntry& e) {
  uint64_t n = SafetensorsDtypeSize(e.dtype);
  for (int64_t d : e.shape) {
    if (d < 0) return Invalid(absl::StrCat("tensor \"", e.name, "\": negative dimension in shape"));
    if (d != 0 && n > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(d)) {
      return Invalid(absl::StrCat("tensor \"", e.name, "\": shape too large"));
    }
    n *= static_cast<uint64_t>(d);
  }
  return n;
}

absl::StatusOr<SafetensorsEntry> ParseEntry(const std::string& name, const nlohmann::json& j,
                                            uint64_t data_size) {
  SafetensorsEntry e;
  e.name = name;
  const std::string where = absl::StrCat("tensor \"", name, "\": ");
  if (!j.is_object()) return Invalid(where + "not a JSON object");
  if (!j.contains("dtype") || !j["dtype"].is_string()) return Invalid(where + "\"dtype\" missing");
  auto dtype = ParseSafetensorsDtype(j["dtype"].get<std::string>());
  if (!dtype.ok()) return Invalid(where + std::string(dtype.status().message()));
  e.dtype = *dtype;
  if (!j.contains("shape") || !j["shape"].is_array()) return Invalid(where + "\"shape\" missing");
  for (const auto& d : j["shape"]) {
    if (!d.is_number_integer()) return Invalid(where + "\"shape\" holds a non-integer");
    e.shape.push_back(d.get<int64_t>());
  }
  const auto& off = j.contains("data_offsets") ? j["data_offsets"] : nlohmann::json();
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
      !off[1].is_number_unsigned()) {
    return Invalid(where + "\"data_offsets\" must be two non-negative integers");
  }
  e.begin = off[0].get<uint64_t>();
  e.end = off[1].get<uint64_t>();
  if (e.begin > e.end) return Invalid(where + "\"data_offsets\" begin is after end");
  if (e.end > data_size) {
    return absl::DataLossError(absl::StrCat("safetensors: ", where, "data_offsets end ", e.end,
                                            " is past the data section of ", data_size,
                                            " bytes (truncated file?)"));
  }
  auto bytes = ByteSize(e);
  if (!bytes.ok()) return bytes.status();
  if (*bytes != e.end - e.begin) {
    return Invalid(absl::StrCat(where, "shape and dtype need ", *bytes, " bytes but data_offsets span ",
                                e.end - e.begin));
  }
  return e;
}

}  // namespace

absl::StatusOr<SafetensorsDtype> ParseSafetensorsDtype(absl::string_view name) {
  if (name == "F32") return SafetensorsDtype::kF32;
  if (name == "F16") return SafetensorsDtype::kF16;
  if (name == "BF16") return SafetensorsDtype::kBF16;
  if (name == "F64") return SafetensorsDtype::kF64;
  if (name == "I64") return SafetensorsDtype::kI64;
  if (name == "I32") return SafetensorsDtype::kI32;
  return absl::InvalidArgumentError(absl::StrCat("unsupported dtype \"", name, "\""));
}

const char* SafetensorsDtypeName(SafetensorsDtype dtype) {
  switch (dtype) {
    case SafetensorsDtype::kF32: return "F32";
    case SafetensorsDtype::kF16: return "F16";
    case SafetensorsDtype::kBF16: return "BF16";
    case SafetensorsDtype::kF64: return "F64";
    case SafetensorsDtype::kI64: return "I64";
    case SafetensorsDtype::kI32: return "I32";
  }
  return "?";
}

int SafetensorsDtypeSize(SafetensorsDtype dtype) {
  switch (dtype) {
    case SafetensorsDtype::kF16:
    case SafetensorsDtype::kBF16: return 2;
    case SafetensorsDtype::kF32:
    case SafetensorsDtype::kI32: return 4;
    case SafetensorsDtype::kF64:
    case SafetensorsDtype::kI64: return 8;
  }
  return 1;
}

absl::StatusOr<SafetensorsHeader> ParseSafetensorsHeader(absl::string_view prefix,
                                                         uint64_t file_size) {
  if (file_size < 8 || prefix.size() < 8) {
    return absl::DataLossError(
        absl::StrCat("safetensors: file of ", file_size, " bytes is too short for the 8-byte header length"));
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(prefix[i]);
  if (n > kMaxSafetensorsHeaderBytes) {
    return Invalid(absl::StrCat("header length ", n, " exceeds the limit of ",
                                kMaxSafetensorsHeaderBytes, " bytes"));
  }
  if (8 + n > file_size || prefix.size() < 8 + n) {
    return absl::DataLossError(absl::StrCat("safetensors: header length ", n, " is past the end of the ",
                                            file_size, "-byte file (truncated file?)"));
  }
  SafetensorsHeader h;
  h.data_start = 8 + n;
  h.data_size = file_size - h.data_start;
  const nlohmann::json j =
      nlohmann::json::parse(prefix.substr(8, n), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Invalid("not valid JSON");
  if (!j.is_object()) return Invalid("not a JSON object");
  for (const auto& [name, value] : j.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) return Invalid("\"__metadata__\" is not an object");
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) return Invalid(absl::StrCat("\"__metadata__\" value of \"", k, "\" is not a string"));
        h.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    auto e = ParseEntry(name, value, h.data_size);
    if (!e.ok()) return e.status();
    h.tensors.push_back(std::move(e).value());
  }
  std::sort(h.tensors.begin(), h.tensors.end(),
            [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
              return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
            });
  uint64_t expected = 0;
  for (const SafetensorsEntry& e : h.tensors) {
    if (e.begin < expected) {
      return Invalid(absl::StrCat("tensor \"", e.name, "\" overlaps the tensor before it"));
    }
    if (e.begin > expected) {
      return Invalid(absl::StrCat("hole in the data section before tensor \"", e.name, "\""));
    }
    expected = e.end;
  }
  if (expected != h.data_size) {
    return Invalid(absl::StrCat("tensors cover ", expected, " bytes but the data section has ",
                                h.data_size));
  }
  return h;
}

std::string SerializeSafetensorsHeader(const std::vector<SafetensorsEntry>& tensors,
                                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json j = nlohmann::json::object();
  if (!metadata.empty()) j["__metadata__"] = metadata;
  for (const SafetensorsEntry& e : tensors) {
    j[e.name] = {{"dtype", SafetensorsDtypeName(e.dtype)},
                 {"shape", e.shape},
                 {"data_offsets", {e.begin, e.end}}};
  }
  std::string json = j.dump();
  json.append((8 - json.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + json;
}

}  // namespace shammie::policy
