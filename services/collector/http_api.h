// The collector's JSON API under /api/v1/, for the labeler page and scripts.
//
// Each route authenticates the bearer token, applies the per-caller rate
// limit, parses the body with protobuf's JSON mapping into the same request
// message gRPC uses, calls the same Collector method, and prints the reply
// message as JSON (proto field names, zero values included):
//   POST /api/v1/tasks:next          NextTaskRequest         → LabelingTask
//   POST /api/v1/tasks               CreateTaskRequest       → LabelingTask
//   POST /api/v1/comparisons         SubmitComparisonRequest → Comparison
//   POST /api/v1/tasks/{id}:skip     (empty)                 → {}
//   GET  /api/v1/stats                                       → Stats
//   GET  /api/v1/me                  → {"name", "role", "sampler_configured"}
// Errors: http_status.h (status and JSON body naming the field).
//
// Private to services/collector (includes httplib.h, whose class layout
// depends on the compile definitions the cpp-httplib package sets).
// Thread-safe: the handlers run on httplib's worker threads concurrently.
#ifndef SHAMMIE_SERVICES_COLLECTOR_HTTP_API_H_
#define SHAMMIE_SERVICES_COLLECTOR_HTTP_API_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "httplib.h"
#include "services/collector/collector.h"
#include "services/collector/rate_limiter.h"

namespace shammie::collector {

struct HttpApiOptions {
  // Whether the collector can sample responses for a follow-up human turn;
  // /api/v1/me reports it so the page shows or hides its "continue" box.
  bool sampler_configured = false;
  RateLimitOptions rate_limit;
};

class HttpApi {
 public:
  // `collector` and `clock` are not owned and must outlive this object.
  HttpApi(Collector* collector, const HttpApiOptions& options, const common::Clock* clock);

  // Adds the /api/v1/ routes to `server`.
  void Register(httplib::Server& server);

 private:
  // A route's work once the caller is known: the JSON reply or an error.
  using Work = std::function<absl::StatusOr<std::string>(const Caller&)>;

  // Authenticates, rate-limits, runs `work`, and writes the reply or error.
  void Serve(const httplib::Request& req, httplib::Response& res, const Work& work);

  absl::StatusOr<std::string> NextTask(const Caller& caller, const std::string& body);
  absl::StatusOr<std::string> CreateTask(const Caller& caller, const std::string& body);
  absl::StatusOr<std::string> SubmitComparison(const Caller& caller, const std::string& body);
  absl::StatusOr<std::string> SkipTask(const Caller& caller, const std::string& task_id,
                                       const std::string& body);
  absl::StatusOr<std::string> GetStats(const Caller& caller);
  absl::StatusOr<std::string> Me(const Caller& caller);

  Collector* const collector_;
  const HttpApiOptions options_;
  RateLimiter limiter_;
};

// Writes `status` to `res` as its HTTP status and JSON error body (plus
// Retry-After for 429).
void WriteError(const absl::Status& status, httplib::Response& res);

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_HTTP_API_H_
