// The built-in dashboard's HTTP surface, independent of the HTTP library:
// the page and its assets, the iteration-history JSON API, the labeling
// summary, and /metrics for `shammie up`. The collector's HTTP server
// (services/collector/http_server.cc) routes GETs here and maps error
// statuses to HTTP with its one mapping (http_status.h).
//
//   GET /dashboard                        the page (dashboard.html)
//   GET /dashboard/<file>                 its scripts, styles, uPlot
//   GET /api/v1/iterations                v1::IterationHistoryList (every record, with curves)
//   GET /api/v1/iterations/{id}           v1::IterationRecord
//   GET /api/v1/iterations/{id}/curve     v1::PpoReport (steps + fit)
//   GET /api/v1/labeling                  v1::Stats (comparisons per day, labeler, source)
//   GET /metrics                          the process's Prometheus registry
// JSON uses protobuf's mapping with proto field names, like the rest of the
// collector's API. These routes are read-only and need no token: they
// show aggregates only (the labeler names in /api/v1/labeling are the
// token names an operator chose).
//
// Thread-safe; the sources must outlive the DashboardApi.
#ifndef SHAMMIE_SERVICES_DASHBOARD_DASHBOARD_API_H_
#define SHAMMIE_SERVICES_DASHBOARD_DASHBOARD_API_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/dashboard/iteration_history.h"
#include "services/metrics/metrics_registry.h"
#include "shammie/v1/collector.pb.h"

namespace shammie::dashboard {

struct DashboardSources {
  // Iteration records; nullptr when there is no artifact folder (the API
  // then lists no iterations). Not owned.
  const IterationHistory* history = nullptr;
  // Served at /metrics; nullptr leaves /metrics to someone else.
  std::shared_ptr<metrics::MetricsRegistry> registry;
  // The collector's statistics (comparisons per day, labeler, source);
  // empty leaves /api/v1/labeling unanswered (NOT_FOUND).
  std::function<absl::StatusOr<v1::Stats>()> labeling_stats;
};

// A 200 response.
struct DashboardReply {
  std::string content_type;
  std::string body;
  std::string etag;  // set for static assets
};

class DashboardApi {
 public:
  explicit DashboardApi(DashboardSources sources) : sources_(std::move(sources)) {}

  // True when `path` is one of the routes above (whatever the outcome).
  bool Handles(absl::string_view path) const;

  // Answers GET `path`. NOT_FOUND for an unknown asset or iteration;
  // DATA_LOSS for a record that does not parse; the labeling source's errors
  // as they come. REQUIRES: Handles(path).
  absl::StatusOr<DashboardReply> Get(absl::string_view path) const;

 private:
  absl::StatusOr<DashboardReply> GetIterations(absl::string_view rest) const;
  const DashboardSources sources_;
};

}  // namespace shammie::dashboard

#endif  // SHAMMIE_SERVICES_DASHBOARD_DASHBOARD_API_H_
