#include "services/scheduler/scheduler_server.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "services/common/service_host.h"
#include "services/scheduler/iteration_recorder.h"
#include "services/scheduler/scheduler_service.h"

namespace shammie::scheduler {
namespace {

class RunningSchedulerServer : public SchedulerServer {
 public:
  RunningSchedulerServer(std::unique_ptr<GrpcPipeline> pipeline,
                         std::unique_ptr<Scheduler> scheduler)
      : pipeline_(std::move(pipeline)),
        scheduler_(std::move(scheduler)),
        gate_(pipeline_->collector_channel(), absl::Seconds(10)),
        service_(scheduler_.get(), &gate_) {}

  ~RunningSchedulerServer() override {
    Shutdown();
    if (subscription_) scheduler_->Unsubscribe(subscription_);
  }

  absl::Status Serve(const SchedulerServerOptions& options) {
    registry_ = options.metrics ? options.metrics : metrics::MetricsRegistry::Create();
    if (!options.artifact_dir.empty()) {
      SHAMMIE_ASSIGN_OR_RETURN(history_, dashboard::IterationHistory::Open(options.artifact_dir));
    }
    IterationRecorderOptions recorder;
    recorder.metrics = registry_;
    recorder.history = history_.get();
    recorder.pipeline = pipeline_.get();
    recorder.base_snapshot = options.scheduler.iteration.base_snapshot;
    recorder_ = std::make_unique<IterationRecorder>(std::move(recorder));
    subscription_ = scheduler_->Subscribe([this](const v1::Iteration& it) { recorder_->Observe(it); });
    services::ServiceHostOptions host;
    host.listen = options.listen;
    host.metrics = registry_;
    host.metrics_listen = options.metrics_listen;
    host.health_services = {"shammie.v1.Scheduler"};
    host.tls = options.tls;
    host.name = "the scheduler";
    SHAMMIE_ASSIGN_OR_RETURN(host_, services::ServiceHost::Start(host, {&service_}));
    scheduler_->Start();
    return absl::OkStatus();
  }

  int port() const override { return host_->port(); }
  int metrics_port() const override { return host_->metrics_port(); }
  Scheduler* scheduler() override { return scheduler_.get(); }
  void Wait() override { host_->Wait(); }
  void Shutdown() override {
    if (host_) host_->Shutdown(absl::Seconds(2));
    gate_.WaitForCalls();  // operator checks in flight still call the scheduler
    scheduler_->Stop();
  }

 private:
  std::unique_ptr<GrpcPipeline> pipeline_;
  std::unique_ptr<Scheduler> scheduler_;
  services::TokenGate gate_;
  SchedulerService service_;
  std::shared_ptr<metrics::MetricsRegistry> registry_;
  std::unique_ptr<services::ServiceHost> host_;
  std::unique_ptr<dashboard::IterationHistory> history_;
  std::unique_ptr<IterationRecorder> recorder_;
  int subscription_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SchedulerServer>> SchedulerServer::Start(
    SchedulerServerOptions options) {
  auto pipeline = std::make_unique<GrpcPipeline>(options.pipeline);
  SHAMMIE_ASSIGN_OR_RETURN(auto scheduler,
                           Scheduler::Open(options.scheduler, pipeline.get(), common::Clock::Real()));
  auto server = std::make_unique<RunningSchedulerServer>(std::move(pipeline), std::move(scheduler));
  SHAMMIE_RETURN_IF_ERROR(server->Serve(options));
  return std::unique_ptr<SchedulerServer>(std::move(server));
}

}  // namespace shammie::scheduler
