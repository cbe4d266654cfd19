// The PM trainer's process wiring: job store (RocksDB in <data_dir>/jobs),
// job runner (resumes unfinished jobs at start), collector client, the
// PreferenceModelTrainer service, gRPC health and reflection.
// `shammie-pm-trainer` runs one; tests run one in-process on port 0.
//
// Thread-safe. Shutdown() stops the server (calls in flight finish), then
// the runner (running jobs pause RUNNING on disk; the next start resumes
// them), then closes the store.
#ifndef SHAMMIE_SERVICES_PM_TRAINER_PM_TRAINER_SERVER_H_
#define SHAMMIE_SERVICES_PM_TRAINER_PM_TRAINER_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/common/service_host.h"
#include "services/common/tls.h"
#include "services/common/token_gate.h"
#include "services/jobs/job_runner.h"
#include "services/pm_trainer/collector_client.h"
#include "services/pm_trainer/pm_trainer_service.h"
#include "storage/job_store.h"

namespace shammie::pm_trainer {

struct PmTrainerServerOptions {
  std::string listen = "127.0.0.1:50052";  // port 0 picks a free one
  std::string data_dir;                    // required: jobs/ (RocksDB), work/
  std::string artifact_dir;                // checkpoints/ go here; default data_dir
  std::string collector = "127.0.0.1:50051";
  std::string token;                       // bearer secret for the collector
  // TLS: serve with this certificate/key (empty = plaintext, warned about
  // off loopback); reach the collector trusting this CA (empty = plaintext).
  services::TlsServerFiles tls;
  std::string tls_ca_file;
  int max_running = 1;                     // jobs training at once
  int64_t checkpoint_every = 20;           // steps between resume states
  // Data parallel (RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT).
  int64_t rank = 0;
  int64_t world_size = 1;
  std::string master_addr;
  int master_port = 0;
  // Job, PM and RPC series go here (null makes a private registry);
  // metrics_listen serves it on /metrics ("" = not here, as in `shammie up`,
  // whose HTTP port serves the shared registry).
  std::shared_ptr<metrics::MetricsRegistry> metrics;
  std::string metrics_listen;
};

class PmTrainerServer {
 public:
  // INVALID_ARGUMENT without data_dir; UNAVAILABLE when the port cannot be
  // bound or the data dir is in use by another trainer.
  static absl::StatusOr<std::unique_ptr<PmTrainerServer>> Start(const PmTrainerServerOptions& options);
  ~PmTrainerServer();

  int port() const { return host_->port(); }
  int metrics_port() const { return host_->metrics_port(); }
  jobs::JobRunner* runner() { return runner_.get(); }
  void Shutdown();  // idempotent

 private:
  PmTrainerServer() = default;
  std::unique_ptr<storage::JobStore> store_;
  std::unique_ptr<CollectorClient> collector_;
  std::unique_ptr<jobs::JobRunner> runner_;
  std::unique_ptr<PmTrainerService> service_;
  // Asks the collector who calls (services/common/token_gate.h).
  std::unique_ptr<services::TokenGate> gate_;
  std::unique_ptr<services::ServiceHost> host_;
  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace shammie::pm_trainer

#endif  // SHAMMIE_SERVICES_PM_TRAINER_PM_TRAINER_SERVER_H_
