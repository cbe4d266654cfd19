// Bearer token secrets: generation and the hash under which they are stored.
//
// Secrets are 32 random bytes from OpenSSL's CSPRNG, hex-encoded with a
// "shm_" prefix. Only SHA-256(secret) is ever written to disk, so a copy of
// the database does not hand out working tokens.
#ifndef SHAMMIE_STORAGE_TOKEN_SECRET_H_
#define SHAMMIE_STORAGE_TOKEN_SECRET_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shammie::storage {

// A fresh secret. INTERNAL if the CSPRNG fails.
absl::StatusOr<std::string> NewTokenSecret();

// Lower-case hex SHA-256 of `data` (64 characters).
std::string Sha256Hex(absl::string_view data);

// The stored form of a secret: Sha256Hex(secret).
inline std::string HashTokenSecret(absl::string_view secret) { return Sha256Hex(secret); }

// Lower-case hex of `n` random bytes (ids such as "t-" + RandomHex(8)).
std::string RandomHex(size_t n);

}  // namespace shammie::storage

#endif  // SHAMMIE_STORAGE_TOKEN_SECRET_H_
