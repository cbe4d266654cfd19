#include "storage/token_secret.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace shammie::storage {

absl::StatusOr<std::string> NewTokenSecret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("token secret: OpenSSL RAND_bytes failed");
  }
  return absl::StrCat(
      "shm_", absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes))));
}

std::string Sha256Hex(absl::string_view secret) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), sizeof(digest)));
}

std::string RandomHex(size_t n) {
  std::string bytes(n, '\0');
  // Ids need uniqueness, not secrecy; fall back to std::random_device if the
  // CSPRNG is unavailable.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) {
    std::random_device rd;
    for (auto& c : bytes) c = static_cast<char>(rd());
  }
  return absl::BytesToHexString(bytes);
}

}  // namespace shammie::storage
