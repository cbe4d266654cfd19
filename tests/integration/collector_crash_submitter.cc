// The child process of collector_crash_test: submits comparisons from several
// threads until the collector dies under it, and reports every acknowledged
// one. Lines on stdout (flushed per line):
//   ack <client_request_id> <seq> <id>    the collector acknowledged it
//   lost <client_request_id> <code>       the call failed; outcome unknown
// Usage: collector_crash_submitter SERVER TOKEN PREFIX THREADS TASK_ID...
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "shammie/v1/collector.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s SERVER TOKEN PREFIX THREADS TASK_ID...\n", argv[0]);
    return 2;
  }
  const std::string server = argv[1], token = argv[2], prefix = argv[3];
  const int threads_n = std::stoi(argv[4]);
  std::vector<std::string> tasks(argv + 5, argv + argc);
  auto channel = grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
  std::mutex out_mu;
  std::vector<std::thread> threads;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int t = 0; t < threads_n; ++t) {
    threads.emplace_back([&, t] {
      auto stub = shammie::v1::ComparisonService::NewStub(channel);
      for (int i = 0; std::chrono::steady_clock::now() < give_up; ++i) {
        shammie::v1::SubmitComparisonRequest req;
        req.set_task_id(tasks[(t + i) % tasks.size()]);
        req.set_preference(1 + (i % 8));
        req.set_client_request_id(prefix + "-" + std::to_string(t) + "-" + std::to_string(i));
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization", "Bearer " + token);
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        shammie::v1::Comparison c;
        grpc::Status s = stub->SubmitComparison(&ctx, req, &c);
        std::lock_guard<std::mutex> lock(out_mu);
        if (s.ok()) {
          std::printf("ack %s %llu %s\n", req.client_request_id().c_str(),
                      static_cast<unsigned long long>(c.seq()), c.id().c_str());
          std::fflush(stdout);
        } else {
          std::printf("lost %s %d\n", req.client_request_id().c_str(), s.error_code());
          std::fflush(stdout);
          return;  // the collector is gone; this thread is done
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return 0;
}
