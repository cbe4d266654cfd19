// Argument parsing for `shammie <command> …`: `--name value`, `--name=value`,
// bare `--flag` (value "true"), and positional arguments. Each command reads
// what it knows and calls CheckNoUnused(), so a typo is an error, not a no-op.
#ifndef SHAMMIE_SERVICES_CLI_ARGS_H_
#define SHAMMIE_SERVICES_CLI_ARGS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace shammie::cli {

class Args {
 public:
  // `argv` excludes the program and command names. Flags listed in
  // `boolean_flags` never take a value (`--exit-when-done FILE` keeps FILE
  // positional).
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& argv,
                                    const std::set<std::string>& boolean_flags = {});

  std::string Get(const std::string& name, const std::string& def = "");
  absl::StatusOr<int64_t> GetInt(const std::string& name, int64_t def);
  absl::StatusOr<double> GetDouble(const std::string& name, double def);
  bool GetBool(const std::string& name);
  bool Has(const std::string& name) const { return flags_.count(name) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }

  // INVALID_ARGUMENT naming the first flag no Get* asked for.
  absl::Status CheckNoUnused() const;

 private:
  std::map<std::string, std::string> flags_;
  std::set<std::string> used_;
  std::vector<std::string> positional_;
};

}  // namespace shammie::cli

#endif  // SHAMMIE_SERVICES_CLI_ARGS_H_
