#include "services/pm_trainer/pm_trainer_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "services/pm_trainer/pm_job_work.h"

namespace shammie::pm_trainer {

absl::StatusOr<std::unique_ptr<PmTrainerServer>> PmTrainerServer::Start(
    const PmTrainerServerOptions& options) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("data_dir: required");
  std::unique_ptr<PmTrainerServer> s(new PmTrainerServer());
  auto server_credentials = services::MakeServerCredentials(options.tls);
  if (!server_credentials.ok()) return server_credentials.status();
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
  work.collector = s->collector_.get();
  work.checkpoint_every = options.checkpoint_every;
  work.rank = options.rank;
  work.world_size = options.world_size;
  work.master_addr = options.master_addr;
  work.master_port = options.master_port;
  jobs::JobRunnerOptions ro;
  ro.store = s->store_.get();
  ro.work = MakePmJobWork(work);
  ro.max_running = options.max_running;
  auto runner = jobs::JobRunner::Create(ro);  // resumes unfinished jobs
  if (!runner.ok()) return runner.status();
  s->runner_ = *std::move(runner);
  s->service_ = std::make_unique<PmTrainerService>(s->runner_.get(), s->collector_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, *server_credentials, &s->port_);
  builder.RegisterService(s->service_.get());
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen));
  }
  s->server_->GetHealthCheckService()->SetServingStatus(
      "shammie.v1.PreferenceModelTrainer", true);
  services::WarnIfPlaintextOffLoopback("the PM trainer", options.listen, options.tls.enabled());
  return s;
}

void PmTrainerServer::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (server_) {
    server_->GetHealthCheckService()->Shutdown();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
  runner_.reset();  // pauses running jobs (RUNNING on disk, resumed next start)
  store_.reset();
}

PmTrainerServer::~PmTrainerServer() { Shutdown(); }

}  // namespace shammie::pm_trainer
