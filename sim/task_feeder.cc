#include "sim/task_feeder.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "shammie/v1/collector.grpc.pb.h"
#include "sim/task_generator.h"

namespace shammie::sim {

void TaskFeeder::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void TaskFeeder::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

TaskFeederStats TaskFeeder::Stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void TaskFeeder::Run() {
  auto stub = v1::ComparisonService::NewStub(grpc::CreateChannel(
      options_.collector_address,
      options_.credentials ? options_.credentials : grpc::InsecureChannelCredentials()));
  TaskGenerator prompts(options_.seed);
  auto context = [&] {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + options_.rpc_deadline));
    return ctx;
  };
  auto fail = [&](const grpc::Status& s) {
    absl::MutexLock lock(&mu_);
    ++stats_.errors;
    stats_.last_error = s.error_message();
  };
  while (!stop_) {
    v1::Stats stats;
    grpc::Status s = stub->GetStats(context().get(), v1::GetStatsRequest(), &stats);
    if (!s.ok()) {
      fail(s);
    } else {
      uint64_t missing = stats.open_tasks() < options_.min_open_tasks
                             ? options_.min_open_tasks - stats.open_tasks()
                             : 0;
      for (uint64_t i = 0; i < std::min(missing, options_.batch) && !stop_; ++i) {
        v1::CreateTaskRequest req;
        auto* turn = req.mutable_context()->add_turns();
        turn->set_role(v1::HUMAN);
        turn->set_text(prompts.NextPrompt().human);
        v1::LabelingTask task;
        s = stub->CreateTask(context().get(), req, &task);
        if (!s.ok()) {
          fail(s);
          break;
        }
        absl::MutexLock lock(&mu_);
        ++stats_.created;
      }
    }
    absl::Time until = absl::Now() + options_.poll_interval;
    while (!stop_ && absl::Now() < until) absl::SleepFor(absl::Milliseconds(20));
  }
}

}  // namespace shammie::sim
