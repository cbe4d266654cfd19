#include "storage/keys.h"

#include "gtest/gtest.h"

namespace shammie::storage {
namespace {

TEST(KeysTest, Uint64IsBigEndianSoBytewiseOrderIsNumericOrder) {
  EXPECT_EQ(EncodeUint64(1), std::string("\0\0\0\0\0\0\0\x01", 8));
  EXPECT_LT(EncodeUint64(255), EncodeUint64(256));
  EXPECT_LT(EncodeUint64(0xFFFFFFFF), EncodeUint64(0x100000000ULL));
  for (uint64_t v : {0ULL, 1ULL, 300ULL, 0xDEADBEEFCAFEULL, ~0ULL}) {
    EXPECT_EQ(DecodeUint64(EncodeUint64(v)), v);
  }
}

TEST(KeysTest, TwoPartKeysDoNotCollide) {
  // ("ab", "c") and ("a", "bc") must differ: the NUL separator sees to it.
  EXPECT_NE(IdempotencyKey("ab", "c"), IdempotencyKey("a", "bc"));
  EXPECT_NE(LabelKey("t-1", "x"), LabelKey("t-1x", ""));
  EXPECT_EQ(LabelerDayCounter("ann", "2026-11-28"), "labeler_day/2026-11-28/ann");
}

}  // namespace
}  // namespace shammie::storage
