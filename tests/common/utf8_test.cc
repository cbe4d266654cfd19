#include "common/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace shammie::common {
namespace {

TEST(Utf8Test, AcceptsAsciiAndMultibyte) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("hello"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9"));              // é
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC"));             // €
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));         // 😀
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));     // NUL is valid UTF-8
}

TEST(Utf8Test, RejectsMalformed) {
  EXPECT_FALSE(IsValidUtf8("\x80"));                    // stray continuation
  EXPECT_FALSE(IsValidUtf8("\xC3"));                    // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));                // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));            // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));            // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));        // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("ok\xE2\x82"));              // truncated at end
}

TEST(Utf8Test, ToValidUtf8KeepsValidTextAndReplacesEachBadByte) {
  EXPECT_EQ(ToValidUtf8("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(ToValidUtf8("a\x80" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(ToValidUtf8("ok\xE2\x82"), "ok\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated at the end
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  for (const char* bad : {"\xFF", "\xC0\xAF", "x\xF4\x90\x80\x80y"}) {
    EXPECT_TRUE(IsValidUtf8(ToValidUtf8(bad))) << bad;
  }
}

}  // namespace
}  // namespace shammie::common
