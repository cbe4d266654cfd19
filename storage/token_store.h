// TokenStore: bearer tokens, stored hashed.
//
// A token has a unique name (shown as the labeler of its comparisons), a role
// and a secret. Only SHA-256(secret) is stored; the secret exists in memory
// once, in CreateToken's result.
//
// Thread-safe: every method may be called concurrently.
#ifndef SHAMMIE_STORAGE_TOKEN_STORE_H_
#define SHAMMIE_STORAGE_TOKEN_STORE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "shammie/v1/collector.pb.h"

namespace shammie::storage {

class TokenStore {
 public:
  virtual ~TokenStore() = default;

  // Stores a token whose secret is `secret` (make one with NewTokenSecret();
  // the caller may need it on disk before the token exists, see
  // operator.token). Returns the token without the secret. ALREADY_EXISTS
  // when `name` is taken. The name is not validated here.
  virtual absl::StatusOr<v1::Token> CreateToken(absl::string_view name, v1::TokenRole role,
                                                absl::string_view secret, absl::Time created_at) = 0;

  // The token whose secret is `secret` (without the secret). NOT_FOUND when
  // no live token has it.
  virtual absl::StatusOr<v1::Token> LookupSecret(absl::string_view secret) = 0;

  // Deletes the token; its secret stops working at once. NOT_FOUND when no
  // token has that name.
  virtual absl::Status RevokeToken(absl::string_view name) = 0;

  // How many live tokens there are.
  virtual absl::StatusOr<uint64_t> CountTokens() = 0;
};

}  // namespace shammie::storage

#endif  // SHAMMIE_STORAGE_TOKEN_STORE_H_
