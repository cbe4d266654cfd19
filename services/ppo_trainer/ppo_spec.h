// PpoJobSpec ↔ the library's options, and StartJob's checks. Torch-free.
//
// Defaults for fields left 0 are the (docs/ppo.md): batch 32,
// minibatch 8, 1 PPO epoch, learning rate 1e-5, β 0.05 fixed, horizon
// 10 000, ε 0.2 / 0.2, value coefficient 0.1, γ 1, λ 0.95, 32 response
// tokens, temperature 1. γ and λ cannot be set to 0 through the proto
// (0 means "default"); that is the price of proto3 scalars.
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
