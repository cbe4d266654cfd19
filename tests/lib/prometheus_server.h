// A real Prometheus server (Debian's `prometheus` binary) for integration
// tests: started on a free loopback port with a temporary config and TSDB,
// scraping the given targets every `interval`; queried through its HTTP API;
// stopped (SIGTERM) when destroyed. Never uses a system Prometheus on :9090.
#ifndef SHAMMIE_TESTS_LIB_PROMETHEUS_SERVER_H_
#define SHAMMIE_TESTS_LIB_PROMETHEUS_SERVER_H_

#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/lib/background_process.h"
#include "tests/lib/run_command.h"

namespace shammie::testing {

struct ScrapeTarget {
  std::string job;
  std::string address;  // "127.0.0.1:port"
};

class PrometheusServer {
 public:
  // Writes the config under `dir` and starts prometheus; ready() tells
  // whether it answered /-/ready within 60 s.
  PrometheusServer(const std::string& dir, const std::vector<ScrapeTarget>& targets,
                   const std::string& interval = "1s")
      : port_(PickFreePort()) {
    std::string cfg = "global:\n  scrape_interval: " + interval +
                      "\n  scrape_timeout: " + interval + "\nscrape_configs:\n";
    for (const auto& t : targets) {
      cfg += "  - job_name: " + t.job + "\n    static_configs:\n      - targets: [\"" +
             t.address + "\"]\n";
    }
    WriteFile(dir + "/prometheus.yml", cfg);
    log_path_ = dir + "/prometheus.log";
    process_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"prometheus", "--config.file=" + dir + "/prometheus.yml",
                                 "--storage.tsdb.path=" + dir + "/tsdb",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                 "--log.level=warn"},
        log_path_);
    httplib::Client client("127.0.0.1", port_);
    for (int i = 0; i < 600 && process_->Running(); ++i) {
      auto res = client.Get("/-/ready");
      if (res && res->status == 200) {
        ready_ = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  bool ready() const { return ready_; }
  int port() const { return port_; }
  std::string log() const { return ReadFile(log_path_); }
  void Stop() { process_->Stop(); }
  bool Running() { return process_->Running(); }

  // GET /api/v1/query; the "data.result" array, or null on any error.
  nlohmann::json Query(const std::string& promql) {
    httplib::Client client("127.0.0.1", port_);
    auto res = client.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
    if (!res || res->status != 200) return nullptr;
    auto body = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || body.value("status", "") != "success") return nullptr;
    return body["data"]["result"];
  }

  // The value of a query whose result is one sample; NaN when it has none.
  double Scalar(const std::string& promql) {
    const nlohmann::json r = Query(promql);
    if (!r.is_array() || r.size() != 1) return std::nan("");
    return std::stod(r[0]["value"][1].get<std::string>());
  }

  // Polls Scalar(promql) until `ok` holds or `timeout_s` pass; the last value.
  template <typename Pred>
  double WaitFor(const std::string& promql, Pred ok, int timeout_s = 30) {
    double v = std::nan("");
    for (int i = 0; i < timeout_s * 5; ++i) {
      v = Scalar(promql);
      if (!std::isnan(v) && ok(v)) return v;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return v;
  }

 private:
  const int port_;
  std::string log_path_;
  std::unique_ptr<BackgroundProcess> process_;
  bool ready_ = false;
};

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_LIB_PROMETHEUS_SERVER_H_
