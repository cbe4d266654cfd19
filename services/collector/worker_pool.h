// WorkerPool: a fixed set of threads running queued closures.
//
// gRPC's callback API runs handlers on its reactor threads, which must not
// block. Collector calls block (SubmitComparison waits for the group commit's
// fsync), so the service hands each call to this pool. The pool is sized for
// how many calls may wait on an fsync at once: every waiter joins the next
// batch, so more threads means bigger batches, not more fsyncs.
//
// Thread-safe. The destructor runs every queued closure, then joins.
#ifndef SHAMMIE_SERVICES_COLLECTOR_WORKER_POOL_H_
#define SHAMMIE_SERVICES_COLLECTOR_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace shammie::collector {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Schedule(std::function<void()> fn);

 private:
  void Loop();

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_WORKER_POOL_H_
