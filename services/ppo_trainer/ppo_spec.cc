#include "services/ppo_trainer/ppo_spec.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "policy/checkpoint_metadata.h"
#include "services/ppo_trainer/prompt_source.h"

namespace shammie::ppo_trainer {
namespace {

template <typename T>
void Default(T value, T def, void (v1::PpoJobSpec::*set)(T), v1::PpoJobSpec& spec) {
  if (value == T{}) (spec.*set)(def);
}

// config.json of a checkpoint folder, with errors naming the spec field.
absl::StatusOr<policy::GptConfig> ConfigOf(const std::string& dir, absl::string_view field) {
  absl::StatusOr<policy::GptConfig> c = policy::ReadGptConfig(dir);
  if (!c.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " ", dir, ": ", c.status().message()));
  }
  return c;
}

bool SameShape(const policy::GptConfig& a, const policy::GptConfig& b) {
  return a.n_layer == b.n_layer && a.n_head == b.n_head && a.n_embd == b.n_embd &&
         a.n_positions == b.n_positions && a.vocab_size == b.vocab_size;
}

}  // namespace

v1::PpoJobSpec WithDefaults(const v1::PpoJobSpec& in) {
  v1::PpoJobSpec s = in;
  using S = v1::PpoJobSpec;
  // The defaults that learn on the synthetic task in a `shammie up` iteration's
  // PPO budget (~100 s on 2 cores); measurements in docs/results.md.
  Default<uint32_t>(s.steps(), 12, &S::set_steps, s);
  Default<uint32_t>(s.batch_size(), 64, &S::set_batch_size, s);
  Default<uint32_t>(s.minibatch_size(), std::min<uint32_t>(16, s.batch_size()), &S::set_minibatch_size, s);
  Default<uint32_t>(s.ppo_epochs(), 2, &S::set_ppo_epochs, s);
  Default<double>(s.learning_rate(), 5e-5, &S::set_learning_rate, s);
  Default<double>(s.value_learning_rate(), 1e-3, &S::set_value_learning_rate, s);
  Default<double>(s.kl_horizon(), 10000, &S::set_kl_horizon, s);
  Default<double>(s.clip_range(), 0.2, &S::set_clip_range, s);
  Default<double>(s.value_clip_range(), 0.2, &S::set_value_clip_range, s);
  Default<double>(s.value_coef(), 0.5, &S::set_value_coef, s);
  Default<double>(s.gamma(), 1.0, &S::set_gamma, s);
  // λ = 1: in a short run the value head explains little of the return, and
  // λ < 1 bootstraps from it and shrinks the credit of the first tokens
  // (the ones that choose the kind of answer) by λ^(T−t).
  Default<double>(s.lam(), 1.0, &S::set_lam, s);
  Default<uint32_t>(s.max_response_tokens(), 32, &S::set_max_response_tokens, s);
  Default<double>(s.temperature(), 1.0, &S::set_temperature, s);
  if (s.reference_checkpoint().empty()) s.set_reference_checkpoint(s.policy_checkpoint());
  return s;
}

policy::PpoOptions ToPpoOptions(const v1::PpoJobSpec& s) {
  policy::PpoOptions o;
  o.steps = s.steps();
  o.batch_size = s.batch_size();
  o.minibatch_size = s.minibatch_size();
  o.ppo_epochs = s.ppo_epochs();
  o.learning_rate = s.learning_rate();
  o.value_learning_rate = s.value_learning_rate();
  o.kl.initial_beta = s.kl_coef();
  o.kl.kl_target = s.kl_target();
  o.kl.horizon = s.kl_horizon();
  o.clip_range = s.clip_range();
  o.value_clip_range = s.value_clip_range();
  o.value_coef = s.value_coef();
  o.gamma = s.gamma();
  o.lam = s.lam();
  o.max_response_tokens = s.max_response_tokens();
  o.temperature = s.temperature();
  o.seed = s.seed();
  o.checkpoint_every = s.checkpoint_every();
  o.stop_on_overoptimization = s.stop_on_overoptimization();
  o.normalize_reward = s.normalize_reward();
  return o;
}

absl::Status ValidateSpec(const v1::PpoJobSpec& s) {
  if (s.key().empty()) return absl::InvalidArgumentError("key is required");
  if (s.policy_checkpoint().empty()) return absl::InvalidArgumentError("policy_checkpoint is required");
  if (s.pm_checkpoint().empty()) return absl::InvalidArgumentError("pm_checkpoint is required");
  SHAMMIE_RETURN_IF_ERROR(policy::ValidatePpoOptions(ToPpoOptions(s)));
  if (s.stop_on_overoptimization() && s.test_pm_checkpoint().empty()) {
    return absl::InvalidArgumentError(
        "stop_on_overoptimization needs a test_pm_checkpoint to compare against");
  }
  SHAMMIE_ASSIGN_OR_RETURN(policy::GptConfig policy, ConfigOf(s.policy_checkpoint(), "policy_checkpoint"));
  SHAMMIE_ASSIGN_OR_RETURN(policy::GptConfig reference,
                           ConfigOf(s.reference_checkpoint(), "reference_checkpoint"));
  if (!SameShape(policy, reference)) {
    return absl::InvalidArgumentError(
        "reference_checkpoint has a different shape from policy_checkpoint (n_layer, n_head, "
        "n_embd, n_positions, vocab_size must match)");
  }
  // A PM reads the policy's token ids: it must be built on the same vocabulary.
  for (auto [dir, field] : {std::pair{s.pm_checkpoint(), "pm_checkpoint"},
                            std::pair{s.test_pm_checkpoint(), "test_pm_checkpoint"}}) {
    if (dir.empty()) continue;
    SHAMMIE_ASSIGN_OR_RETURN(policy::GptConfig pm, ConfigOf(dir, field));
    if (pm.vocab_size != policy.vocab_size || pm.eos_token_id != policy.eos_token_id) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, " was built on another tokenizer (vocab_size ", pm.vocab_size,
          ", eos ", pm.eos_token_id, ") than policy_checkpoint (vocab_size ", policy.vocab_size,
          ", eos ", policy.eos_token_id, ")"));
    }
  }
  if (!s.prompt_file().empty()) SHAMMIE_RETURN_IF_ERROR(ReadPromptFile(s.prompt_file()).status());
  return absl::OkStatus();
}

}  // namespace shammie::ppo_trainer
