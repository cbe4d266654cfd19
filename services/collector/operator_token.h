// The operator token a collector writes on first start.
//
// When the token store is empty (a new data dir, or every token revoked),
// the collector makes a token "operator" with role OPERATOR and writes its
// secret to <data_dir>/operator.token, mode 0600. The file is written (to a
// temporary name, fsynced, renamed) BEFORE the token is stored: a crash in
// between leaves a file for a token that does not exist yet, and the next
// start simply makes a new one — never a stored token nobody can read.
#ifndef SHAMMIE_SERVICES_COLLECTOR_OPERATOR_TOKEN_H_
#define SHAMMIE_SERVICES_COLLECTOR_OPERATOR_TOKEN_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage/token_store.h"

namespace shammie::collector {

inline constexpr char kOperatorTokenFile[] = "operator.token";
inline constexpr char kOperatorTokenName[] = "operator";

// Creates the operator token if `tokens` holds none. INTERNAL/UNAVAILABLE on
// I/O errors.
absl::Status EnsureOperatorToken(storage::TokenStore* tokens, const std::string& data_dir,
                                 absl::Time now);

// Writes `contents` to `path` atomically with the given mode.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents, int mode);

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_OPERATOR_TOKEN_H_
