// `shammie pretrain --out DIR [--steps N] [--seed S] [--batch B] [--eval N] [--reuse]`:
// pretrains the tiny default base policy (policy/gpt_config.h defaults, byte
// tokenizer) on the synthetic task's corpus (sim/), samples responses to
// held-out prompts, scores them with the hidden gold reward, and saves the
// checkpoint folder DIR (training state for resume in DIR.training/). Prints
// one JSON report line.
//
// --reuse: when DIR already holds a loadable checkpoint, do nothing (print
// {"reused": true}); when it holds something unloadable, replace it. This is
// what the ctest fixture fixture/tiny_base runs.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "policy/policy_runtime.h"
#include "policy/pretrain.h"
#include "services/cli/args.h"
#include "sim/gold_reward.h"
#include "sim/task_generator.h"

namespace shammie::cli {
namespace {

constexpr char kUsage[] =
    "usage: shammie pretrain --out DIR [--steps 500] [--seed 0] [--batch 32] [--lr 3e-3]\n"
    "                        [--corpus 20000] [--eval 256] [--checkpoint-every 100] [--reuse]\n";

struct PretrainFlags {
  std::string out;
  int64_t steps, seed, batch, corpus, eval, checkpoint_every;
  double lr;
  bool reuse;
};

absl::StatusOr<PretrainFlags> ParseFlags(const std::vector<std::string>& argv) {
  absl::StatusOr<Args> args = Args::Parse(argv, {"reuse"});
  if (!args.ok()) return args.status();
  PretrainFlags f;
  f.out = args->Get("out");
  if (f.out.empty()) return absl::InvalidArgumentError("--out is required");
  for (auto [name, field, def] : std::vector<std::tuple<const char*, int64_t*, int64_t>>{
           {"steps", &f.steps, 500}, {"seed", &f.seed, 0}, {"batch", &f.batch, 32},
           {"corpus", &f.corpus, 20000}, {"eval", &f.eval, 256},
           {"checkpoint-every", &f.checkpoint_every, 100}}) {
    absl::StatusOr<int64_t> v = args->GetInt(name, def);
    if (!v.ok()) return v.status();
    if (*v < 0) return absl::InvalidArgumentError(absl::StrCat("--", name, " must be >= 0"));
    *field = *v;
  }
  absl::StatusOr<double> lr = args->GetDouble("lr", 3e-3);
  if (!lr.ok()) return lr.status();
  f.lr = *lr;
  f.reuse = args->GetBool("reuse");
  if (absl::Status s = args->CheckNoUnused(); !s.ok()) return s;
  return f;
}

nlohmann::json ReportJson(const PretrainFlags& f, const policy::PretrainReport& r,
                          const sim::TaskHeadroom& headroom) {
  nlohmann::json samples = nlohmann::json::array();
  for (size_t i = 0; i < std::min<size_t>(8, r.samples.size()); ++i) {
    samples.push_back({{"context", r.samples[i].context},
                       {"response", r.samples[i].response},
                       {"gold", r.samples[i].reward}});
  }
  return {{"out", f.out},
          {"steps", r.steps},
          {"resumed_from_step", r.resumed_from_step},
          {"seed", f.seed},
          {"first_loss", r.first_loss},
          {"final_loss", r.final_loss},
          {"train_seconds", r.train_seconds},
          {"tokens_per_s", r.tokens_per_second},
          {"eval_prompts", r.samples.size()},
          {"mean_gold_reward", r.mean_reward},
          {"well_formed_fraction", r.well_formed_fraction},
          {"corpus_mean_gold_reward", headroom.corpus_mean},
          {"best_mean_gold_reward", headroom.best_mean},
          {"samples", samples}};
}

}  // namespace

int RunPretrain(const std::vector<std::string>& argv) {
  if (!argv.empty() && argv[0] == "--help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  absl::StatusOr<PretrainFlags> flags = ParseFlags(argv);
  if (!flags.ok()) {
    std::fprintf(stderr, "shammie pretrain: %s\n%s", flags.status().ToString().c_str(), kUsage);
    return 2;
  }
  const PretrainFlags& f = *flags;
  if (std::filesystem::exists(f.out)) {
    if (!f.reuse) {
      std::fprintf(stderr, "shammie pretrain: %s exists (use --reuse to keep a valid one)\n",
                   f.out.c_str());
      return 1;
    }
    absl::StatusOr<std::unique_ptr<policy::PolicyRuntime>> existing =
        policy::PolicyRuntime::Load(f.out);
    if (existing.ok()) {
      std::printf("%s\n", nlohmann::json{{"out", f.out}, {"reused", true}}.dump().c_str());
      return 0;
    }
    std::fprintf(stderr, "shammie pretrain: replacing unloadable %s: %s\n", f.out.c_str(),
                 existing.status().ToString().c_str());
    std::filesystem::remove_all(f.out);
  }
  // Training corpus and held-out prompts come from different seeds.
  sim::TaskGenerator corpus_gen(f.seed);
  std::vector<std::string> dialogs = corpus_gen.Corpus(f.corpus);
  sim::TaskGenerator eval_gen(f.seed + 0x5eed);
  policy::PretrainEval eval;
  for (int64_t i = 0; i < f.eval; ++i) eval.contexts.push_back(eval_gen.NextPrompt().context);
  eval.reward = [](const std::string& context, const std::string& response) {
    return sim::GoldReward::Reward(context, response);
  };

  policy::PretrainOptions o;
  o.steps = f.steps;
  o.seed = f.seed;
  o.batch_size = f.batch;
  o.learning_rate = f.lr;
  o.checkpoint_every = f.checkpoint_every;
  o.out_dir = f.out;
  o.training_dir = f.out + ".training";
  absl::StatusOr<policy::PretrainReport> report =
      policy::PretrainBytePolicy(dialogs, o, f.eval > 0 ? &eval : nullptr);
  if (!report.ok()) {
    std::fprintf(stderr, "shammie pretrain: %s\n", report.status().ToString().c_str());
    return report.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  nlohmann::json j = ReportJson(f, *report, sim::MeasureHeadroom(f.seed + 0x5eed, 2000));
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

}  // namespace shammie::cli
