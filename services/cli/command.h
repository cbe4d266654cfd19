// A `shammie` subcommand: a name, a one-line summary, and a function that
// runs it. Commands print results to stdout, errors to stderr, and return
// the process exit code (0 ok, 1 failure, 2 usage).
#ifndef SHAMMIE_SERVICES_CLI_COMMAND_H_
#define SHAMMIE_SERVICES_CLI_COMMAND_H_

#include <string>
#include <vector>

namespace shammie::cli {

struct Command {
  const char* name;
  const char* summary;
  // `args` are the words after the command name.
  int (*run)(const std::vector<std::string>& args);
};

}  // namespace shammie::cli

#endif  // SHAMMIE_SERVICES_CLI_COMMAND_H_
