// How many threads OpenBLAS uses for one BLAS call, changed at run time.
//
// Why: OpenBLAS (Debian's libopenblas0-pthread) runs every large enough
// matmul on its own thread pool, one thread per core. When Shammie splits a
// batch over one thread per core (policy/parallel_shards.h), each of those
// threads already owns a core, and a BLAS call fanning out again would put two
// threads on each core. While any such section runs, OpenBLAS is held to one
// thread per call; the previous setting returns when the last one ends.
//
// The setting is process-wide (OpenBLAS has no per-thread one): a matmul on an
// unrelated thread during a sharded section also runs single-threaded.
// When the loaded BLAS is not OpenBLAS the guard does nothing.
// Thread-safe.
#ifndef SHAMMIE_COMMON_BLAS_THREADS_H_
#define SHAMMIE_COMMON_BLAS_THREADS_H_

namespace shammie::common {

// OpenBLAS's current thread count, or 0 when OpenBLAS is not loaded.
int BlasThreads();

class ScopedSingleThreadBlas {
 public:
  ScopedSingleThreadBlas();
  ~ScopedSingleThreadBlas();
  ScopedSingleThreadBlas(const ScopedSingleThreadBlas&) = delete;
  ScopedSingleThreadBlas& operator=(const ScopedSingleThreadBlas&) = delete;
};

}  // namespace shammie::common

#endif  // SHAMMIE_COMMON_BLAS_THREADS_H_
