// deploy/kubernetes: kustomize (kubectl's, offline) renders the manifests,
// and check_kubernetes.py checks them for consistency: every service has a
// Deployment and a Service that selects it, every claimed PVC exists, the
// artifacts volume is shared, scrape annotations point at real ports.
#include "gtest/gtest.h"
#include "tests/lib/run_command.h"

namespace shammie::deploy {
namespace {

using shammie::testing::ReadFile;
using shammie::testing::RunCommand;
using shammie::testing::SourceDir;
using shammie::testing::TempDir;
using shammie::testing::WriteFile;

std::string Check(const std::string& dir) {
  return "kubectl kustomize " + dir + " | /usr/bin/python3 " + SourceDir() +
         "/tests/deploy/check_kubernetes.py";
}

TEST(KubernetesManifestsTest, RenderAndAreConsistent) {
  const auto r = RunCommand(Check(SourceDir() + "/deploy/kubernetes"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("14 objects, 0 problems"), std::string::npos) << r.output;
}

// The check can fail: a Deployment claiming a PVC that does not exist.
TEST(KubernetesManifestsTest, MissingClaimIsCaught) {
  TempDir dir;
  ASSERT_EQ(RunCommand("cp " + SourceDir() + "/deploy/kubernetes/*.yaml " + dir.path()).exit_code,
            0);
  std::string m = ReadFile(dir.path() + "/scheduler.yaml");
  const std::string claim = "claimName: shammie-scheduler-data";
  ASSERT_NE(m.find(claim), std::string::npos);
  m.replace(m.find(claim), claim.size(), "claimName: shammie-schedular-data");
  WriteFile(dir.path() + "/scheduler.yaml", m);
  const auto r = RunCommand(Check(dir.path()));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("missing PVC shammie-schedular-data"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace shammie::deploy
