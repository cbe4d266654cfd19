// deploy/systemd: `systemd-analyze verify` accepts every unit. The units name
// /usr/local/bin/shammie-*, which verify requires to exist; the test verifies
// copies whose ExecStart points at the built binary when there is one, and at
// /bin/true otherwise (the service binaries land with their branches).
#include <unistd.h>

#include "gtest/gtest.h"
#include "tests/lib/run_command.h"

namespace shammie::deploy {
namespace {

using shammie::testing::ReadFile;
using shammie::testing::RunCommand;
using shammie::testing::SourceDir;
using shammie::testing::TempDir;
using shammie::testing::WriteFile;

const char* const kServices[] = {"collector", "pm-trainer", "ppo-trainer", "scheduler"};

std::string Executable(const std::string& service) {
  const char* bin = std::getenv("SHAMMIE_BIN_DIR");
  const std::string built = std::string(bin ? bin : "") + "/shammie-" + service;
  return bin && ::access(built.c_str(), X_OK) == 0 ? built : "/bin/true";
}

// Copies the units into `dir`, pointing ExecStart at something that exists.
void StageUnits(const std::string& dir) {
  for (const char* s : kServices) {
    const std::string name = std::string("shammie-") + s + ".service";
    std::string unit = ReadFile(SourceDir() + "/deploy/systemd/" + name);
    const std::string exe = std::string("/usr/local/bin/shammie-") + s + " ";
    ASSERT_NE(unit.find(exe), std::string::npos) << name;
    unit.replace(unit.find(exe), exe.size(), Executable(s) + " ");
    WriteFile(dir + "/" + name, unit);
  }
  WriteFile(dir + "/shammie.target", ReadFile(SourceDir() + "/deploy/systemd/shammie.target"));
}

TEST(SystemdUnitsTest, VerifyAcceptsEveryUnit) {
  TempDir dir;
  StageUnits(dir.path());
  const auto r = RunCommand("cd " + dir.path() +
                            " && systemd-analyze verify --man=no ./shammie-*.service "
                            "./shammie.target");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(SystemdUnitsTest, VerifyRejectsAUnitWithoutExecStart) {
  TempDir dir;
  StageUnits(dir.path());
  std::string unit = ReadFile(dir.path() + "/shammie-scheduler.service");
  unit.replace(unit.find("ExecStart="), 10, "ExecStrat=");
  WriteFile(dir.path() + "/shammie-scheduler.service", unit);
  const auto r = RunCommand("cd " + dir.path() +
                            " && systemd-analyze verify --man=no ./shammie-scheduler.service");
  EXPECT_NE(r.exit_code, 0) << r.output;
}

TEST(SystemdUnitsTest, UnitsListenOnTheDesignPorts) {
  const std::string dir = SourceDir() + "/deploy/systemd/";
  EXPECT_NE(ReadFile(dir + "shammie-collector.service").find("--http-listen=127.0.0.1:8080"),
            std::string::npos);
  EXPECT_NE(ReadFile(dir + "shammie-pm-trainer.service").find("--metrics-listen=127.0.0.1:51052"),
            std::string::npos);
  EXPECT_NE(ReadFile(dir + "shammie-ppo-trainer.service").find("--metrics-listen=127.0.0.1:51053"),
            std::string::npos);
  EXPECT_NE(ReadFile(dir + "shammie-scheduler.service").find("--metrics-listen=127.0.0.1:51054"),
            std::string::npos);
  // The target pulls in all four.
  const std::string target = ReadFile(dir + "shammie.target");
  for (const char* s : kServices) {
    EXPECT_NE(target.find(std::string("shammie-") + s + ".service"), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace shammie::deploy
