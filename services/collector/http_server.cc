// cpp-httplib wiring for http_server.h: the page's assets, the API routes,
// JSON errors for everything under /api/, and the listening thread.
#include "services/collector/http_server.h"

#include <sys/socket.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "httplib.h"
#include "services/collector/http_api.h"
#include "services/collector/http_status.h"
#include "services/collector/web_assets.h"
#include "services/common/http_listen_thread.h"
#include "services/dashboard/dashboard_api.h"

namespace shammie::collector {
namespace {

// Worker threads. Browsers keep up to six connections open per page and
// httplib holds a thread per open connection, so a handful of labelers would
// starve the library's default of eight.
constexpr size_t kWorkerThreads = 64;

// The page loads only its own files and talks only to its own origin.
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void ServeAsset(const httplib::Request& req, httplib::Response& res) {
  const WebAsset* asset = FindWebAsset(req.path);
  if (asset == nullptr) {
    res.status = 404;
    res.set_content("not found\n", "text/plain; charset=utf-8");
    return;
  }
  res.set_header("ETag", std::string(asset->etag));
  // Revalidate every load (cheap with the ETag), so a new binary's page is
  // picked up at once.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  if (req.get_header_value("If-None-Match") == asset->etag) {
    res.status = 304;
    return;
  }
  res.status = 200;
  res.set_content(asset->bytes.data(), asset->bytes.size(), std::string(asset->content_type));
}

// The dashboard's routes (dashboard_api.h): errors through the one status
// mapping, assets with the same caching and security headers as the page's.
void ServeDashboard(const dashboard::DashboardApi& api, const httplib::Request& req,
                    httplib::Response& res) {
  absl::StatusOr<dashboard::DashboardReply> reply = api.Get(req.path);
  if (!reply.ok()) {
    WriteError(reply.status(), res);
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Content-Type-Options", "nosniff");
  if (!reply->etag.empty()) {
    res.set_header("ETag", reply->etag);
    res.set_header("Content-Security-Policy", kContentSecurityPolicy);
    res.set_header("Referrer-Policy", "no-referrer");
    if (req.get_header_value("If-None-Match") == reply->etag) {
      res.status = 304;
      return;
    }
  }
  res.status = 200;
  res.set_content(std::move(reply->body), reply->content_type);
}

// httplib calls this for every response ≥ 400. Responses our handlers wrote
// already have a body; the rest come from httplib itself (no route, body over
// the limit) and get a JSON body under /api/ so the page can read them.
httplib::Server::HandlerResponse FillError(size_t max_body_bytes, const httplib::Request& req,
                                           httplib::Response& res) {
  if (!res.body.empty() || !absl::StartsWith(req.path, "/api/")) {
    return httplib::Server::HandlerResponse::Unhandled;
  }
  absl::Status status;
  switch (res.status) {
    case 413:
      status = PayloadTooLargeStatus(max_body_bytes);
      break;
    case 404:
    case 405:
      status = absl::NotFoundError(absl::StrCat("no API route ", req.method, " ", req.path));
      break;
    default:
      status = absl::UnknownError(absl::StrCat("HTTP ", res.status));
      break;
  }
  const int http_status = res.status;  // 413 stays 413 (not the 429 of RESOURCE_EXHAUSTED)
  WriteError(status, res);
  res.status = http_status;
  return httplib::Server::HandlerResponse::Handled;
}

}  // namespace

const WebAsset* FindWebAsset(absl::string_view path) {
  if (path == "/") path = "/index.html";
  for (const WebAsset& asset : WebAssets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

absl::Status ParseListenAddress(const std::string& address, absl::string_view flag,
                                std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": \"", address, "\" ", why, " (want host:port, e.g. 127.0.0.1:8080)"));
  };
  if (colon == std::string::npos || colon == 0) return bad("has no host");
  std::string h = address.substr(0, colon);
  if (h.front() == '[') {
    if (h.back() != ']' || h.size() < 3) return bad("has an unclosed [IPv6] host");
    h = h.substr(1, h.size() - 2);
  }
  int p = -1;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &p) || p < 0 || p > 65535) {
    return bad("has no port in 0-65535");
  }
  *host = std::move(h);
  *port = p;
  return absl::OkStatus();
}

class HttpServer::Impl {
 public:
  Impl(Collector* collector, const HttpServerOptions& options)
      : options_(options),
        api_(collector, HttpApiOptions{options.sampler_configured, options.rate_limit},
             options.clock != nullptr ? options.clock : common::Clock::Real()),
        dashboard_({options.history, options.metrics, [collector]() {
                      // Aggregates only; any role may read them.
                      return collector->GetStats(Caller{"dashboard", v1::OPERATOR});
                    }}) {}

  ~Impl() { Shutdown(); }

  absl::Status Start() {
    std::string host;
    int port = 0;
    if (absl::Status s = ParseListenAddress(options_.listen, "--http-listen", &host, &port);
        !s.ok()) {
      return s;
    }
    host_ = host;
    if (options_.tls.enabled()) {
      if (absl::Status s = services::ValidateTlsServerFiles(options_.tls); !s.ok()) return s;
      auto ssl = std::make_unique<httplib::SSLServer>(options_.tls.cert_file.c_str(),
                                                      options_.tls.key_file.c_str());
      if (!ssl->is_valid()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--tls-cert/--tls-key: the HTTPS server cannot use ", options_.tls.cert_file));
      }
      server_ = std::move(ssl);
    } else {
      server_ = std::make_unique<httplib::Server>();
    }
    server_->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
    server_->set_payload_max_length(options_.max_body_bytes);
    // httplib writes headers and body separately; with Nagle on, the body
    // waits for the client's delayed ACK (~40 ms a write, ~90 ms a submit in
    // bench/http_api_bench.cc). Labelers feel every one of those.
    server_->set_tcp_nodelay(true);
    services::HttpListenThread::BindExclusively(*server_);
    const size_t limit = options_.max_body_bytes;
    server_->set_error_handler(httplib::Server::HandlerWithResponse(
        [limit](const httplib::Request& req, httplib::Response& res) {
          return FillError(limit, req, res);
        }));
    server_->set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
          // Handlers return statuses; reaching here is a bug, not bad input.
          SHAMMIE_LOG(ERROR) << "http: exception serving " << req.method << " " << req.path;
          WriteError(absl::InternalError("internal error"), res);
        });
    // Before the API's routes, which answer unknown /api/ paths with 404.
    auto dashboard = [this](const httplib::Request& req, httplib::Response& res) {
      ServeDashboard(dashboard_, req, res);
    };
    server_->Get(R"(/dashboard(/[A-Za-z0-9._-]*)?)", dashboard);
    server_->Get(R"(/api/v1/iterations(/[A-Za-z0-9_-]+(/curve)?)?)", dashboard);
    server_->Get("/api/v1/labeling", dashboard);
    if (options_.metrics) server_->Get("/metrics", dashboard);
    api_.Register(*server_);
    server_->Get(R"(/[A-Za-z0-9._-]*)", ServeAsset);

    if (port == 0) {
      port_ = server_->bind_to_any_port(host);
      if (port_ < 0) port_ = 0;
    } else if (server_->bind_to_port(host, port)) {
      port_ = port;
    }
    if (port_ == 0) {
      return absl::UnavailableError(absl::StrCat("--http-listen: cannot bind ", options_.listen));
    }
    listener_.Start(server_.get());
    SHAMMIE_LOG(INFO) << "http: labeler page and JSON API on " << Url();
    services::WarnIfPlaintextOffLoopback("the collector's HTTP server", options_.listen,
                                         options_.tls.enabled());
    return absl::OkStatus();
  }

  void Shutdown() { listener_.Stop(); }

  int port() const { return port_; }
  std::string Url() const {
    const bool v6 = host_.find(':') != std::string::npos;
    return absl::StrCat(options_.tls.enabled() ? "https://" : "http://", v6 ? "[" : "", host_,
                        v6 ? "]" : "", ":", port_);
  }

 private:
  const HttpServerOptions options_;
  HttpApi api_;
  const dashboard::DashboardApi dashboard_;
  std::unique_ptr<httplib::Server> server_;  // an SSLServer with TLS
  std::string host_;
  int port_ = 0;
  services::HttpListenThread listener_;  // last: stops before the server goes
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(Collector* collector,
                                                              const HttpServerOptions& options) {
  auto impl = std::make_unique<Impl>(collector, options);
  if (absl::Status s = impl->Start(); !s.ok()) return s;
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() = default;

int HttpServer::port() const { return impl_->port(); }
std::string HttpServer::url() const { return impl_->Url(); }
void HttpServer::Shutdown() { impl_->Shutdown(); }

}  // namespace shammie::collector
