// The PM and PPO job templates an iteration sends when the operator gives
// none, and the operator's --pm-spec / --ppo-spec text laid over them.
//
// The defaults are sized for the embedded default on a 2-core machine (the
// tiny byte-level policy on the synthetic task; docs/ppo.md shows what they
// were measured to do): a real deployment passes its own values. Text is
// protobuf text format; every field it names wins, including explicit zeros
// ("kl_coef: 0"), and the rest keep their defaults.
#ifndef SHAMMIE_SERVICES_SCHEDULER_ITERATION_DEFAULTS_H_
#define SHAMMIE_SERVICES_SCHEDULER_ITERATION_DEFAULTS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "shammie/v1/pm_trainer.pb.h"
#include "shammie/v1/ppo_trainer.pb.h"

namespace shammie::scheduler {

v1::PmJobSpec DefaultPmTemplate();
v1::PpoJobSpec DefaultPpoTemplate();

// INVALID_ARGUMENT naming `flag` when the text does not parse.
absl::StatusOr<v1::PmJobSpec> PmTemplateFromText(absl::string_view text, absl::string_view flag);
absl::StatusOr<v1::PpoJobSpec> PpoTemplateFromText(absl::string_view text, absl::string_view flag);

}  // namespace shammie::scheduler

#endif  // SHAMMIE_SERVICES_SCHEDULER_ITERATION_DEFAULTS_H_
