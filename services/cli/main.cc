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
int RunBench(const std::vector<std::string>& args);
int RunPretrain(const std::vector<std::string>& args);
int RunTokenize(const std::vector<std::string>& args);
}  // namespace shammie::cli

namespace {

using shammie::cli::Command;

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"bench", "run a benchmark (train, generate) and print one JSON line", shammie::cli::RunBench},
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
