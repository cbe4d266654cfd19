#include "policy/artifact_folder.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace shammie::policy {
namespace {

namespace fs = std::filesystem;

absl::Status FsyncPath(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  const bool ok = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) return absl::InternalError(absl::StrCat("cannot fsync ", path, ": ", std::strerror(err)));
  return absl::OkStatus();
}

// Every regular file under `dir` (recursively), then each folder, deepest first.
absl::Status FsyncTree(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> dirs = {dir};
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it); it.increment(ec)) {
    if (it->is_directory()) {
      dirs.push_back(it->path().string());
    } else if (it->is_regular_file()) {
      if (absl::Status s = FsyncPath(it->path().string(), false); !s.ok()) return s;
    }
  }
  if (ec) return absl::InternalError(absl::StrCat("cannot list ", dir, ": ", ec.message()));
  for (auto d = dirs.rbegin(); d != dirs.rend(); ++d) {
    if (absl::Status s = FsyncPath(*d, true); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFolderAtomically(const std::string& final_dir, const FolderFiller& fill) {
  static std::atomic<uint64_t> counter{0};
  fs::path final_path = fs::path(final_dir).lexically_normal();
  if (final_path.filename().empty()) final_path = final_path.parent_path();
  const fs::path parent = final_path.parent_path().empty() ? fs::path(".") : final_path.parent_path();
  std::error_code ec;
  if (fs::exists(final_path, ec)) {
    return absl::AlreadyExistsError(absl::StrCat(final_path.string(), " already exists"));
  }
  fs::create_directories(parent, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", parent.string(), ": ", ec.message()));
  const fs::path tmp = parent / absl::StrCat(".", final_path.filename().string(), ".tmp-", ::getpid(),
                                             "-", counter.fetch_add(1));
  fs::remove_all(tmp, ec);
  if (!fs::create_directory(tmp, ec)) {
    return absl::InternalError(absl::StrCat("cannot create ", tmp.string(), ": ", ec.message()));
  }
  absl::Status s = fill(tmp.string());
  if (s.ok()) s = FsyncTree(tmp.string());
  if (s.ok()) {
    // rename(2) onto an existing non-empty folder fails, so a folder that
    // appeared meanwhile is never clobbered.
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
      s = errno == ENOTEMPTY || errno == EEXIST
              ? absl::AlreadyExistsError(absl::StrCat(final_path.string(), " already exists"))
              : absl::InternalError(absl::StrCat("cannot rename ", tmp.string(), " to ",
                                                 final_path.string(), ": ", std::strerror(errno)));
    }
  }
  if (!s.ok()) {
    fs::remove_all(tmp, ec);
    return s;
  }
  return FsyncPath(parent.string(), true);
}

absl::Status RemoveStaleTempFolders(const std::string& parent) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(parent, ec); !ec && it != fs::end(it); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() && absl::StartsWith(name, ".") && absl::StrContains(name, ".tmp-")) {
      fs::remove_all(it->path(), ec);
      if (ec) break;
    }
  }
  if (ec) return absl::InternalError(absl::StrCat("cannot clean ", parent, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace shammie::policy
