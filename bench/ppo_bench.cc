// The C++ side of `shammie bench ppo`: the production PpoTrainer and PM
// scorer, with a PM of the policy's shape (trunk + scalar head read at an
// end-of-context token) standing in for a trained one — the bench measures
// speed, so the weights are random. Sizes, minibatch, epochs and
// the per-phase split match bench/reference/ppo_reference.py:
//   rollout  = KV-cache sampling;
//   scoring  = π and π0 log-probs + values, then the PM;
//   update   = KL rewards, GAE, whitening, PPO epochs over minibatches.
#include "bench/ppo_bench.h"

#include <torch/torch.h>

#include <unistd.h>

#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "bench/bench_env.h"
#include "common/status_macros.h"
#include "policy/ppo_trainer.h"
#include "reward_model/pm_checkpoint.h"
#include "reward_model/pm_episode_scorer.h"
#include "reward_model/preference_model.h"

namespace shammie::bench {
namespace {

// A PM of the policy's shape with random weights, written as a checkpoint and
// loaded the way the PPO trainer loads one, so the bench times production's
// PM scorer (sharded over the cores) rather than a copy of it.
absl::StatusOr<std::unique_ptr<policy::EpisodeScorer>> RandomPm(const policy::GptConfig& config,
                                                                const std::string& dir) {
  policy::GptConfig pm_config = config;
  pm_config.eos_token_id = config.vocab_size - 1;  // the PM reads its score at end-of-context
  reward_model::PreferenceModel pm{policy::Gpt(pm_config)};
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  SHAMMIE_RETURN_IF_ERROR(reward_model::WritePmCheckpoint(pm, {}, {}, dir));
  return reward_model::LoadPmEpisodeScorer(dir);
}

}  // namespace

absl::StatusOr<std::string> RunPpoBench(const PpoBenchOptions& o) {
  if (o.layers <= 0 || o.d_model <= 0 || o.heads <= 0 || o.batch <= 0 || o.prompt_len <= 0 ||
      o.response_len <= 0 || o.minibatch <= 0 || o.ppo_epochs <= 0 || o.steps <= 0 ||
      o.vocab <= 1) {
    return absl::InvalidArgumentError("sizes must be > 0");
  }
  if (o.d_model % o.heads != 0) return absl::InvalidArgumentError("d-model must be a multiple of heads");
  if (o.batch % o.minibatch != 0) return absl::InvalidArgumentError("minibatch must divide batch");
  ReferenceResult ref;
  if (o.reference) {
    SHAMMIE_ASSIGN_OR_RETURN(
        ref, RunReference("ppo_reference.py",
                          absl::StrCat("--layers ", o.layers, " --d-model ", o.d_model,
                                       " --heads ", o.heads, " --batch ", o.batch,
                                       " --prompt-len ", o.prompt_len, " --response-len ",
                                       o.response_len, " --minibatch ", o.minibatch,
                                       " --ppo-epochs ", o.ppo_epochs, " --steps ", o.steps,
                                       " --vocab ", o.vocab),
                          {1, 2}, "episodes_per_s"));
  }
  // Intra-op threads for the non-BLAS kernels (softmax, layer norm, GELU).
  // By default the C++ side leaves them alone: its batches run as one shard
  // per core (policy/parallel_shards.h), and a second intra-op pool would
  // spin against them. The reference is measured at 1 and 2 threads and its
  // best is kept.
  if (o.threads > 0) at::set_num_threads(static_cast<int>(o.threads));
  policy::GptConfig config;
  config.n_layer = o.layers;
  config.n_head = o.heads;
  config.n_embd = o.d_model;
  config.n_positions = o.prompt_len + o.response_len + 1;  // + the PM's end-of-context token
  config.vocab_size = o.vocab;
  torch::manual_seed(0);
  policy::PpoModels models;
  models.policy = policy::Gpt(config);
  torch::manual_seed(0);
  models.reference = policy::Gpt(config);
  models.eos_token_id = -1;  // never stop early: every response has response_len tokens
  models.pad_token_id = 0;
  const std::string pm_dir =
      (std::filesystem::temp_directory_path() / absl::StrCat("shammie-bench-pm-", getpid())).string();
  absl::StatusOr<std::unique_ptr<policy::EpisodeScorer>> pm = RandomPm(config, pm_dir);
  std::error_code ec;
  std::filesystem::remove_all(pm_dir, ec);
  if (!pm.ok()) return pm.status();
  std::vector<policy::PpoPrompt> prompts(4 * o.batch);
  std::mt19937_64 rng(0);
  for (policy::PpoPrompt& p : prompts) {
    for (int64_t j = 0; j < o.prompt_len; ++j) p.context_ids.push_back(rng() % (o.vocab - 1));
  }
  policy::PpoOptions po;
  po.steps = o.steps + 1;
  po.batch_size = o.batch;
  po.minibatch_size = o.minibatch;
  po.ppo_epochs = o.ppo_epochs;
  po.max_response_tokens = o.response_len;
  po.learning_rate = 1e-5;
  po.kl.initial_beta = 0.05;
  SHAMMIE_ASSIGN_OR_RETURN(std::unique_ptr<policy::PpoTrainer> trainer,
                           policy::PpoTrainer::Create(po, models, std::move(prompts), {pm->get()}));
  SHAMMIE_RETURN_IF_ERROR(trainer->Step().status());  // warm-up
  double rollout = 0, scoring = 0, update = 0;
  for (int64_t s = 0; s < o.steps; ++s) {
    SHAMMIE_ASSIGN_OR_RETURN(policy::PpoStepMetrics m, trainer->Step());
    rollout += m.rollout_seconds;
    scoring += m.scoring_seconds;
    update += m.update_seconds;
  }
  rollout /= o.steps;
  scoring /= o.steps;
  update /= o.steps;
  nlohmann::json j;
  j["bench"] = "ppo";
  j["layers"] = o.layers;
  j["d_model"] = o.d_model;
  j["heads"] = o.heads;
  j["batch"] = o.batch;
  j["prompt_len"] = o.prompt_len;
  j["response_len"] = o.response_len;
  j["minibatch"] = o.minibatch;
  j["ppo_epochs"] = o.ppo_epochs;
  j["threads"] = at::get_num_threads();
  j["episodes_per_s"] = static_cast<double>(o.batch) / (rollout + scoring + update);
  j["rollout_s"] = rollout;
  j["scoring_s"] = scoring;
  j["update_s"] = update;
  if (o.reference) {
    nlohmann::json r = nlohmann::json::parse(ref.json);
    j["reference"] = r;
    j["speedup"] = j["episodes_per_s"].get<double>() / ref.value;
  }
  return j.dump();
}

}  // namespace shammie::bench
