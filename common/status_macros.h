// Early-return helpers for absl::Status / absl::StatusOr, so call chains read
// top to bottom instead of as nested ifs.
#ifndef SHAMMIE_COMMON_STATUS_MACROS_H_
#define SHAMMIE_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SHAMMIE_CONCAT_INNER_(a, b) a##b
#define SHAMMIE_CONCAT_(a, b) SHAMMIE_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the calling function when it is not OK.
#define SHAMMIE_RETURN_IF_ERROR(expr)           \
  do {                                          \
    ::absl::Status _shammie_status = (expr);    \
    if (!_shammie_status.ok()) return _shammie_status; \
  } while (0)

// `SHAMMIE_ASSIGN_OR_RETURN(auto x, MakeX());` — declares/assigns the value of
// a StatusOr, or returns its status from the calling function.
#define SHAMMIE_ASSIGN_OR_RETURN(lhs, expr) \
  SHAMMIE_ASSIGN_OR_RETURN_IMPL_(SHAMMIE_CONCAT_(_shammie_or_, __LINE__), lhs, expr)
#define SHAMMIE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return tmp.status();                   \
  lhs = std::move(tmp).value()

#endif  // SHAMMIE_COMMON_STATUS_MACROS_H_
