#include "services/cli/up_policy.h"

namespace shammie::cli {

absl::StatusOr<UpPolicy> MakeUpPolicy() {
  // Glue to policy-model's torch-free generator facade (load a checkpoint,
  // generate) and `shammie pretrain`. Neither is on the scheduler branch
  // yet; see docs/operators.md "shammie up".
  return absl::FailedPreconditionError(
      "shammie up needs policy checkpoints (policy-io) and the generator facade and pretraining "
      "(policy-model), which this build does not have yet");
}

}  // namespace shammie::cli
