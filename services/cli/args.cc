#include "services/cli/args.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace shammie::cli {

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& argv,
                                 const std::set<std::string>& boolean_flags) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() < 3 || a.rfind("--", 0) != 0) {
      args.positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::string value = "true";
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (!boolean_flags.count(name) && i + 1 < argv.size() &&
               argv[i + 1].rfind("--", 0) != 0) {
      value = argv[++i];
    }
    if (args.flags_.count(name)) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " given twice"));
    }
    args.flags_[name] = value;
  }
  return args;
}

std::string Args::Get(const std::string& name, const std::string& def) {
  used_.insert(name);
  auto it = flags_.find(name);
  return it == flags_.end() ? def : it->second;
}

absl::StatusOr<int64_t> Args::GetInt(const std::string& name, int64_t def) {
  used_.insert(name);
  auto it = flags_.find(name);
  if (it == flags_.end()) return def;
  int64_t v;
  if (!absl::SimpleAtoi(it->second, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": expected an integer, got \"", it->second, "\""));
  }
  return v;
}

absl::StatusOr<double> Args::GetDouble(const std::string& name, double def) {
  used_.insert(name);
  auto it = flags_.find(name);
  if (it == flags_.end()) return def;
  double v;
  if (!absl::SimpleAtod(it->second, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": expected a number, got \"", it->second, "\""));
  }
  return v;
}

bool Args::GetBool(const std::string& name) {
  used_.insert(name);
  auto it = flags_.find(name);
  return it != flags_.end() && it->second != "false" && it->second != "0";
}

absl::Status Args::CheckNoUnused() const {
  for (const auto& [name, value] : flags_) {
    if (!used_.count(name)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
  }
  return absl::OkStatus();
}

}  // namespace shammie::cli
