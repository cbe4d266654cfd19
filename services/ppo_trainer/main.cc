// shammie-ppo-trainer: serves shammie.v1.PolicyTrainer.
//   shammie-ppo-trainer --data-dir DIR --listen 127.0.0.1:50053 --collector 127.0.0.1:50051
// Jobs live in <data-dir>/jobs (RocksDB); checkpoints in <data-dir>/artifacts
// (or --artifact-dir). Unfinished jobs resume from their last checkpoint when
// the trainer starts. Prints "listening on HOST:PORT" once serving.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/omp_env.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "reward_model/pm_episode_scorer.h"
#include "services/collector/wait_for_signal.h"
#include "services/jobs/job_runner.h"
#include "services/ppo_trainer/ppo_job.h"
#include "services/ppo_trainer/ppo_trainer_service.h"
#include "storage/job_store.h"

ABSL_FLAG(std::string, data_dir, "", "folder for the job store and (by default) artifacts");
ABSL_FLAG(std::string, listen, "127.0.0.1:50053", "gRPC address (port 0 picks a free port)");
ABSL_FLAG(std::string, collector, "127.0.0.1:50051", "collector gRPC address (prompts)");
ABSL_FLAG(std::string, collector_token_file, "",
          "file holding a bearer token for the collector (default <data-dir>/operator.token)");
ABSL_FLAG(std::string, artifact_dir, "", "checkpoint folder (default <data-dir>/artifacts)");

namespace {

std::string ReadToken(const std::string& path) {
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  return token;
}

}  // namespace

int main(int argc, char** argv) {
  shammie::common::EnsurePassiveOmpWait(argv);
  // Before any thread exists, so every thread inherits the blocked mask.
  shammie::collector::BlockStopSignals();
  std::vector<std::string> storage;
  std::vector<char*> args = shammie::collector::DashFlagsToUnderscores(argc, argv, &storage);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (data_dir.empty()) {
    std::fprintf(stderr, "shammie-ppo-trainer: --data-dir is required\n");
    return 2;
  }
  std::filesystem::create_directories(data_dir);
  std::string artifacts = absl::GetFlag(FLAGS_artifact_dir);
  if (artifacts.empty()) artifacts = data_dir + "/artifacts";
  std::filesystem::create_directories(artifacts);

  auto store = shammie::storage::JobStore::Open({data_dir + "/jobs", "ppo"});
  if (!store.ok()) {
    std::fprintf(stderr, "shammie-ppo-trainer: %s\n", store.status().ToString().c_str());
    return 1;
  }
  shammie::ppo_trainer::PpoJobOptions job;
  job.artifact_dir = artifacts;
  job.collector.address = absl::GetFlag(FLAGS_collector);
  std::string token_file = absl::GetFlag(FLAGS_collector_token_file);
  job.collector.token = ReadToken(token_file.empty() ? data_dir + "/operator.token" : token_file);
  const shammie::ppo_trainer::CollectorSource job_collector = job.collector;
  job.load_pm = [](const std::string& dir) { return shammie::reward_model::LoadPmEpisodeScorer(dir); };
  shammie::jobs::JobRunnerOptions runner_options;
  runner_options.store = store->get();
  runner_options.work = shammie::ppo_trainer::MakePpoJobWork(std::move(job));
  auto runner = shammie::jobs::JobRunner::Create(runner_options);
  if (!runner.ok()) {
    std::fprintf(stderr, "shammie-ppo-trainer: %s\n", runner.status().ToString().c_str());
    return 1;
  }
  shammie::ppo_trainer::PolicyTrainerService service(runner->get(), job_collector);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "shammie-ppo-trainer: cannot listen on %s\n",
                 absl::GetFlag(FLAGS_listen).c_str());
    return 1;
  }
  const std::string listen = absl::GetFlag(FLAGS_listen);
  std::printf("listening on %s:%d\n", listen.substr(0, listen.rfind(':')).c_str(), port);
  std::fflush(stdout);
  // SIGTERM/SIGINT: stop serving, then stop workers (their jobs stay RUNNING
  // on disk and resume at the next start).
  const int sig = shammie::collector::WaitForStopSignal();
  SHAMMIE_LOG(INFO) << "shammie-ppo-trainer: signal " << sig << ", shutting down";
  server->Shutdown();
  return 0;
}
