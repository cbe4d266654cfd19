#include "common/tensor_malloc.h"

#include <malloc.h>

#include <cstdlib>

namespace shammie::common {

void KeepTensorMemoryInHeap() {
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) {
    // 32 MiB is the largest value glibc accepts (half its 64 MiB heap size).
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
  }
  if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) {
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
}

}  // namespace shammie::common
