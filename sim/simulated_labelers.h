// A crowd of simulated labelers: N concurrent clients of the collector's
// gRPC API, each with its own labeler token, doing what a person on the
// labeling page does — NextTask, read the conversation and the two
// responses, SubmitComparison with a preference on the 8-point scale, and now
// and then write the next human turn (which makes the collector create a
// follow-up task). The choice is SimulatedLabeler's Bradley–Terry on the
// hidden gold reward (≈70% agreement with gold).
//
// Each labeler runs on its own thread with its own SimulatedLabeler (seeded
// seed + index). A submit that fails UNAVAILABLE is retried with the same
// client_request_id, so the collector stores it once.
//
// Thread-safe: Start/Stop/Stats may be called from any thread.
#ifndef SHAMMIE_SIM_SIMULATED_LABELERS_H_
#define SHAMMIE_SIM_SIMULATED_LABELERS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "shammie/v1/collector.pb.h"
#include "sim/simulated_labeler.h"

namespace grpc {
class ChannelCredentials;
}  // namespace grpc

namespace shammie::sim {

struct SimulatedLabelersOptions {
  // Collector gRPC address, e.g. "127.0.0.1:50051".
  std::string collector_address;
  // TLS to the collector (services/common/tls.h MakeChannelCredentials);
  // null = plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // One bearer secret per labeler (role LABELER): N = tokens.size().
  std::vector<std::string> tokens;
  // Bradley–Terry temperature on the gold reward (kDefaultLabelerTemperature
  // gives ≈70% agreement).
  double temperature = kDefaultLabelerTemperature;
  // Probability that a submit carries a new human turn (a fresh task prompt).
  double new_turn_probability = 0.1;
  // Pause after NextTask finds nothing to label.
  absl::Duration idle_backoff = absl::Milliseconds(200);
  // Pause between submits of one labeler (0 = as fast as the collector goes).
  absl::Duration think_time = absl::ZeroDuration();
  uint64_t seed = 1;
  // Deadline of NextTask; a submit (which waits for an fsync, and is
  // retried) gets three times this. A stuck collector costs a labeler this
  // long and an error, never a hang.
  absl::Duration rpc_deadline = absl::Seconds(10);
};

struct SimulatedLabelersStats {
  uint64_t submitted = 0;
  // Submits whose choice matched the higher gold reward (ties excluded).
  uint64_t agreed_with_gold = 0;
  uint64_t decided_by_gold = 0;  // submits where gold rewards differed
  uint64_t new_turns = 0;
  uint64_t idle_polls = 0;  // NextTask NOT_FOUND
  uint64_t errors = 0;      // RPCs that failed other than NOT_FOUND
  std::string last_error;
};

// "\n\nHuman: …\n\nAssistant: …\n\nAssistant:" — the dialog text the gold
// reward reads, from a Conversation (ending with the assistant prompt).
std::string RenderDialog(const v1::Conversation& context);

class SimulatedLabelers {
 public:
  explicit SimulatedLabelers(SimulatedLabelersOptions options);
  ~SimulatedLabelers();  // Stop()s

  // Starts one thread per token. Idempotent.
  void Start();
  // Stops and joins the threads (each finishes its RPC in flight).
  void Stop();
  SimulatedLabelersStats Stats() const;

 private:
  void Label(int index);

  const SimulatedLabelersOptions options_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  mutable absl::Mutex mu_;
  SimulatedLabelersStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shammie::sim

#endif  // SHAMMIE_SIM_SIMULATED_LABELERS_H_
