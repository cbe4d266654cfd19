// The services `shammie up` runs in one process, started in dependency order
// and stopped in reverse: the collector (with the response sampler that
// serves the deployed policies), its HTTP server (labeler page, JSON API,
// dashboard, /metrics), the PM and PPO trainers (unless external ones are
// named), and the scheduler driving them over loopback gRPC — exactly the
// calls the separate processes make, so `up` exercises the real contracts.
//
// Every service reports into one metrics registry, served at /metrics on the
// HTTP port. The trainers and the scheduler authenticate to the collector and
// to each other with a SERVICE token UpStack creates at each start
// ("up-services-<unix time>"); the operator token (operator.token) only
// imports the starter comparisons.
//
// TLS: with `tls` set, every port the stack serves uses it (the collector's
// gRPC and HTTPS page, the trainers, the scheduler) and the in-process
// clients trust `tls_ca_file`, dialing 127.0.0.1 when a service listens on a
// wildcard address, so the certificate needs a subjectAltName for
// IP:127.0.0.1 as well as for the names outside clients use. Without TLS a
// non-loopback listen address gets each service's loud warning.
//
// Thread-safety: Start and the destructor from one thread; the
// accessors from any.
#ifndef SHAMMIE_SERVICES_CLI_UP_STACK_H_
#define SHAMMIE_SERVICES_CLI_UP_STACK_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/collector/collector_server.h"
#include "services/collector/http_server.h"
#include "services/collector/response_sampler.h"
#include "services/common/tls.h"
#include "services/dashboard/iteration_history.h"
#include "services/metrics/metrics_registry.h"
#include "services/pm_trainer/pm_trainer_server.h"
#include "services/ppo_trainer/ppo_trainer_server.h"
#include "services/scheduler/scheduler_server.h"
#include "shammie/v1/pm_trainer.pb.h"
#include "shammie/v1/ppo_trainer.pb.h"

namespace shammie::cli {

struct UpStackOptions {
  std::string data_dir;                 // required; every service keeps its state under it
  std::string base_checkpoint;          // required; absolute path of the base policy (π0)
  collector::PolicyLoader loader;       // required; checkpoint folder → text policy
  // Gold reward of a checkpoint's fresh samples (the synthetic task).
  std::function<absl::StatusOr<double>(const std::string& checkpoint)> gold_reward;
  std::shared_ptr<metrics::MetricsRegistry> registry;  // required

  std::string collector_listen = "127.0.0.1:50051";
  std::string http_listen = "127.0.0.1:8080";  // "" = no HTTP server
  std::string scheduler_listen = "127.0.0.1:50054";
  std::string pm_trainer_listen = "127.0.0.1:50052";
  std::string ppo_trainer_listen = "127.0.0.1:50053";
  // External trainers' addresses; both empty = run them in this process.
  std::string pm_trainer, ppo_trainer;

  // Serve every port with this certificate/key (empty = plaintext); the
  // in-process clients trust `tls_ca_file`, required with `tls`.
  services::TlsServerFiles tls;
  std::string tls_ca_file;

  uint32_t overlap = 1;
  // Imported into an empty collector at the first start (sim/starter_comparisons.h).
  int starter_comparisons = 2000;
  absl::Duration period = absl::Minutes(1);
  int max_iterations = 0;  // the cadence starts at most this many (0 = no limit)
  int min_comparisons = 200;
  v1::PmJobSpec pm;
  v1::PpoJobSpec ppo;
};

class UpStack {
 public:
  // Starts everything, deploying the base policy as policy-0000 when nothing
  // is deployed yet. The first failing service's status, its name first;
  // INVALID_ARGUMENT naming --tls-cert/--tls-key/--tls-ca for bad TLS files
  // or TLS without a CA, before anything starts.
  static absl::StatusOr<std::unique_ptr<UpStack>> Start(const UpStackOptions& options);
  ~UpStack();  // stops the scheduler, trainers, HTTP, collector (in that order)

  const std::string& collector_address() const { return collector_address_; }
  std::string http_url() const { return http_ ? http_->url() : ""; }
  int scheduler_port() const { return scheduler_->port(); }
  std::string pm_trainer_address() const { return pm_trainer_address_; }
  std::string ppo_trainer_address() const { return ppo_trainer_address_; }
  scheduler::Scheduler* scheduler() { return scheduler_->scheduler(); }
  const std::string& operator_token() const { return operator_token_; }
  // What in-process clients dial the collector with (TLS trusting the CA, or
  // plaintext).
  const std::shared_ptr<grpc::ChannelCredentials>& client_credentials() const {
    return client_credentials_;
  }

 private:
  UpStack() = default;
  absl::Status StartCollector(const UpStackOptions& o);
  absl::Status ImportStarterOnce(const UpStackOptions& o);
  absl::Status CreateServicesToken();
  absl::Status StartTrainers(const UpStackOptions& o);
  absl::Status StartScheduler(const UpStackOptions& o);

  std::unique_ptr<collector::ResponseSampler> sampler_;
  std::unique_ptr<collector::CollectorServer> collector_;
  std::unique_ptr<dashboard::IterationHistory> history_;
  std::unique_ptr<collector::HttpServer> http_;
  std::unique_ptr<pm_trainer::PmTrainerServer> pm_trainer_;
  std::unique_ptr<ppo_trainer::PpoTrainerServer> ppo_trainer_;
  std::unique_ptr<scheduler::SchedulerServer> scheduler_;
  std::string collector_address_, pm_trainer_address_, ppo_trainer_address_;
  std::string operator_token_;
  std::string services_token_;  // SERVICE role: trainers and scheduler
  std::shared_ptr<grpc::ChannelCredentials> client_credentials_;
};

}  // namespace shammie::cli

#endif  // SHAMMIE_SERVICES_CLI_UP_STACK_H_
