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
#include <vector>

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
  // when `name` is taken. The name is not validated here. `expires_at`
  // InfiniteFuture = never (stored as an unset expires_at).
  virtual absl::StatusOr<v1::Token> CreateToken(absl::string_view name, v1::TokenRole role,
                                                absl::string_view secret, absl::Time created_at,
                                                absl::Time expires_at = absl::InfiniteFuture()) = 0;

  // The token whose secret is `secret` (without the secret). NOT_FOUND when
  // no live token has it.
  virtual absl::StatusOr<v1::Token> LookupSecret(absl::string_view secret) = 0;

  // Deletes the token; its secret stops working at once. NOT_FOUND when no
  // token has that name.
  virtual absl::Status RevokeToken(absl::string_view name) = 0;

  // How many live tokens there are.
  virtual absl::StatusOr<uint64_t> CountTokens() = 0;

  // Every live token (expired ones included: they are live until revoked),
  // by name, without secrets.
  virtual absl::StatusOr<std::vector<v1::Token>> ListTokens() = 0;

  // Records that the token with `secret` was used at `now`, if its stored
  // last_used_at is older than `granularity` (so a busy token is written at
  // most once per `granularity`, not once per request). A token revoked
  // meanwhile is left revoked. The write is not synced: losing the last
  // minute of "last used" in a crash is harmless.
  virtual absl::Status RecordTokenUse(absl::string_view secret, absl::Time now,
                                      absl::Duration granularity = absl::Minutes(1)) = 0;
};

}  // namespace shammie::storage

#endif  // SHAMMIE_STORAGE_TOKEN_STORE_H_
