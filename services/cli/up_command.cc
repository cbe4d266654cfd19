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
//              [--base-policy DIR] [--pm-trainer ADDR --ppo-trainer ADDR]
//              [--tls-cert FILE --tls-key FILE --tls-ca FILE]
//
// --tls-cert/--tls-key serve every port (the collector's gRPC and HTTPS page,
// trainers, scheduler) over TLS; --tls-ca is the CA that signed the
// certificate, which the services in this process trust when they call each
// other (the certificate needs IP:127.0.0.1 among its subjectAltNames).
//
// Layout of the data dir: the collector's RocksDB and operator.token at the
// top, base-policy/ (the pretrained checkpoint), deployment.json (the
// sampler's snapshots), pm-trainer/ and ppo-trainer/ (jobs and checkpoints),
// scheduler/ (iterations), artifacts/history/ (the dashboard's records).
// The services themselves are started by UpStack (up_stack.h).
// SIGINT/SIGTERM stop cleanly; a restart resumes an iteration in flight.
#include <signal.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/cli/collector_client.h"
#include "services/cli/iteration_report.h"
#include "services/cli/up_policy.h"
#include "services/cli/up_stack.h"
#include "services/collector/operator_token.h"
#include "services/collector/wait_for_signal.h"
#include "services/common/tls.h"
#include "services/scheduler/elo.h"
#include "services/scheduler/iteration_defaults.h"
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
  std::string scheduler_listen, pm_trainer_listen, ppo_trainer_listen;
  std::string pm_trainer, ppo_trainer;  // external trainers; "" = in this process
  services::TlsServerFiles tls;         // --tls-cert, --tls-key
  std::string tls_ca;                   // --tls-ca
  std::string base_policy;              // "" = <data-dir>/base-policy, pretrained when missing
  int iterations = 0;  // 0 = until Ctrl-C
  bool exit_when_done = false;
  std::string summary_json;
  absl::Duration period;
  int labelers = 8;
  absl::Duration think_time;  // per labeler between submits
  int min_comparisons = 200;
  int starter_comparisons = 2000;
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
  f.pm_trainer_listen = args.Get("pm-trainer-listen", "127.0.0.1:50052");
  f.ppo_trainer_listen = args.Get("ppo-trainer-listen", "127.0.0.1:50053");
  f.base_policy = args.Get("base-policy");
  f.pm_trainer = args.Get("pm-trainer");
  f.ppo_trainer = args.Get("ppo-trainer");
  f.tls.cert_file = args.Get("tls-cert");
  f.tls.key_file = args.Get("tls-key");
  f.tls_ca = args.Get("tls-ca");
  // Checked here, before the base policy is pretrained or loaded.
  if (!f.tls_ca.empty() && !f.tls.enabled()) {
    return absl::InvalidArgumentError("--tls-ca: only with --tls-cert and --tls-key");
  }
  if (absl::Status s = services::ValidateTlsServerFiles(f.tls); !s.ok()) return s;
  if (f.tls.enabled()) {
    if (f.tls_ca.empty()) {
      return absl::InvalidArgumentError(
          "--tls-ca: required with --tls-cert (the CA that signed it: the services in this "
          "process call each other over TLS)");
    }
    if (auto c = services::MakeChannelCredentials(f.tls_ca); !c.ok()) return c.status();
  }
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
  // A crowd labeling as fast as the sampler answers would take the cores
  // the trainers need; people take seconds per comparison anyway.
  const std::string think_text = args.Get("think-time", "3s");
  if (think_text != "0" && think_text != "0s") {
    auto think = scheduler::ParsePeriod(think_text, "--think-time");
    if (!think.ok()) return think.status();
    f.think_time = *think;
  }
  auto min_comparisons = args.GetInt("min-comparisons", 200);
  if (!min_comparisons.ok()) return min_comparisons.status();
  f.min_comparisons = static_cast<int>(*min_comparisons);
  auto starter = args.GetInt("starter-comparisons", 2000);
  if (!starter.ok()) return starter.status();
  if (*starter < 0) return absl::InvalidArgumentError("--starter-comparisons: must be >= 0");
  f.starter_comparisons = static_cast<int>(*starter);
  auto overlap = args.GetInt("overlap", 1);
  if (!overlap.ok()) return overlap.status();
  f.overlap = static_cast<uint32_t>(std::max<int64_t>(1, *overlap));
  auto pm = scheduler::PmTemplateFromText(args.Get("pm-spec"), "--pm-spec");
  if (!pm.ok()) return pm.status();
  f.pm = *std::move(pm);
  auto ppo = scheduler::PpoTemplateFromText(args.Get("ppo-spec"), "--ppo-spec");
  if (!ppo.ok()) return ppo.status();
  f.ppo = *std::move(ppo);
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

// SIGINT/SIGTERM (blocked by BlockStopSignals) within `timeout`?
bool StopRequested(absl::Duration timeout) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  timespec ts = absl::ToTimespec(timeout);
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

}  // namespace

int RunUp(const std::vector<std::string>& argv) {
  collector::BlockStopSignals();
  auto args = Args::Parse(argv, {"exit-when-done", "help"});
  if (!args.ok()) return Fail("up", args.status());
  if (args->GetBool("help")) {
    std::puts(
        "usage: shammie up [--data-dir .shammie] [--iterations N [--exit-when-done]] [--summary-json FILE]\n"
        "                  [--period 1m] [--labelers 8] [--think-time 3s] [--min-comparisons 200] [--overlap 1]\n"
        "                  [--starter-comparisons 2000 (imported into an empty collector; 0 = none)]\n"
        "                  [--pm-spec TEXT] [--ppo-spec TEXT] [--base-policy DIR]\n"
        "                  [--pm-trainer ADDR --ppo-trainer ADDR (external trainers)]\n"
        "                  [--listen 127.0.0.1:50051] [--scheduler-listen 127.0.0.1:50054]\n"
        "                  [--pm-trainer-listen 127.0.0.1:50052] [--ppo-trainer-listen 127.0.0.1:50053]\n"
        "                  [--http-listen 127.0.0.1:8080 (labeler page, JSON API, dashboard, /metrics; \"\" = off)]\n"
        "                  [--tls-cert FILE --tls-key FILE --tls-ca FILE (TLS on every port; the CA\n"
        "                   signed the certificate, which needs IP:127.0.0.1 among its names)]");
    return 0;
  }
  auto flags = ParseUpFlags(*args);
  if (!flags.ok()) return Fail("up", flags.status());
  if (absl::Status st = args->CheckNoUnused(); !st.ok()) return Fail("up", st);
  const UpFlags& f = *flags;
  std::filesystem::create_directories(f.data_dir);

  // The base policy first: without it no task can be answered. Pretrained
  // on the synthetic corpus once and cached in the data dir.
  auto policy = MakeUpPolicy();
  if (!policy.ok()) return Fail("up", policy.status());
  const std::string base = std::filesystem::absolute(
      f.base_policy.empty() ? f.data_dir + "/base-policy" : f.base_policy).string();
  if (absl::Status s = policy->ensure_base(base); !s.ok()) return Fail("up", s);
  auto base_reply = policy->reply(base);
  if (!base_reply.ok()) return Fail("up", base_reply.status());
  auto base_gold = sim::MeanGoldReward(*base_reply);
  if (!base_gold.ok()) return Fail("up", base_gold.status());

  UpStackOptions so;
  so.data_dir = f.data_dir;
  so.base_checkpoint = base;
  so.loader = policy->loader;
  so.gold_reward = [reply = policy->reply](const std::string& ckpt) -> absl::StatusOr<double> {
    auto r = reply(ckpt);
    if (!r.ok()) return r.status();
    return sim::MeanGoldReward(*r);
  };
  so.registry = f.registry;
  so.collector_listen = f.collector_listen;
  so.http_listen = f.http_listen;
  so.scheduler_listen = f.scheduler_listen;
  so.pm_trainer_listen = f.pm_trainer_listen;
  so.ppo_trainer_listen = f.ppo_trainer_listen;
  so.pm_trainer = f.pm_trainer;
  so.ppo_trainer = f.ppo_trainer;
  so.tls = f.tls;
  so.tls_ca_file = f.tls_ca;
  so.overlap = f.overlap;
  so.starter_comparisons = f.starter_comparisons;
  so.max_iterations = f.iterations;
  so.period = f.period;
  so.min_comparisons = f.min_comparisons;
  so.pm = f.pm;
  so.ppo = f.ppo;
  auto stack = UpStack::Start(so);
  if (!stack.ok()) return Fail("up", stack.status());
  UpStack& up = **stack;
  auto stub = v1::ComparisonService::NewStub(
      grpc::CreateChannel(up.collector_address(), up.client_credentials()));

  auto crowd_tokens = CrowdTokens(stub.get(), up.operator_token(), f.labelers + 1);
  if (!crowd_tokens.ok()) return Fail("up", crowd_tokens.status());
  sim::TaskFeederOptions fo;
  fo.collector_address = up.collector_address();
  fo.token = crowd_tokens->back();
  fo.credentials = up.client_credentials();
  fo.min_open_tasks = 4 * f.labelers;
  sim::TaskFeeder feeder(fo);
  sim::SimulatedLabelersOptions lo;
  lo.collector_address = up.collector_address();
  lo.tokens.assign(crowd_tokens->begin(), crowd_tokens->end() - 1);
  lo.think_time = f.think_time;
  lo.credentials = up.client_credentials();
  sim::SimulatedLabelers crowd(lo);
  feeder.Start();
  crowd.Start();

  std::printf("shammie is up\n  collector (gRPC):   %s\n  pm trainer (gRPC):  %s\n"
              "  ppo trainer (gRPC): %s\n  scheduler (gRPC):   127.0.0.1:%d\n  operator token:     %s/%s\n"
              "  base policy gold reward %.3f; an iteration every %s once %d comparisons are in\n",
              up.collector_address().c_str(), up.pm_trainer_address().c_str(),
              up.ppo_trainer_address().c_str(), up.scheduler_port(), f.data_dir.c_str(),
              collector::kOperatorTokenFile, *base_gold, scheduler::FormatPeriod(f.period).c_str(),
              f.min_comparisons);
  if (const std::string url = up.http_url(); !url.empty()) {
    std::printf("  labeler page:       %s/\n  dashboard:          %s/dashboard\n  metrics:            %s/metrics\n",
                url.c_str(), url.c_str(), url.c_str());
  }
  std::printf("Ctrl-C stops (an iteration in flight resumes at the next start).\n");
  std::fflush(stdout);

  // Progress until N iterations of this run ended (or Ctrl-C).
  const size_t first_new = up.scheduler()->List().value_or(std::vector<v1::Iteration>{}).size();
  const absl::Time start = absl::Now();
  const bool tty = isatty(STDOUT_FILENO);
  std::vector<v1::Iteration> ours;
  while (!StopRequested(absl::Seconds(1))) {
    auto all = up.scheduler()->List();
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
    if (f.iterations > 0 && ended >= f.iterations && f.exit_when_done) break;
  }
  if (tty) std::printf("\n");
  crowd.Stop();
  feeder.Stop();
  RefitElo(stub.get(), up.operator_token(), &ours);
  std::printf("\n%s", SummaryTable(ours, *base_gold).c_str());
  if (!f.summary_json.empty()) {
    std::ofstream out(f.summary_json);
    out << SummaryJson(ours, *base_gold) << "\n";
  }
  stack->reset();
  bool all_succeeded = !ours.empty();
  for (const auto& it : ours) all_succeeded &= it.stage() == v1::SUCCEEDED;
  return f.exit_when_done && !all_succeeded ? 1 : 0;
}

}  // namespace shammie::cli
