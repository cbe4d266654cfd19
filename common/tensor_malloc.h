// Keeps freed tensor memory in the process instead of returning it to the
// kernel after every op.
//
// LibTorch's CPU allocator is plain malloc. Activations of a training step
// are 0.1–8 MB each, which glibc serves with mmap and returns with munmap,
// so every step faults in and zeroes the same pages again: 10% of a PPO
// step's samples were in the kernel (page faults, clear_page). Serving them
// from the heap and not trimming it makes `shammie bench ppo` 8–9% faster
// (docs/results.md). The cost is that RSS stays at the peak of a step.
// Binaries that run torch call this first thing in main(), after
// EnsurePassiveOmpWait; an operator's MALLOC_* environment wins.
#ifndef SHAMMIE_COMMON_TENSOR_MALLOC_H_
#define SHAMMIE_COMMON_TENSOR_MALLOC_H_

namespace shammie::common {

void KeepTensorMemoryInHeap();

}  // namespace shammie::common

#endif  // SHAMMIE_COMMON_TENSOR_MALLOC_H_
