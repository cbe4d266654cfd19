// The one place a library turns LibTorch exceptions into absl::Status.
//
// LibTorch reports errors by throwing c10::Error (a std::exception). Shammie
// libraries never let an exception cross their public interface: each public
// entry point that runs torch code wraps it in GuardTorch, which returns
// INTERNAL (or the code given) with the operation name and torch's message.
// This header needs no torch include: c10::Error derives from std::exception.
#ifndef SHAMMIE_COMMON_TORCH_BOUNDARY_H_
#define SHAMMIE_COMMON_TORCH_BOUNDARY_H_

#include <exception>
#include "absl/strings/string_view.h"
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace shammie::common {

namespace internal {
template <typename T>
struct IsStatusOr : std::false_type {};
template <typename T>
struct IsStatusOr<absl::StatusOr<T>> : std::true_type {};
}  // namespace internal

// Runs `fn` and converts any exception it throws into a status whose message
// starts with `operation`. `fn` returns absl::Status, absl::StatusOr<T> or T.
template <typename Fn>
auto GuardTorch(absl::string_view operation, Fn&& fn,
                absl::StatusCode code = absl::StatusCode::kInternal) {
  using R = std::invoke_result_t<Fn>;
  using Out = std::conditional_t<
      std::is_same_v<R, absl::Status> || internal::IsStatusOr<R>::value, R,
      std::conditional_t<std::is_void_v<R>, absl::Status, absl::StatusOr<R>>>;
  try {
    if constexpr (std::is_void_v<R>) {
      std::forward<Fn>(fn)();
      return Out(absl::OkStatus());
    } else {
      return Out(std::forward<Fn>(fn)());
    }
  } catch (const std::exception& e) {
    // c10::Error::what() carries a C++ backtrace after the first line;
    // operators need only the message.
    absl::string_view msg = e.what();
    if (auto nl = msg.find('\n'); nl != absl::string_view::npos) {
      msg = msg.substr(0, nl);
    }
    return Out(absl::Status(code, absl::StrCat(operation, ": ", msg)));
  }
}

}  // namespace shammie::common

#endif  // SHAMMIE_COMMON_TORCH_BOUNDARY_H_
