// Times Sampler::Generate on random prompts at temperature 1 with end-of-text
// disabled, so every row generates exactly new_tokens tokens, as the
// reference loop does.
#include "bench/generate_bench.h"

#include <torch/torch.h>

#include <random>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "bench/bench_env.h"
#include "common/status_macros.h"
#include "policy/sampler.h"

namespace shammie::bench {

absl::StatusOr<std::string> RunGenerateBench(const GenerateBenchOptions& o) {
  if (o.layers <= 0 || o.d_model <= 0 || o.heads <= 0 || o.batch <= 0 || o.prompt_len <= 0 ||
      o.new_tokens <= 0 || o.vocab <= 1) {
    return absl::InvalidArgumentError("sizes must be > 0");
  }
  if (o.d_model % o.heads != 0) {
    return absl::InvalidArgumentError("d-model must be a multiple of heads");
  }
  policy::GptConfig config;
  config.n_layer = o.layers;
  config.n_head = o.heads;
  config.n_embd = o.d_model;
  config.n_positions = o.prompt_len + o.new_tokens;
  config.vocab_size = o.vocab;
  torch::manual_seed(0);
  policy::Gpt model(config);
  model->eval();
  std::vector<policy::GenerationRequest> requests(o.batch);
  std::mt19937_64 rng(0);
  for (int64_t i = 0; i < o.batch; ++i) {
    for (int64_t j = 0; j < o.prompt_len; ++j) requests[i].prompt.push_back(rng() % o.vocab);
    requests[i].params.max_new_tokens = o.new_tokens;
    requests[i].params.seed = i;
  }
  double best_cpu = 0;  // KV-cache tokens per CPU second
  auto measure = [&](bool cache) -> absl::StatusOr<double> {
    policy::SamplerOptions so;
    so.eos_token_id = -1;  // never stop early
    so.pad_token_id = 0;
    so.use_kv_cache = cache;
    policy::Sampler sampler(model, so);
    absl::Status status;
    Timing t = TimeLoop(
        [&] {
          if (status.ok()) status = sampler.Generate(requests).status();
        },
        cache ? o.seconds : 0.0, /*warmup=*/cache ? 1 : 0, /*min_runs=*/cache ? 2 : 1);
    SHAMMIE_RETURN_IF_ERROR(status);
    if (cache) best_cpu = std::max(best_cpu, o.batch * o.new_tokens / t.cpu_per_run());
    return o.batch * o.new_tokens / t.per_run();
  };
  const std::string ref_args = absl::StrCat(
      "--layers ", o.layers, " --d-model ", o.d_model, " --heads ", o.heads, " --batch ", o.batch,
      " --prompt-len ", o.prompt_len, " --new-tokens ", o.new_tokens, " --vocab ", o.vocab,
      " --seconds ", o.seconds);
  // Alternating rounds, best of each (see train_bench.cc).
  ReferenceResult ref;
  double with_cache = 0;
  for (int round = 0; round < o.rounds; ++round) {
    if (o.reference) {
      std::vector<int> threads = round == 0 ? std::vector<int>{1, 2} : std::vector<int>{ref.threads};
      SHAMMIE_ASSIGN_OR_RETURN(ReferenceResult r,
                               RunReference("generate_bench.py", ref_args, threads, "tokens_per_s"));
      const double cpu = std::max(ref.cpu_value, r.cpu_value);
      if (r.value > ref.value) ref = r;
      ref.cpu_value = cpu;
    }
    SHAMMIE_ASSIGN_OR_RETURN(double ours, measure(true));
    with_cache = std::max(with_cache, ours);
  }
  nlohmann::json j = {{"bench", "generate"},      {"layers", o.layers},
                      {"d_model", o.d_model},     {"heads", o.heads},
                      {"batch", o.batch},         {"prompt_len", o.prompt_len},
                      {"new_tokens", o.new_tokens}, {"vocab", o.vocab},
                      {"tokens_per_s", with_cache},
                      {"cpu_tokens_per_s", best_cpu}};
  if (o.no_cache) {
    SHAMMIE_ASSIGN_OR_RETURN(double without, measure(false));
    j["no_cache_tokens_per_s"] = without;
    j["kv_cache_speedup"] = with_cache / without;
  }
  if (o.reference) AddReferenceFields(j, ref, "tokens_per_s", with_cache, best_cpu);
  return j.dump();
}

}  // namespace shammie::bench
