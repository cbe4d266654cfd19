#include "common/torch_boundary.h"

#include <stdexcept>

#include "gtest/gtest.h"

namespace shammie::common {
namespace {

TEST(GuardTorchTest, PassesValuesThrough) {
  absl::StatusOr<int> v = GuardTorch("add", [] { return 2 + 2; });
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 4);
  EXPECT_TRUE(GuardTorch("noop", [] {}).ok());
  absl::Status s = GuardTorch("status", [] { return absl::NotFoundError("x"); });
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
}

TEST(GuardTorchTest, TurnsExceptionsIntoStatusWithFirstLineOnly) {
  absl::StatusOr<int> v = GuardTorch("load model", []() -> int {
    throw std::runtime_error("shape mismatch [2, 3] vs [3, 2]\nException raised from foo at bar.cpp:12");
  });
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(v.status().message(), "load model: shape mismatch [2, 3] vs [3, 2]");
}

TEST(GuardTorchTest, UsesGivenCode) {
  absl::Status s = GuardTorch(
      "parse", []() -> void { throw std::invalid_argument("bad"); },
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace shammie::common
