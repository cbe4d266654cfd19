#include "policy/artifact_folder.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/policy/temp_dir.h"

namespace shammie::policy {
namespace {

namespace fs = std::filesystem;
using shammie::testing::TempDir;

TEST(ArtifactFolderTest, FolderAppearsWholeUnderItsName) {
  TempDir dir;
  const std::string target = dir.Sub("a/b/artifact");  // parents created
  ASSERT_TRUE(WriteFolderAtomically(target, [](const std::string& tmp) {
                std::ofstream(tmp + "/x.txt") << "hello";
                fs::create_directory(tmp + "/sub");
                std::ofstream(tmp + "/sub/y.txt") << "world";
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(shammie::testing::ReadFileOrEmpty(target + "/sub/y.txt"), "world");
  int entries = 0;
  for (auto& e : fs::directory_iterator(dir.Sub("a/b"))) entries += !e.path().empty();
  EXPECT_EQ(entries, 1);  // no temporary folder left
  EXPECT_EQ(WriteFolderAtomically(target, [](const std::string&) { return absl::OkStatus(); }).code(),
            absl::StatusCode::kAlreadyExists);
}

// A real process dies in the middle of writing: the artifact never appears,
// and the leftover temporary folder is recognised and removed.
TEST(ArtifactFolderTest, AWriterThatDiesLeavesNoArtifact) {
  TempDir dir;
  const std::string target = dir.Sub("ckpt");
  EXPECT_EXIT(
      {
        (void)WriteFolderAtomically(target, [](const std::string& tmp) {
          std::ofstream(tmp + "/model.safetensors") << "half of it";
          ::_exit(3);  // killed mid-write
          return absl::OkStatus();
        });
      },
      ::testing::ExitedWithCode(3), "");
  EXPECT_FALSE(fs::exists(target));
  int temps = 0;
  for (auto& e : fs::directory_iterator(dir.path())) {
    temps += e.path().filename().string().find(".tmp-") != std::string::npos;
  }
  EXPECT_EQ(temps, 1);
  ASSERT_TRUE(RemoveStaleTempFolders(dir.path()).ok());
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace shammie::policy
