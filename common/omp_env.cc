#include "common/omp_env.h"

#include <unistd.h>

#include <cstdlib>

namespace shammie::common {

void EnsurePassiveOmpWait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/1);
  execv("/proc/self/exe", argv);
  // execv only returns on failure: carry on with the default policy.
}

}  // namespace shammie::common
