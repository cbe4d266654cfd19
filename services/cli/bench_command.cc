// `shammie bench <kind> [flags]`: benchmarks, one JSON line each on stdout.
// Kinds are rows of the table below (other parts add `train`, `generate`,
// `pm`, `ppo`); each row's function lives in its own file.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace shammie::cli {

int RunBenchIngest(const std::vector<std::string>& args);  // bench_ingest_command.cc

namespace {

struct BenchKind {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

const std::vector<BenchKind>& BenchKinds() {
  static const std::vector<BenchKind> kinds = {
      {"ingest", "durable SubmitComparison throughput and latency against a collector", RunBenchIngest},
  };
  return kinds;
}

}  // namespace

int RunBench(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] == "--help") {
    std::fprintf(argv.empty() ? stderr : stdout, "usage: shammie bench <kind> [flags]\n\nkinds:\n");
    for (const BenchKind& k : BenchKinds()) {
      std::fprintf(argv.empty() ? stderr : stdout, "  %-10s %s\n", k.name, k.summary);
    }
    return argv.empty() ? 2 : 0;
  }
  for (const BenchKind& k : BenchKinds()) {
    if (argv[0] == k.name) return k.run(std::vector<std::string>(argv.begin() + 1, argv.end()));
  }
  std::fprintf(stderr, "shammie bench: unknown kind \"%s\"\n", argv[0].c_str());
  return 2;
}

}  // namespace shammie::cli
