// `shammie sim-pm --base DIR --out DIR [--pairs 10000] [--policy-prompts 0] …`:
// trains a preference model on simulated comparisons of the synthetic task
// with the PM trainer's own job (reward_model/pm_job.h: split, train,
// evaluate, score offset from base samples, atomic checkpoint folder DIR),
// and prints one JSON report line (accuracy on held-out noisy labels and
// against GOLD, the score offset, counts, seconds).
//
// The comparisons, all labeled by the simulated Bradley–Terry labeler
// (sim/simulated_labeler.h, ≈70% agreement with gold):
//   --pairs N           curated pairs of the task's known responses
//                       (sim/comparison_pairs.h, seed --seed);
//   --policy-prompts M  for M fresh prompts, two samples of the base policy
//                       itself (≤ --max-tokens tokens): data on the
//                       distribution PPO starts from (Bai et al. 2022,
//                       online RLHF). Pairs of identical samples are dropped.
//
// --reuse: when DIR already holds a loadable PM, do nothing (prints
// {"reused": true}). This is what the ctest fixture fixture/tiny_pm runs.
// Exit codes: 0 done, 1 training/IO error, 2 bad flags.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "policy/policy_runtime.h"
#include "reward_model/pm_episode_scorer.h"
#include "reward_model/pm_job.h"
#include "services/cli/args.h"
#include "sim/comparison_pairs.h"
#include "sim/gold_reward.h"
#include "sim/simulated_labeler.h"
#include "sim/starter_comparisons.h"
#include "sim/task_generator.h"

namespace shammie::cli {
namespace {

constexpr char kUsage[] =
    "usage: shammie sim-pm --base DIR --out DIR [--pairs 10000] [--policy-prompts 0]\n"
    "                      [--max-tokens 24] [--seed 1] [--lr 3e-4] [--batch 32] [--epochs 1]\n"
    "                      [--reuse]\n";

struct SimPmFlags {
  std::string base, out;
  int64_t pairs, policy_prompts, max_tokens, seed, batch, epochs;
  double lr;
  bool reuse;
};

absl::StatusOr<SimPmFlags> ParseFlags(const std::vector<std::string>& argv) {
  absl::StatusOr<Args> args = Args::Parse(argv, {"reuse"});
  if (!args.ok()) return args.status();
  SimPmFlags f;
  f.base = args->Get("base");
  f.out = args->Get("out");
  if (f.base.empty()) return absl::InvalidArgumentError("--base is required");
  if (f.out.empty()) return absl::InvalidArgumentError("--out is required");
  for (auto [name, field, def] : std::vector<std::tuple<const char*, int64_t*, int64_t>>{
           {"pairs", &f.pairs, 10000}, {"policy-prompts", &f.policy_prompts, 0},
           {"max-tokens", &f.max_tokens, 24}, {"seed", &f.seed, 1}, {"batch", &f.batch, 32},
           {"epochs", &f.epochs, 1}}) {
    absl::StatusOr<int64_t> v = args->GetInt(name, def);
    if (!v.ok()) return v.status();
    if (*v < 0) return absl::InvalidArgumentError(absl::StrCat("--", name, " must be >= 0"));
    *field = *v;
  }
  if (f.pairs + f.policy_prompts == 0) {
    return absl::InvalidArgumentError("--pairs and --policy-prompts are both 0: no data");
  }
  absl::StatusOr<double> lr = args->GetDouble("lr", 3e-4);
  if (!lr.ok()) return lr.status();
  f.lr = *lr;
  f.reuse = args->GetBool("reuse");
  if (absl::Status s = args->CheckNoUnused(); !s.ok()) return s;
  return f;
}

int Sign(double x) { return x > 0 ? 1 : (x < 0 ? -1 : 0); }

struct LabeledData {
  std::vector<v1::Comparison> comparisons;
  std::vector<int> gold;  // +1 A better, −1 B better, 0 tie (reward_model::PmJobInputs)
  int64_t policy_pairs = 0;
};

void Add(LabeledData& d, const std::string& context, const std::string& a, const std::string& b,
         double gold_a, double gold_b, sim::SimulatedLabeler& labeler) {
  v1::Comparison c = sim::SimComparison(context, a, b, labeler.ChooseByGold(gold_a, gold_b));
  // Each judgement is an independent draw of the simulated crowd: a distinct
  // labeler name, so the PM job's exact-duplicate filter (meant for one
  // judgement stored twice) keeps repeated pairs of the small synthetic task
  // and their label frequencies.
  c.set_labeler(absl::StrCat("sim-", d.comparisons.size()));
  c.set_seq(d.comparisons.size() + 1);  // PmJobInputs matches gold to test pairs by seq
  d.comparisons.push_back(std::move(c));
  d.gold.push_back(Sign(gold_a - gold_b));
}

// Two samples of the base policy per prompt, labeled; generated in batches
// of 64 prompts to bound the KV cache.
absl::Status AddPolicyPairs(const SimPmFlags& f, sim::SimulatedLabeler& labeler, LabeledData& d) {
  absl::StatusOr<std::unique_ptr<policy::PolicyRuntime>> runtime = policy::PolicyRuntime::Load(f.base);
  if (!runtime.ok()) return runtime.status();
  sim::TaskGenerator tasks(f.seed + 0x51a9);
  constexpr int64_t kChunk = 64;
  for (int64_t start = 0; start < f.policy_prompts; start += kChunk) {
    std::vector<std::string> contexts;
    std::vector<policy::TextRequest> requests;
    for (int64_t i = start; i < std::min(f.policy_prompts, start + kChunk); ++i) {
      contexts.push_back(tasks.NextPrompt().context);
      for (int k = 0; k < 2; ++k) {
        policy::TextRequest r;
        r.prompt = contexts.back();
        r.params.max_new_tokens = f.max_tokens;
        r.params.seed = static_cast<uint64_t>(f.seed) * 1000003 + 2 * i + k;
        requests.push_back(std::move(r));
      }
    }
    absl::StatusOr<std::vector<policy::TextCompletion>> out = (*runtime)->Generate(requests);
    if (!out.ok()) return out.status();
    for (size_t j = 0; j < contexts.size(); ++j) {
      const std::string& a = (*out)[2 * j].text;
      const std::string& b = (*out)[2 * j + 1].text;
      if (a == b) continue;  // nothing to compare
      Add(d, contexts[j], a, b, sim::GoldReward::Reward(contexts[j], a),
          sim::GoldReward::Reward(contexts[j], b), labeler);
      ++d.policy_pairs;
    }
  }
  return absl::OkStatus();
}

}  // namespace

int RunSimPm(const std::vector<std::string>& argv) {
  if (!argv.empty() && argv[0] == "--help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  absl::StatusOr<SimPmFlags> flags = ParseFlags(argv);
  if (!flags.ok()) {
    std::fprintf(stderr, "shammie sim-pm: %s\n%s", flags.status().ToString().c_str(), kUsage);
    return 2;
  }
  const SimPmFlags& f = *flags;
  if (std::filesystem::exists(f.out)) {
    if (!f.reuse) {
      std::fprintf(stderr, "shammie sim-pm: %s exists (use --reuse to keep a valid one)\n", f.out.c_str());
      return 1;
    }
    if (reward_model::LoadPmEpisodeScorer(f.out).ok()) {
      std::printf("%s\n", nlohmann::json{{"out", f.out}, {"reused", true}}.dump().c_str());
      return 0;
    }
    std::fprintf(stderr, "shammie sim-pm: replacing unloadable %s\n", f.out.c_str());
    std::filesystem::remove_all(f.out);
  }
  const auto start = std::chrono::steady_clock::now();
  LabeledData data;
  sim::SimulatedLabeler labeler({sim::kDefaultLabelerTemperature, static_cast<uint64_t>(f.seed) + 17});
  sim::PairGenerator gen(f.seed);
  for (const sim::ComparisonPair& p : gen.Take(static_cast<int>(f.pairs))) {
    Add(data, p.context, p.a, p.b, p.gold_a, p.gold_b, labeler);
  }
  if (absl::Status s = AddPolicyPairs(f, labeler, data); !s.ok()) {
    std::fprintf(stderr, "shammie sim-pm: sampling the base policy: %s\n", s.ToString().c_str());
    return 1;
  }

  reward_model::PmJobInputs in;
  in.spec.set_key(absl::StrCat("sim-pm-", f.seed));
  in.spec.set_base_checkpoint(f.base);
  in.spec.set_learning_rate(f.lr);
  in.spec.set_batch_size(static_cast<uint32_t>(f.batch));
  in.spec.set_epochs(static_cast<uint32_t>(f.epochs));
  in.spec.set_seed(static_cast<uint64_t>(f.seed));
  in.comparisons = std::move(data.comparisons);
  in.gold = std::move(data.gold);
  in.output_dir = f.out;
  in.checkpoint_every = 0;
  in.offset_samples = 256;
  in.offset_max_tokens = f.max_tokens;
  if (absl::Status s = reward_model::ValidatePmSpec(in.spec); !s.ok()) {
    std::fprintf(stderr, "shammie sim-pm: %s\n", s.ToString().c_str());
    return 2;
  }
  absl::StatusOr<v1::PmReport> report = reward_model::RunPmJob(in, {});
  if (!report.ok()) {
    std::fprintf(stderr, "shammie sim-pm: %s\n", report.status().ToString().c_str());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::json j = {{"out", f.out},
                      {"curated_pairs", f.pairs},
                      {"policy_pairs", data.policy_pairs},
                      {"train_comparisons", report->train_comparisons()},
                      {"test_comparisons", report->test_comparisons()},
                      {"test_accuracy", report->test_accuracy()},
                      {"gold_accuracy", report->gold_accuracy()},
                      {"ece", report->ece()},
                      {"score_offset", report->score_offset()},
                      {"seconds", seconds}};
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

}  // namespace shammie::cli
