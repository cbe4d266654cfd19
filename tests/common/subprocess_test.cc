#include "common/subprocess.h"

#include <signal.h>

#include <fstream>

#include "gtest/gtest.h"
#include "tests/lib/temp_dir.h"

namespace shammie::common {
namespace {

TEST(SubprocessTest, ReportsExitCodesAndSignals) {
  auto exits = Subprocess::Start({"/bin/sh", "-c", "exit 3"});
  ASSERT_TRUE(exits.ok());
  EXPECT_EQ(*exits->Wait(absl::Seconds(30)), 3);

  auto sleeper = Subprocess::Start({"/bin/sleep", "30"});
  ASSERT_TRUE(sleeper.ok());
  EXPECT_EQ(sleeper->Wait(absl::Milliseconds(50)).status().code(), absl::StatusCode::kDeadlineExceeded);
  sleeper->Signal(SIGKILL);
  EXPECT_EQ(*sleeper->Wait(absl::Seconds(30)), 128 + SIGKILL);

  EXPECT_EQ(Subprocess::Start({"/nonexistent/binary"}).status().code(), absl::StatusCode::kInternal);
}

TEST(SubprocessTest, RedirectsStdoutAndWaitsForFiles) {
  testing::TempDir dir;
  auto echo = Subprocess::Start({"/bin/echo", "hello"}, dir.Sub("out"));
  ASSERT_TRUE(echo.ok());
  EXPECT_EQ(*echo->Wait(), 0);
  auto text = WaitForFile(dir.Sub("out"), absl::Seconds(5));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "hello\n");
  EXPECT_EQ(WaitForFile(dir.Sub("never"), absl::Milliseconds(50)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace shammie::common
