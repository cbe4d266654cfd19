#include "policy/safetensors.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/torch_boundary.h"
#include "common/utf8.h"
#include "policy/safetensors_header.h"

namespace shammie::policy {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; this reader copies it as is");

torch::ScalarType StoredType(SafetensorsDtype d) {
  switch (d) {
    case SafetensorsDtype::kF32: return torch::kFloat32;
    case SafetensorsDtype::kF16: return torch::kFloat16;
    case SafetensorsDtype::kBF16: return torch::kBFloat16;
    case SafetensorsDtype::kF64: return torch::kFloat64;
    case SafetensorsDtype::kI64: return torch::kInt64;
    case SafetensorsDtype::kI32: return torch::kInt32;
  }
  return torch::kFloat32;
}

// Writes all of `data` to fd, retrying short writes.
bool WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

absl::StatusOr<TensorMap> ParseSafetensors(const std::string& bytes, const std::string& what) {
  auto header = ParseSafetensorsHeader(bytes, bytes.size());
  if (!header.ok()) {
    return absl::Status(header.status().code(), absl::StrCat(what, ": ", header.status().message()));
  }
  return common::GuardTorch(absl::StrCat("reading ", what), [&]() -> TensorMap {
    TensorMap out;
    for (const SafetensorsEntry& e : header->tensors) {
      // Copy out of the file buffer: the data section need not be aligned
      // for the element type, and the tensor must outlive `bytes`.
      torch::Tensor stored = torch::empty(e.shape, torch::TensorOptions().dtype(StoredType(e.dtype)));
      if (e.end > e.begin) {
        std::memcpy(stored.data_ptr(), bytes.data() + header->data_start + e.begin, e.end - e.begin);
      }
      const bool integral = e.dtype == SafetensorsDtype::kI64 || e.dtype == SafetensorsDtype::kI32;
      out[e.name] = stored.to(integral ? torch::kInt64 : torch::kFloat32);
    }
    return out;
  });
}

absl::StatusOr<TensorMap> ReadSafetensors(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::stringstream ss;
  ss << f.rdbuf();
  return ParseSafetensors(ss.str(), path);
}

absl::Status WriteSafetensors(const std::string& path, const TensorMap& tensors,
                              const std::map<std::string, std::string>& metadata) {
  std::vector<SafetensorsEntry> entries;
  std::vector<torch::Tensor> data;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name.empty() || name == "__metadata__" || !common::IsValidUtf8(name)) {
      return absl::InvalidArgumentError(absl::StrCat("safetensors: bad tensor name \"", name, "\""));
    }
    if (!tensor.defined()) {
      return absl::InvalidArgumentError(absl::StrCat("safetensors: tensor \"", name, "\" is undefined"));
    }
    SafetensorsEntry e;
    e.name = name;
    if (tensor.scalar_type() == torch::kFloat32) {
      e.dtype = SafetensorsDtype::kF32;
    } else if (tensor.scalar_type() == torch::kInt64) {
      e.dtype = SafetensorsDtype::kI64;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("safetensors: tensor \"", name, "\" has dtype ",
                                                     c10::toString(tensor.scalar_type()),
                                                     "; only float32 and int64 are written"));
    }
    e.shape = tensor.sizes().vec();
    const torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
    e.begin = offset;
    e.end = offset + t.numel() * t.element_size();
    offset = e.end;
    entries.push_back(e);
    data.push_back(t);
  }
  for (const auto& [k, v] : metadata) {
    if (!common::IsValidUtf8(k) || !common::IsValidUtf8(v)) {
      return absl::InvalidArgumentError("safetensors: metadata must be UTF-8");
    }
  }
  const std::string header = SerializeSafetensorsHeader(entries, metadata);

  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  bool ok = WriteAll(fd, header.data(), header.size());
  for (size_t i = 0; ok && i < data.size(); ++i) {
    ok = WriteAll(fd, static_cast<const char*>(data[i].data_ptr()), entries[i].end - entries[i].begin);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok) {
    return absl::InternalError(absl::StrCat("cannot write ", path, ": ", std::strerror(saved_errno)));
  }
  return absl::OkStatus();
}

}  // namespace shammie::policy
