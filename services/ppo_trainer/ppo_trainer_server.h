// The PPO trainer's process wiring: job store (RocksDB in <data_dir>/jobs),
// job runner (resumes unfinished jobs at start), the PolicyTrainer service,
// PPO and job series, hosted by services::ServiceHost (health, reflection,
// RPC metrics, an optional /metrics endpoint). `shammie-ppo-trainer` runs
// one; `shammie up` and tests run one in-process.
//
// Thread-safe. Shutdown() stops the server (calls in flight finish), then
// the runner (running jobs pause RUNNING on disk; the next start resumes
// them from their last checkpoint), then closes the store.
#ifndef SHAMMIE_SERVICES_PPO_TRAINER_PPO_TRAINER_SERVER_H_
#define SHAMMIE_SERVICES_PPO_TRAINER_PPO_TRAINER_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/common/service_host.h"
#include "services/common/tls.h"
#include "services/common/token_gate.h"
#include "services/jobs/job_runner.h"
#include "services/ppo_trainer/ppo_job.h"
#include "services/ppo_trainer/ppo_ranks.h"
#include "services/ppo_trainer/ppo_trainer_service.h"
#include "storage/job_store.h"

namespace shammie::ppo_trainer {

struct PpoTrainerServerOptions {
  std::string listen = "127.0.0.1:50053";  // port 0 picks a free one
  std::string data_dir;                    // required: jobs/ (RocksDB)
  std::string artifact_dir;                // checkpoints; default <data_dir>/artifacts
  std::string collector = "127.0.0.1:50051";  // prompts: contexts of stored comparisons
  std::string token;                          // bearer secret for the collector
  // TLS: serve with this certificate/key (empty = plaintext, warned about
  // off loopback); reach the collector trusting this CA (empty = plaintext).
  services::TlsServerFiles tls;
  std::string tls_ca_file;
  int max_running = 1;                        // jobs training at once
  // Job, PPO and RPC series go here (null makes a private registry);
  // metrics_listen serves it on /metrics ("" = not here).
  std::shared_ptr<metrics::MetricsRegistry> metrics;
  std::string metrics_listen;
  // Data parallel: this server is rank 0 of the channel's group and steps
  // every job with the follower ranks (ppo_ranks.h); max_running is then 1.
  // Null = one process.
  std::shared_ptr<RankChannel> ranks;
};

// PM checkpoint folders as episode scorers (reward_model/pm_episode_scorer.h):
// the loader the server's jobs use, for the follower ranks.
PmLoader DefaultPmLoader();

class PpoTrainerServer {
 public:
  // INVALID_ARGUMENT without data_dir or for bad TLS files (naming the
  // flag); UNAVAILABLE when a port cannot be
  // bound or the data dir is in use by another trainer.
  static absl::StatusOr<std::unique_ptr<PpoTrainerServer>> Start(const PpoTrainerServerOptions& options);
  ~PpoTrainerServer();

  int port() const { return host_->port(); }
  int metrics_port() const { return host_->metrics_port(); }
  jobs::JobRunner* runner() { return runner_.get(); }
  void Shutdown();  // idempotent

 private:
  PpoTrainerServer() = default;
  std::unique_ptr<storage::JobStore> store_;
  std::unique_ptr<jobs::JobRunner> runner_;
  std::unique_ptr<PolicyTrainerService> service_;
  // Asks the collector who calls (services/common/token_gate.h).
  std::unique_ptr<services::TokenGate> gate_;
  std::unique_ptr<services::ServiceHost> host_;
  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace shammie::ppo_trainer

#endif  // SHAMMIE_SERVICES_PPO_TRAINER_PPO_TRAINER_SERVER_H_
