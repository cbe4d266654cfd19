// PpoJobSpec ↔ the library's options, and StartJob's checks. Torch-free.
//
// Defaults for fields left 0 are the ones measured to raise the gold reward
// in a `shammie up` iteration's budget (docs/ppo.md, docs/results.md):
// 12 steps of 64 episodes, minibatch 16, 2 PPO epochs, learning rate 5e-5,
// value head rate 1e-3, horizon 10 000, ε 0.2 / 0.2, value coefficient 0.5,
// γ 1, λ 1, 32 response tokens, temperature 1; β (kl_coef) 0 = no penalty
// unless set. γ and λ cannot be set to 0 through the proto (0 means
// "default"); that is the price of proto3 scalars.
#ifndef SHAMMIE_SERVICES_PPO_TRAINER_PPO_SPEC_H_
#define SHAMMIE_SERVICES_PPO_TRAINER_PPO_SPEC_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "policy/ppo_options.h"
#include "shammie/v1/ppo_trainer.pb.h"

namespace shammie::ppo_trainer {

// The spec with defaults filled in (what is stored with the job).
v1::PpoJobSpec WithDefaults(const v1::PpoJobSpec& spec);

// REQUIRES: spec = WithDefaults(...).
policy::PpoOptions ToPpoOptions(const v1::PpoJobSpec& spec);

// INVALID_ARGUMENT naming the field: empty key, missing policy/pm
// checkpoint, a checkpoint folder whose config.json is missing or
// unreadable, policy and reference (or PM) of different vocabularies or
// shapes, nonsense hyperparameters (ValidatePpoOptions), a prompt_file that
// cannot be read or has no prompts.
absl::Status ValidateSpec(const v1::PpoJobSpec& spec);

}  // namespace shammie::ppo_trainer

#endif  // SHAMMIE_SERVICES_PPO_TRAINER_PPO_SPEC_H_
