#include "services/pm_trainer/pm_trainer_server.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "services/pm_trainer/pm_job_work.h"

namespace shammie::pm_trainer {

absl::StatusOr<std::unique_ptr<PmTrainerServer>> PmTrainerServer::Start(
    const PmTrainerServerOptions& options) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("data_dir: required");
  std::unique_ptr<PmTrainerServer> s(new PmTrainerServer());
  // TLS files first: a bad certificate should not cost a store open.
  if (absl::Status st = services::ValidateTlsServerFiles(options.tls); !st.ok()) return st;
  auto channel_credentials = services::MakeChannelCredentials(options.tls_ca_file);
  if (!channel_credentials.ok()) return channel_credentials.status();
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  auto store = storage::JobStore::Open(
      {(std::filesystem::path(options.data_dir) / "jobs").string(), "pm"});
  if (!store.ok()) return store.status();
  s->store_ = *std::move(store);
  s->collector_ =
      std::make_unique<CollectorClient>(options.collector, options.token, *channel_credentials);

  PmJobWorkOptions work;
  work.data_dir = options.data_dir;
  work.checkpoint_root = options.artifact_dir;
  work.collector = s->collector_.get();
  work.checkpoint_every = options.checkpoint_every;
  work.rank = options.rank;
  work.world_size = options.world_size;
  work.master_addr = options.master_addr;
  work.master_port = options.master_port;
  auto registry = options.metrics ? options.metrics : metrics::MetricsRegistry::Create();
  work.metrics = std::make_shared<metrics::PmMetrics>(registry);
  jobs::JobRunnerOptions ro;
  ro.metrics = registry;
  ro.trainer = "pm";
  ro.store = s->store_.get();
  ro.work = MakePmJobWork(work);
  ro.max_running = options.max_running;
  auto runner = jobs::JobRunner::Create(ro);  // resumes unfinished jobs
  if (!runner.ok()) return runner.status();
  s->runner_ = *std::move(runner);
  // Callers are checked by the collector this trainer already uses.
  s->gate_ = std::make_unique<services::TokenGate>(
      grpc::CreateChannel(options.collector, *channel_credentials), absl::Seconds(10));
  s->service_ =
      std::make_unique<PmTrainerService>(s->runner_.get(), s->collector_.get(), s->gate_.get());

  services::ServiceHostOptions host;
  host.listen = options.listen;
  host.metrics = registry;
  host.metrics_listen = options.metrics_listen;
  host.health_services = {"shammie.v1.PreferenceModelTrainer"};
  host.tls = options.tls;
  host.name = "the PM trainer";
  auto served = services::ServiceHost::Start(host, {s->service_.get()});
  if (!served.ok()) return served.status();
  s->host_ = *std::move(served);
  return s;
}

void PmTrainerServer::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (host_) host_->Shutdown();
  if (gate_) gate_->WaitForCalls();  // caller checks in flight still use the runner
  runner_.reset();  // pauses running jobs (RUNNING on disk, resumed next start)
  store_.reset();
}

PmTrainerServer::~PmTrainerServer() { Shutdown(); }

}  // namespace shammie::pm_trainer
