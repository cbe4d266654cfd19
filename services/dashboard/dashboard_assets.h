// The dashboard page's static files (services/dashboard/web/ and the vendored
// uPlot in third_party/uplot/), compiled into the binary by
// cmake/EmbedWebAssets.cmake and served under /dashboard/: no CDN.
#ifndef SHAMMIE_SERVICES_DASHBOARD_DASHBOARD_ASSETS_H_
#define SHAMMIE_SERVICES_DASHBOARD_DASHBOARD_ASSETS_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace shammie::dashboard {

struct DashboardAsset {
  absl::string_view path;          // URL path, e.g. "/dashboard/dashboard.js"
  absl::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  absl::string_view etag;          // quoted, from the SHA-256 of the bytes
  absl::string_view bytes;
};

// Every embedded file. Static storage; thread-safe.
const std::vector<DashboardAsset>& DashboardAssets();

}  // namespace shammie::dashboard

#endif  // SHAMMIE_SERVICES_DASHBOARD_DASHBOARD_ASSETS_H_
