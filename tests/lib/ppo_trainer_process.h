// shammie-ppo-trainer as a real child process for tests: started with the
// given flags (and environment, for WORLD_SIZE ranks), a PolicyTrainer stub
// whose calls carry a bearer token once it prints "listening on HOST:PORT",
// SIGTERM when destroyed (SIGKILL on demand, for crash tests).
#ifndef SHAMMIE_TESTS_LIB_PPO_TRAINER_PROCESS_H_
#define SHAMMIE_TESTS_LIB_PPO_TRAINER_PROCESS_H_

#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "shammie/v1/ppo_trainer.grpc.pb.h"
#include "tests/lib/bearer_channel.h"
#include "tests/lib/child_process.h"

namespace shammie::testing {

class PpoTrainerProcess {
 public:
  explicit PpoTrainerProcess(const std::vector<std::string>& args, const ChildOptions& options = {})
      : process_("shammie-ppo-trainer", args, options) {}
  ~PpoTrainerProcess() {
    if (process_.running()) process_.Kill(SIGTERM);
  }

  // Waits for the trainer to serve; false when it exited or printed
  // something else first. Then stub() calls carry `token`.
  bool Connect(const std::string& token) {
    std::optional<std::string> line = process_.ReadLine(std::chrono::seconds(60));
    if (!line || line->find("listening on ") == std::string::npos) return false;
    channel_ = BearerChannel(line->substr(line->find("on ") + 3), token);
    stub_ = v1::PolicyTrainer::NewStub(channel_);
    return true;
  }
  bool connected() const { return stub_ != nullptr; }
  v1::PolicyTrainer::Stub& stub() { return *stub_; }
  ChildProcess& process() { return process_; }
  void KillHard() { process_.Kill(SIGKILL); }

 private:
  ChildProcess process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::PolicyTrainer::Stub> stub_;
};

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_LIB_PPO_TRAINER_PROCESS_H_
