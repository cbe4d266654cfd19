// Keeps the collector supplied with labeling tasks for the simulated crowd:
// whenever fewer than `min_open_tasks` tasks want labels, it creates more
// from the synthetic task's prompts, without candidates — so the collector's
// sampler writes both responses with the deployed policies, exactly as for a
// real operator's prompt list.
//
// One background thread; thread-safe Start/Stop/Stats.
#ifndef SHAMMIE_SIM_TASK_FEEDER_H_
#define SHAMMIE_SIM_TASK_FEEDER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace grpc {
class ChannelCredentials;
}  // namespace grpc

namespace shammie::sim {

struct TaskFeederOptions {
  std::string collector_address;  // "127.0.0.1:50051"
  // TLS to the collector (services/common/tls.h MakeChannelCredentials);
  // null = plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::string token;  // role service or operator (CreateTask)
  // Deadline of each call (a stuck collector: an error, never a hang).
  absl::Duration rpc_deadline = absl::Seconds(60);
  uint64_t min_open_tasks = 32;
  // Tasks created per top-up at most.
  uint64_t batch = 16;
  absl::Duration poll_interval = absl::Milliseconds(200);
  uint64_t seed = 1;
};

struct TaskFeederStats {
  uint64_t created = 0;
  uint64_t errors = 0;  // e.g. FAILED_PRECONDITION before a policy is deployed
  std::string last_error;
};

class TaskFeeder {
 public:
  explicit TaskFeeder(TaskFeederOptions options) : options_(std::move(options)) {}
  ~TaskFeeder() { Stop(); }
  void Start();
  void Stop();
  TaskFeederStats Stats() const;

 private:
  void Run();

  const TaskFeederOptions options_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable absl::Mutex mu_;
  TaskFeederStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shammie::sim

#endif  // SHAMMIE_SIM_TASK_FEEDER_H_
