// `shammie up`: the embedded default — the collector (with its sampler), the
// trainers, the scheduler and a crowd of simulated labelers in ONE process on
// loopback ports, on the synthetic task. Pretrains the tiny base policy if
// the data dir has none, deploys it as policy-0000, shows progress on the
// terminal, and with --iterations N --exit-when-done prints the table per
// iteration and exits (--summary-json writes it as JSON).
//
//   shammie up [--data-dir .shammie] [--iterations N --exit-when-done]
//              [--summary-json FILE] [--period 1m] [--labelers 8]
//              [--min-comparisons 200] [--pm-spec TEXT] [--ppo-spec TEXT]
//              [--pm-trainer ADDR --ppo-trainer ADDR]
//
// Layout of the data dir: the collector's RocksDB and operator.token at the
// top, scheduler/ (iterations), base-policy/ (the pretrained checkpoint),
// deployment.json (the sampler's snapshots). SIGINT/SIGTERM stop cleanly.
#include <signal.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/text_format.h"
#include "services/cli/collector_client.h"
#include "services/cli/iteration_report.h"
#include "services/cli/up_policy.h"
#include "services/collector/collector_server.h"
#include "services/collector/http_server.h"
#include "services/metrics/metrics_registry.h"
#include "services/collector/operator_token.h"
#include "services/collector/wait_for_signal.h"
#include "services/scheduler/elo.h"
#include "services/scheduler/scheduler_server.h"
#include "sim/simulated_labelers.h"
#include "sim/task_feeder.h"

namespace shammie::cli {
namespace {

struct UpFlags {
  std::string data_dir;
  std::string collector_listen;
  std::string http_listen;  // labeler page, JSON API, dashboard, /metrics; "" = off
  // One registry for every service in this process, served at /metrics on
  // the HTTP port (docs/metrics.md).
  std::shared_ptr<metrics::MetricsRegistry> registry = metrics::MetricsRegistry::Create();
  std::string scheduler_listen;
  std::string pm_trainer, ppo_trainer;
  int iterations = 0;  // 0 = until Ctrl-C
  bool exit_when_done = false;
  std::string summary_json;
  absl::Duration period;
  int labelers = 8;
  int min_comparisons = 200;
  uint32_t overlap = 1;
  v1::PmJobSpec pm;
  v1::PpoJobSpec ppo;
};

absl::StatusOr<UpFlags> ParseUpFlags(Args& args) {
  UpFlags f;
  f.data_dir = args.Get("data-dir", ".shammie");
  f.collector_listen = args.Get("listen", kDefaultCollector);
  f.http_listen = args.Get("http-listen", "127.0.0.1:8080");
  f.scheduler_listen = args.Get("scheduler-listen", "127.0.0.1:50054");
  f.pm_trainer = args.Get("pm-trainer");
  f.ppo_trainer = args.Get("ppo-trainer");
  auto iterations = args.GetInt("iterations", 0);
  if (!iterations.ok()) return iterations.status();
  f.iterations = static_cast<int>(*iterations);
  f.exit_when_done = args.GetBool("exit-when-done");
  if (f.exit_when_done && f.iterations <= 0) {
    return absl::InvalidArgumentError("--exit-when-done needs --iterations N");
  }
  f.summary_json = args.Get("summary-json");
  auto period = scheduler::ParsePeriod(args.Get("period", "1m"), "--period");
  if (!period.ok()) return period.status();
  f.period = *period;
  auto labelers = args.GetInt("labelers", 8);
  if (!labelers.ok()) return labelers.status();
  if (*labelers < 1 || *labelers > 256) return absl::InvalidArgumentError("--labelers: 1..256");
  f.labelers = static_cast<int>(*labelers);
  auto min_comparisons = args.GetInt("min-comparisons", 200);
  if (!min_comparisons.ok()) return min_comparisons.status();
  f.min_comparisons = static_cast<int>(*min_comparisons);
  auto overlap = args.GetInt("overlap", 1);
  if (!overlap.ok()) return overlap.status();
  f.overlap = static_cast<uint32_t>(std::max<int64_t>(1, *overlap));
  using google::protobuf::TextFormat;
  if (!TextFormat::ParseFromString(args.Get("pm-spec"), &f.pm)) {
    return absl::InvalidArgumentError("--pm-spec: not a PmJobSpec in text format");
  }
  if (!TextFormat::ParseFromString(args.Get("ppo-spec"), &f.ppo)) {
    return absl::InvalidArgumentError("--ppo-spec: not a PpoJobSpec in text format");
  }
  if (f.pm_trainer.empty() != f.ppo_trainer.empty()) {
    return absl::InvalidArgumentError("--pm-trainer and --ppo-trainer go together");
  }
  return f;
}

// The crowd needs tokens of its own; names carry the start time so a
// restarted `shammie up` never collides with the tokens of a previous run.
absl::StatusOr<std::vector<std::string>> CrowdTokens(v1::ComparisonService::Stub* stub,
                                                     const std::string& operator_token, int n) {
  std::vector<std::string> secrets;
  const int64_t run = absl::ToUnixSeconds(absl::Now());
  for (int i = 0; i < n; ++i) {
    v1::CreateTokenRequest req;
    req.set_name(absl::StrCat("sim-", run, "-", i + 1));
    req.set_role(v1::SERVICE);  // recorded as SOURCE_SIMULATED
    v1::Token token;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", operator_token));
    grpc::Status s = stub->CreateToken(&ctx, req, &token);
    if (!s.ok()) return absl::UnavailableError(absl::StrCat("creating crowd tokens: ", s.error_message()));
    secrets.push_back(token.secret());
  }
  return secrets;
}

// Elo of every snapshot from all comparisons so far (the scheduler's fit is
// as of each EVALUATE; this one also sees the last round).
void RefitElo(v1::ComparisonService::Stub* stub, const std::string& token,
              std::vector<v1::Iteration>* iterations) {
  std::vector<scheduler::PairCount> pairs;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  auto reader = stub->ExportComparisons(&ctx, v1::ExportComparisonsRequest());
  v1::Comparison c;
  scheduler::PairCount p;
  while (reader->Read(&c)) {
    if (scheduler::PairFromComparison(c, &p)) pairs.push_back(p);
  }
  if (!reader->Finish().ok()) return;
  std::vector<std::string> order = {"policy-0000"};
  for (const auto& it : *iterations) order.push_back(it.policy_snapshot());
  auto fit = scheduler::FitElo(order, pairs);
  if (!fit.ok()) return;
  for (auto& it : *iterations) {
    auto s = fit->find(it.policy_snapshot());
    if (s == fit->end()) continue;
    it.set_elo(s->second.elo);
    it.set_elo_ci_low(s->second.ci_low);
    it.set_elo_ci_high(s->second.ci_high);
  }
}

// The labeler page and JSON API on the same Collector as gRPC; null when
// --http-listen is "".
absl::StatusOr<std::unique_ptr<collector::HttpServer>> StartHttp(collector::Collector* c,
                                                                 const UpFlags& f,
                                                                 bool sampler_configured) {
  if (f.http_listen.empty()) return std::unique_ptr<collector::HttpServer>();
  collector::HttpServerOptions options;
  options.listen = f.http_listen;
  options.sampler_configured = sampler_configured;
  options.metrics = f.registry;
  return collector::HttpServer::Start(c, options);
}

// SIGINT/SIGTERM (blocked by BlockStopSignals) within `timeout`?
bool StopRequested(absl::Duration timeout) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  timespec ts = absl::ToTimespec(timeout);
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

// The collector alone, until Ctrl-C: what `up` can run without policies.
int RunCollectorOnly(const UpFlags& f, const absl::Status& why) {
  collector::CollectorServerOptions co;
  co.listen = f.collector_listen;
  co.collector.data_dir = f.data_dir;
  co.collector.default_overlap = f.overlap;
  co.metrics = f.registry;
  auto server = collector::CollectorServer::Start(co);
  if (!server.ok()) return Fail("up", server.status());
  auto http = StartHttp((*server)->collector(), f, /*sampler_configured=*/false);
  if (!http.ok()) return Fail("up", http.status());
  std::printf("shammie is up (collector only: %s)\n  collector (gRPC): %s\n", std::string(why.message()).c_str(),
              (*server)->address().c_str());
  if (*http) std::printf("  labeler page:     %s/\n", (*http)->url().c_str());
  std::printf("  operator token:   %s/%s\nCtrl-C stops.\n", f.data_dir.c_str(), collector::kOperatorTokenFile);
  std::fflush(stdout);
  const int sig = collector::WaitForStopSignal();
  std::fprintf(stderr, "shammie up: signal %d, shutting down\n", sig);
  if (*http) (*http)->Shutdown();
  (*server)->Shutdown();
  return 0;
}

}  // namespace

int RunUp(const std::vector<std::string>& argv) {
  collector::BlockStopSignals();
  auto args = Args::Parse(argv, {"exit-when-done", "help"});
  if (!args.ok()) return Fail("up", args.status());
  if (args->GetBool("help")) {
    std::puts(
        "usage: shammie up [--data-dir .shammie] [--iterations N [--exit-when-done]] [--summary-json FILE]\n"
        "                  [--period 1m] [--labelers 8] [--min-comparisons 200] [--overlap 1]\n"
        "                  [--pm-spec TEXT] [--ppo-spec TEXT] --pm-trainer ADDR --ppo-trainer ADDR\n"
        "                  [--listen 127.0.0.1:50051] [--scheduler-listen 127.0.0.1:50054]\n"
        "                  [--http-listen 127.0.0.1:8080 (labeler page, JSON API; \"\" = off)]");
    return 0;
  }
  auto flags = ParseUpFlags(*args);
  if (!flags.ok()) return Fail("up", flags.status());
  if (absl::Status st = args->CheckNoUnused(); !st.ok()) return Fail("up", st);
  const UpFlags& f = *flags;
  std::filesystem::create_directories(f.data_dir);

  // Policies first: without them the collector cannot write a task. Until
  // the policy glue and the trainers are available, `up` runs what there
  // is — the collector — and says why (see up_policy.h).
  auto policy = MakeUpPolicy();
  if (!policy.ok() || f.pm_trainer.empty()) {
    absl::Status why = policy.ok() ? absl::FailedPreconditionError(
                                         "the trainers are not built into this binary yet; pass "
                                         "--pm-trainer and --ppo-trainer addresses")
                                   : policy.status();
    // A scripted run asked for iterations: fail now rather than serve forever.
    if (f.exit_when_done) return Fail("up", why);
    return RunCollectorOnly(f, why);
  }
  const std::string base = f.data_dir + "/base-policy";
  if (absl::Status s = policy->ensure_base(base); !s.ok()) return Fail("up", s);
  auto base_reply = policy->reply(base);
  if (!base_reply.ok()) return Fail("up", base_reply.status());
  auto base_gold = sim::MeanGoldReward(*base_reply);
  if (!base_gold.ok()) return Fail("up", base_gold.status());

  collector::ResponseSamplerOptions sampler_options;
  sampler_options.loader = policy->loader;
  sampler_options.state_file = f.data_dir + "/deployment.json";
  auto sampler = collector::ResponseSampler::Open(sampler_options);
  if (!sampler.ok()) return Fail("up", sampler.status());
  if (!(*sampler)->Current().ok()) {
    v1::PolicySnapshot p;
    p.set_name("policy-0000");
    p.set_checkpoint(std::filesystem::absolute(base).string());
    if (auto d = (*sampler)->Deploy({p}); !d.ok()) return Fail("up", d.status());
  }
  collector::CollectorServerOptions co;
  co.listen = f.collector_listen;
  co.collector.data_dir = f.data_dir;
  co.collector.default_overlap = f.overlap;
  co.metrics = f.registry;
  co.collector.sampler = sampler->get();
  auto collector = collector::CollectorServer::Start(co);
  if (!collector.ok()) return Fail("up", collector.status());
  auto http = StartHttp((*collector)->collector(), f, /*sampler_configured=*/true);
  if (!http.ok()) return Fail("up", http.status());
  std::string operator_token;
  {
    std::ifstream in(f.data_dir + "/" + collector::kOperatorTokenFile);
    std::getline(in, operator_token);
  }
  auto stub = v1::ComparisonService::NewStub(
      grpc::CreateChannel((*collector)->address(), grpc::InsecureChannelCredentials()));

  scheduler::SchedulerServerOptions so;
  so.listen = f.scheduler_listen;
  so.scheduler.data_dir = f.data_dir + "/scheduler";
  so.metrics = f.registry;
  so.scheduler.period_override = f.period;
  so.scheduler.anchor_override = absl::Now();
  so.scheduler.iteration.base_checkpoint = std::filesystem::absolute(base).string();
  so.scheduler.iteration.pm = f.pm;
  so.scheduler.iteration.ppo = f.ppo;
  so.scheduler.iteration.min_comparisons = f.min_comparisons;
  so.scheduler.iteration.gold_reward = [reply = policy->reply](const std::string& ckpt) -> absl::StatusOr<double> {
    auto r = reply(ckpt);
    if (!r.ok()) return r.status();
    return sim::MeanGoldReward(*r);
  };
  so.pipeline.collector_address = (*collector)->address();
  so.pipeline.pm_trainer_address = f.pm_trainer;
  so.pipeline.ppo_trainer_address = f.ppo_trainer;
  so.pipeline.token = operator_token;
  auto scheduler = scheduler::SchedulerServer::Start(so);
  if (!scheduler.ok()) return Fail("up", scheduler.status());

  auto crowd_tokens = CrowdTokens(stub.get(), operator_token, f.labelers + 1);
  if (!crowd_tokens.ok()) return Fail("up", crowd_tokens.status());
  sim::TaskFeederOptions fo;
  fo.collector_address = (*collector)->address();
  fo.token = crowd_tokens->back();
  fo.min_open_tasks = 4 * f.labelers;
  sim::TaskFeeder feeder(fo);
  sim::SimulatedLabelersOptions lo;
  lo.collector_address = (*collector)->address();
  lo.tokens.assign(crowd_tokens->begin(), crowd_tokens->end() - 1);
  sim::SimulatedLabelers crowd(lo);
  feeder.Start();
  crowd.Start();

  std::printf("shammie is up\n  collector (gRPC): %s\n  scheduler (gRPC): 127.0.0.1:%d\n  operator token:   %s/%s\n"
              "  base policy gold reward %.3f; an iteration every %s once %d comparisons are in\n",
              (*collector)->address().c_str(), (*scheduler)->port(), f.data_dir.c_str(),
              collector::kOperatorTokenFile, *base_gold, scheduler::FormatPeriod(f.period).c_str(),
              f.min_comparisons);
  if (*http) std::printf("  labeler page:     %s/\n  dashboard:        %s/dashboard\n", (*http)->url().c_str(), (*http)->url().c_str());
  std::fflush(stdout);

  // Progress until N iterations of this run ended (or Ctrl-C).
  const size_t first_new =
      (*scheduler)->scheduler()->List().value_or(std::vector<v1::Iteration>{}).size();
  const absl::Time start = absl::Now();
  const bool tty = isatty(STDOUT_FILENO);
  std::vector<v1::Iteration> ours;
  while (!StopRequested(absl::Seconds(1))) {
    auto all = (*scheduler)->scheduler()->List();
    if (!all.ok()) continue;
    ours.assign(all->begin() + std::min(first_new, all->size()), all->end());
    int ended = 0;
    const v1::Iteration* active = nullptr;
    for (const auto& it : ours) {
      if (it.stage() == v1::SUCCEEDED || it.stage() == v1::FAILED || it.stage() == v1::CANCELLED) ++ended;
      else active = &it;
    }
    auto labeled = crowd.Stats();
    std::string line = absl::StrFormat("[%s] %d/%s iterations  %llu comparisons  ",
                                       absl::FormatDuration(absl::Trunc(absl::Now() - start, absl::Seconds(1))),
                                       ended, f.iterations ? absl::StrCat(f.iterations) : "∞",
                                       static_cast<unsigned long long>(labeled.submitted));
    absl::StrAppend(&line, active ? StatusLine(*active) : "waiting for the next due time");
    std::printf(tty ? "\r\033[K%s" : "%s\n", line.c_str());
    std::fflush(stdout);
    if (f.iterations > 0 && ended >= f.iterations) {
      if (f.exit_when_done) break;
    }
  }
  if (tty) std::printf("\n");
  crowd.Stop();
  feeder.Stop();
  RefitElo(stub.get(), operator_token, &ours);
  std::printf("\n%s", SummaryTable(ours, *base_gold).c_str());
  if (!f.summary_json.empty()) {
    std::ofstream out(f.summary_json);
    out << SummaryJson(ours, *base_gold) << "\n";
  }
  (*scheduler)->Shutdown();
  if (*http) (*http)->Shutdown();
  (*collector)->Shutdown();
  bool all_succeeded = !ours.empty();
  for (const auto& it : ours) all_succeeded &= it.stage() == v1::SUCCEEDED;
  return f.exit_when_done && !all_succeeded ? 1 : 0;
}

}  // namespace shammie::cli
