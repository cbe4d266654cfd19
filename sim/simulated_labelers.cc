#include "sim/simulated_labelers.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "grpcpp/grpcpp.h"
#include "shammie/v1/collector.grpc.pb.h"
#include "sim/gold_reward.h"
#include "sim/task_generator.h"

namespace shammie::sim {

std::string RenderDialog(const v1::Conversation& context) {
  std::string out;
  for (const v1::Turn& t : context.turns()) {
    if (t.role() == v1::HUMAN) {
      absl::StrAppend(&out, "\n\nHuman: ", absl::StripAsciiWhitespace(t.text()));
    } else {
      // Responses are written with their leading space (" 12."); keep one.
      absl::StrAppend(&out, "\n\nAssistant: ", absl::StripAsciiWhitespace(t.text()));
    }
  }
  absl::StrAppend(&out, "\n\nAssistant:");
  return out;
}

SimulatedLabelers::SimulatedLabelers(SimulatedLabelersOptions options)
    : options_(std::move(options)) {}

SimulatedLabelers::~SimulatedLabelers() { Stop(); }

void SimulatedLabelers::Start() {
  if (!threads_.empty()) return;
  stop_ = false;
  for (size_t i = 0; i < options_.tokens.size(); ++i) {
    threads_.emplace_back([this, i] { Label(static_cast<int>(i)); });
  }
}

void SimulatedLabelers::Stop() {
  stop_ = true;
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

SimulatedLabelersStats SimulatedLabelers::Stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void SimulatedLabelers::Label(int index) {
  auto channel = grpc::CreateChannel(
      options_.collector_address,
      options_.credentials ? options_.credentials : grpc::InsecureChannelCredentials());
  auto stub = v1::ComparisonService::NewStub(channel);
  const std::string auth = absl::StrCat("Bearer ", options_.tokens[index]);
  SimulatedLabeler labeler({options_.temperature, options_.seed * 1000003 + index});
  TaskGenerator prompts(options_.seed * 7919 + index);
  SimRng rng(options_.seed * 104729 + index);
  uint64_t submit_counter = 0;

  auto sleep_unless_stopped = [&](absl::Duration d) {
    absl::Time until = absl::Now() + d;
    while (!stop_ && absl::Now() < until) absl::SleepFor(std::min(d, absl::Milliseconds(20)));
  };
  auto record_error = [&](const grpc::Status& s, const char* what) {
    absl::MutexLock lock(&mu_);
    ++stats_.errors;
    stats_.last_error = absl::StrCat(what, ": ", s.error_message());
  };

  while (!stop_) {
    v1::LabelingTask task;
    {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", auth);
      ctx.set_deadline(absl::ToChronoTime(absl::Now() + options_.rpc_deadline));
      grpc::Status s = stub->NextTask(&ctx, v1::NextTaskRequest(), &task);
      if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
        {
          absl::MutexLock lock(&mu_);
          ++stats_.idle_polls;
        }
        sleep_unless_stopped(options_.idle_backoff);
        continue;
      }
      if (!s.ok()) {
        record_error(s, "NextTask");
        sleep_unless_stopped(options_.idle_backoff);
        continue;
      }
    }
    const std::string dialog = RenderDialog(task.context());
    const double gold_a = GoldReward::Reward(dialog, task.response_a().text());
    const double gold_b = GoldReward::Reward(dialog, task.response_b().text());
    v1::SubmitComparisonRequest req;
    req.set_task_id(task.id());
    req.set_preference(labeler.ChooseByGold(gold_a, gold_b));
    req.set_client_request_id(absl::StrCat("sim-", index, "-", options_.seed, "-", ++submit_counter));
    const bool new_turn = rng.Bernoulli(options_.new_turn_probability);
    if (new_turn) req.set_next_human_turn(prompts.NextPrompt().human);

    // Retry UNAVAILABLE with the same client_request_id: stored once.
    grpc::Status s;
    v1::Comparison stored;
    for (int attempt = 0; attempt < 5 && !stop_; ++attempt) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", auth);
      ctx.set_deadline(absl::ToChronoTime(absl::Now() + 3 * options_.rpc_deadline));
      s = stub->SubmitComparison(&ctx, req, &stored);
      if (s.error_code() != grpc::StatusCode::UNAVAILABLE) break;
      sleep_unless_stopped(absl::Milliseconds(100 << attempt));
    }
    if (!s.ok()) {
      record_error(s, "SubmitComparison");
      continue;
    }
    {
      absl::MutexLock lock(&mu_);
      ++stats_.submitted;
      if (new_turn) ++stats_.new_turns;
      if (std::fabs(gold_a - gold_b) > 1e-9) {
        ++stats_.decided_by_gold;
        if (SimulatedLabeler::PrefersA(req.preference()) == (gold_a > gold_b)) {
          ++stats_.agreed_with_gold;
        }
      }
    }
    if (options_.think_time > absl::ZeroDuration()) sleep_unless_stopped(options_.think_time);
  }
}

}  // namespace shammie::sim
