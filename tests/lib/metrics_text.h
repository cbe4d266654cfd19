// Reads values out of the Prometheus text exposition format in tests.
#ifndef SHAMMIE_TESTS_LIB_METRICS_TEXT_H_
#define SHAMMIE_TESTS_LIB_METRICS_TEXT_H_

#include <cmath>
#include <map>
#include <sstream>
#include <string>

namespace shammie::testing {

// The value of the series `name` whose labels include all of `labels`
// (e.g. {{"code","OK"}}); NaN when no such series is in `text`. The label
// match is on `key="value"` substrings, enough for the values tests use.
inline double SeriesValue(const std::string& text, const std::string& name,
                          const std::map<std::string, std::string>& labels = {}) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string::npos || line.substr(0, name_end) != name) continue;
    const size_t value_at = line.rfind(' ');
    const std::string label_part = line.substr(name_end, value_at - name_end);
    bool all = true;
    for (const auto& [k, v] : labels) {
      if (label_part.find(k + "=\"" + v + "\"") == std::string::npos) all = false;
    }
    if (all) return std::stod(line.substr(value_at + 1));
  }
  return std::nan("");
}

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_LIB_METRICS_TEXT_H_
