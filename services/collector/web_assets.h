// The labeler page's static files (services/collector/web/), compiled into
// the binary by cmake/EmbedWebAssets.cmake so the collector serves them from
// memory: nothing to deploy beside it, no CDN.
#ifndef SHAMMIE_SERVICES_COLLECTOR_WEB_ASSETS_H_
#define SHAMMIE_SERVICES_COLLECTOR_WEB_ASSETS_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace shammie::collector {

struct WebAsset {
  absl::string_view path;          // URL path, e.g. "/app.js"
  absl::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  absl::string_view etag;          // quoted, from the SHA-256 of the bytes
  absl::string_view bytes;
};

// Every embedded file. Static storage; thread-safe.
const std::vector<WebAsset>& WebAssets();

// The asset served at `path` ("/" means "/index.html"); nullptr when none.
const WebAsset* FindWebAsset(absl::string_view path);

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_WEB_ASSETS_H_
