// `shammie`: the operator's command line. Each command lives in its own file
// (services/cli/<name>_command.cc) and is listed once below.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/omp_env.h"
#include "common/tensor_malloc.h"
#include "services/cli/command.h"

namespace shammie::cli {
// One declaration per command file.
int RunAudit(const std::vector<std::string>& args);   // audit_command.cc
int RunBench(const std::vector<std::string>& args);   // bench_command.cc
int RunExport(const std::vector<std::string>& args);  // export_command.cc
int RunImport(const std::vector<std::string>& args);  // import_command.cc
int RunStats(const std::vector<std::string>& args);   // stats_command.cc
int RunToken(const std::vector<std::string>& args);   // token_command.cc
int RunUp(const std::vector<std::string>& args);      // up_command.cc
int RunCancel(const std::vector<std::string>& args);
int RunDeploy(const std::vector<std::string>& args);
int RunSchedule(const std::vector<std::string>& args);
int RunStatus(const std::vector<std::string>& args);
int RunTrigger(const std::vector<std::string>& args);
int RunWatch(const std::vector<std::string>& args);
int RunTokenize(const std::vector<std::string>& args);  // tokenize_command.cc
int RunPretrain(const std::vector<std::string>& args);  // pretrain_command.cc
int RunSimPm(const std::vector<std::string>& args);     // sim_pm_command.cc
}  // namespace shammie::cli

namespace {

using shammie::cli::Command;

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"up", "run the stack in this process until Ctrl-C", shammie::cli::RunUp},
      {"token", "create, list or revoke bearer tokens (token create|list|revoke)", shammie::cli::RunToken},
      {"audit", "show the audit log of operator actions (who, what, when, target)", shammie::cli::RunAudit},
      {"import", "import comparisons from hh-rlhf or pairs JSONL", shammie::cli::RunImport},
      {"export", "export comparisons as hh-rlhf or pairs JSONL", shammie::cli::RunExport},
      {"stats", "show the collector's counters", shammie::cli::RunStats},
      {"bench", "run a benchmark (ingest, train, generate, ppo): one JSON line", shammie::cli::RunBench},
      {"pretrain", "pretrain the tiny base policy on the synthetic corpus", shammie::cli::RunPretrain},
      {"sim-pm", "train a preference model on simulated comparisons (test fixture)", shammie::cli::RunSimPm},
      {"tokenize", "print the token ids of UTF-8 text on stdin as a JSON array", shammie::cli::RunTokenize},
      {"trigger", "start an iteration now (idempotent with --key)", shammie::cli::RunTrigger},
      {"status", "iterations and the schedule, or one iteration in detail", shammie::cli::RunStatus},
      {"watch", "live progress of an iteration until it ends", shammie::cli::RunWatch},
      {"cancel", "cancel an iteration and its running job", shammie::cli::RunCancel},
      {"deploy", "deploy a policy checkpoint to the collector (roll back/forward)", shammie::cli::RunDeploy},
      {"schedule", "show, pause, resume or set the iteration cadence", shammie::cli::RunSchedule},
  };
  return commands;
}

void PrintUsage(FILE* out) {
  std::fprintf(out, "usage: shammie <command> [flags]\n\ncommands:\n");
  for (const Command& c : Commands()) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
  std::fprintf(out, "\n`shammie <command> --help` describes a command's flags.\n");
}

}  // namespace

int main(int argc, char** argv) {
  shammie::common::EnsurePassiveOmpWait(argv);
  shammie::common::KeepTensorMemoryInHeap();
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help")) {
    PrintUsage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (const Command& c : Commands()) {
    if (std::strcmp(argv[1], c.name) == 0) {
      return c.run(std::vector<std::string>(argv + 2, argv + argc));
    }
  }
  std::fprintf(stderr, "shammie: unknown command \"%s\"\n\n", argv[1]);
  PrintUsage(stderr);
  return 2;
}
