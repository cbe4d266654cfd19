// Keeps LibTorch's OpenMP workers from spinning against OpenBLAS threads.
//
// On a 2-core machine, libgomp's default active wait makes OpenMP workers
// spin while OpenBLAS's own threads run, costing 1.3–3× in training speed.
// libgomp reads OMP_WAIT_POLICY once, when it is loaded — before main() — so
// setting it from inside the process is too late. A binary that runs torch
// calls this first thing in main(): if the variable is unset, it sets
// OMP_WAIT_POLICY=PASSIVE and re-executes itself with the same arguments.
// An operator who sets OMP_WAIT_POLICY explicitly is left alone.
#ifndef SHAMMIE_COMMON_OMP_ENV_H_
#define SHAMMIE_COMMON_OMP_ENV_H_

namespace shammie::common {

// Returns normally when the environment is already right; otherwise does not
// return (execv) unless re-execution fails, in which case it returns and the
// program runs with the default policy.
void EnsurePassiveOmpWait(char** argv);

}  // namespace shammie::common

#endif  // SHAMMIE_COMMON_OMP_ENV_H_
