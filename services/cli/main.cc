// `shammie`: the operator's command line. Each command lives in its own file
// (services/cli/<name>_command.cc) and is listed once below.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/omp_env.h"
#include "services/cli/command.h"

namespace shammie::cli {
// One declaration per command file.
int RunBench(const std::vector<std::string>& args);   // bench_command.cc
int RunExport(const std::vector<std::string>& args);  // export_command.cc
int RunImport(const std::vector<std::string>& args);  // import_command.cc
int RunStats(const std::vector<std::string>& args);   // stats_command.cc
int RunToken(const std::vector<std::string>& args);   // token_command.cc
int RunUp(const std::vector<std::string>& args);      // up_command.cc
int RunTokenize(const std::vector<std::string>& args);  // tokenize_command.cc
int RunPretrain(const std::vector<std::string>& args);  // pretrain_command.cc
}  // namespace shammie::cli

namespace {

using shammie::cli::Command;

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"up", "run the stack in this process until Ctrl-C", shammie::cli::RunUp},
      {"token", "create or revoke a bearer token (token create|revoke)", shammie::cli::RunToken},
      {"import", "import comparisons from hh-rlhf or pairs JSONL", shammie::cli::RunImport},
      {"export", "export comparisons as hh-rlhf or pairs JSONL", shammie::cli::RunExport},
      {"stats", "show the collector's counters", shammie::cli::RunStats},
      {"bench", "run a benchmark (ingest, train, generate, ppo): one JSON line", shammie::cli::RunBench},
      {"pretrain", "pretrain the tiny base policy on the synthetic corpus", shammie::cli::RunPretrain},
      {"tokenize", "print the token ids of UTF-8 text on stdin as a JSON array", shammie::cli::RunTokenize},
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
