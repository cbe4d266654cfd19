#include "services/collector/operator_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "storage/token_secret.h"

namespace shammie::collector {

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents, int mode) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return absl::InternalError(absl::StrCat("creating ", tmp, ": ", std::strerror(errno)));
  // O_CREAT's mode is filtered by the umask, and an old file keeps its mode.
  bool ok = ::fchmod(fd, mode) == 0;
  size_t written = 0;
  while (ok && written < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += n;
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("writing ", path, ": ", std::strerror(ok ? errno : saved)));
  }
  return absl::OkStatus();
}

absl::Status EnsureOperatorToken(storage::TokenStore* tokens, const std::string& data_dir,
                                 absl::Time now) {
  SHAMMIE_ASSIGN_OR_RETURN(uint64_t count, tokens->CountTokens());
  if (count > 0) return absl::OkStatus();
  SHAMMIE_ASSIGN_OR_RETURN(std::string secret, storage::NewTokenSecret());
  const std::string path = absl::StrCat(data_dir, "/", kOperatorTokenFile);
  SHAMMIE_RETURN_IF_ERROR(WriteFileAtomically(path, absl::StrCat(secret, "\n"), 0600));
  absl::StatusOr<v1::Token> token = tokens->CreateToken(kOperatorTokenName, v1::OPERATOR, secret, now);
  if (token.status().code() == absl::StatusCode::kAlreadyExists) return absl::OkStatus();
  SHAMMIE_RETURN_IF_ERROR(token.status());
  SHAMMIE_LOG(INFO) << "created the operator token; its secret is in " << path;
  return absl::OkStatus();
}

}  // namespace shammie::collector
