// `shammie bench <kind> [flags]`: runs one benchmark and prints its one JSON
// line on stdout. Each kind is one row of the table below; the benchmarks
// themselves live in bench/ (library shammie_bench).
#include <cstdio>
#include <initializer_list>
#include <utility>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/generate_bench.h"
#include "bench/pm_bench.h"
#include "bench/ppo_bench.h"
#include "bench/train_bench.h"
#include "services/cli/args.h"

namespace shammie::cli {

int RunBenchIngest(const std::vector<std::string>& args);  // bench_ingest_command.cc

namespace {

// Reads integer flags into the options fields they name (defaults are the
// fields' current values).
absl::Status ReadIntFlags(Args& args,
                          std::initializer_list<std::pair<const char*, int64_t*>> flags) {
  for (auto [name, field] : flags) {
    absl::StatusOr<int64_t> v = args.GetInt(name, *field);
    if (!v.ok()) return v.status();
    *field = *v;
  }
  return absl::OkStatus();
}

// --seconds and --rounds, shared by the benchmarks that alternate timed rounds.
template <typename Options>
absl::Status ReadTiming(Args& args, Options& o) {
  absl::StatusOr<double> seconds = args.GetDouble("seconds", o.seconds);
  if (!seconds.ok()) return seconds.status();
  o.seconds = *seconds;
  absl::StatusOr<int64_t> rounds = args.GetInt("rounds", o.rounds);
  if (!rounds.ok()) return rounds.status();
  o.rounds = static_cast<int>(*rounds);
  return absl::OkStatus();
}

absl::StatusOr<std::string> TrainBench(Args& args) {
  bench::TrainBenchOptions o;
  if (absl::Status s = ReadIntFlags(args, {{"layers", &o.layers}, {"d-model", &o.d_model},
                                           {"heads", &o.heads}, {"seq", &o.seq},
                                           {"batch", &o.batch}, {"vocab", &o.vocab}});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadTiming(args, o); !s.ok()) return s;
  o.reference = !args.GetBool("no-reference");
  if (absl::Status s = args.CheckNoUnused(); !s.ok()) return s;
  return bench::RunTrainBench(o);
}

absl::StatusOr<std::string> GenerateBench(Args& args) {
  bench::GenerateBenchOptions o;
  if (absl::Status s = ReadIntFlags(args, {{"layers", &o.layers}, {"d-model", &o.d_model},
                                           {"heads", &o.heads}, {"batch", &o.batch},
                                           {"prompt-len", &o.prompt_len},
                                           {"new-tokens", &o.new_tokens}, {"vocab", &o.vocab}});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadTiming(args, o); !s.ok()) return s;
  o.reference = !args.GetBool("no-reference");
  o.no_cache = !args.GetBool("cache-only");
  if (absl::Status s = args.CheckNoUnused(); !s.ok()) return s;
  return bench::RunGenerateBench(o);
}

absl::StatusOr<std::string> PpoBench(Args& args) {
  bench::PpoBenchOptions o;
  if (absl::Status s = ReadIntFlags(
          args, {{"layers", &o.layers}, {"d-model", &o.d_model}, {"heads", &o.heads},
                 {"batch", &o.batch}, {"prompt-len", &o.prompt_len},
                 {"response-len", &o.response_len}, {"minibatch", &o.minibatch},
                 {"ppo-epochs", &o.ppo_epochs}, {"steps", &o.steps}, {"vocab", &o.vocab},
                 {"threads", &o.threads}});
      !s.ok()) {
    return s;
  }
  o.reference = !args.GetBool("no-reference");
  if (absl::Status s = args.CheckNoUnused(); !s.ok()) return s;
  return bench::RunPpoBench(o);
}

absl::StatusOr<std::string> PmBench(Args& args) {
  bench::PmBenchOptions o;
  if (absl::Status s = ReadIntFlags(args, {{"layers", &o.layers}, {"d-model", &o.d_model},
                                           {"heads", &o.heads}, {"seq", &o.seq},
                                           {"batch", &o.batch}, {"steps", &o.steps}});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = args.CheckNoUnused(); !s.ok()) return s;
  return bench::RunPmBench(o);
}

// A kind either parses its flags here (`run`) or takes the raw words and
// prints for itself (`run_argv`, for kinds that live in their own file).
struct BenchKind {
  const char* kind;
  const char* summary;
  absl::StatusOr<std::string> (*run)(Args& args);
  int (*run_argv)(const std::vector<std::string>& args) = nullptr;
};

// One row per benchmark kind.
const std::vector<BenchKind>& Kinds() {
  static const std::vector<BenchKind> kinds = {
      {"ingest", "durable SubmitComparison throughput and latency against a collector (--help)",
       nullptr, RunBenchIngest},
      {"train", "GPT training step: --layers --d-model --heads --seq --batch [--vocab --seconds --rounds --no-reference]",
       TrainBench},
      {"generate",
       "KV-cache sampling: --layers --d-model --heads --batch --prompt-len --new-tokens [--vocab --seconds --rounds --no-reference --cache-only]",
       GenerateBench},
      {"pm", "PM training step (comparisons/s, GFLOP/s vs matmul peak): --layers --d-model --heads --seq --batch [--steps]",
       PmBench},
      {"ppo",
       "PPO step (rollout, scoring, update): --layers --d-model --heads --batch --prompt-len --response-len [--minibatch --ppo-epochs --steps --vocab --threads --no-reference]",
       PpoBench},
  };
  return kinds;
}

void PrintKinds(FILE* out) {
  std::fprintf(out, "usage: shammie bench <kind> [flags]   (prints one JSON line)\n\nkinds:\n");
  for (const BenchKind& k : Kinds()) std::fprintf(out, "  %-9s %s\n", k.kind, k.summary);
}

}  // namespace

int RunBench(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] == "--help") {
    PrintKinds(argv.empty() ? stderr : stdout);
    return argv.empty() ? 2 : 0;
  }
  for (const BenchKind& k : Kinds()) {
    if (argv[0] != k.kind) continue;
    if (k.run_argv != nullptr) return k.run_argv({argv.begin() + 1, argv.end()});
    absl::StatusOr<Args> args = Args::Parse({argv.begin() + 1, argv.end()}, {"no-reference", "cache-only"});
    if (!args.ok()) {
      std::fprintf(stderr, "shammie bench %s: %s\n", k.kind, args.status().ToString().c_str());
      return 2;
    }
    absl::StatusOr<std::string> line = k.run(*args);
    if (!line.ok()) {
      std::fprintf(stderr, "shammie bench %s: %s\n", k.kind, line.status().ToString().c_str());
      return line.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
    }
    std::printf("%s\n", line->c_str());
    return 0;
  }
  std::fprintf(stderr, "shammie bench: unknown kind \"%s\"\n", argv[0].c_str());
  PrintKinds(stderr);
  return 2;
}

}  // namespace shammie::cli
