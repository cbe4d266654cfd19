// The /api/v1/ routes of http_api.h: transport only. Every rule about what a
// request may contain lives in the Collector, so gRPC and HTTP clients get
// the same answers; this file adds only what is HTTP's own (body parsing,
// the bearer header, status codes, rate limiting).
#include "services/collector/http_api.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/collector/http_status.h"
#include "services/collector/json_body.h"

namespace shammie::collector {
namespace {

constexpr char kJson[] = "application/json";

// Parses `body` as a Request, runs `call`, and prints its reply as JSON: the
// whole of a route that maps one Collector method.
template <typename Request, typename Call>
absl::StatusOr<std::string> Relay(const std::string& body, Call call) {
  Request request;
  if (absl::Status s = ParseJsonBody(body, &request); !s.ok()) return s;
  auto reply = call(request);
  if (!reply.ok()) return reply.status();
  return PrintJsonBody(*reply);
}

}  // namespace

void WriteError(const absl::Status& status, httplib::Response& res) {
  res.status = HttpStatusFor(status);
  if (res.status == 429) {
    res.set_header("Retry-After", std::to_string(RateLimiter::RetryAfterSeconds(status)));
  }
  res.set_content(ErrorBody(status), kJson);
}

HttpApi::HttpApi(Collector* collector, const HttpApiOptions& options, const common::Clock* clock)
    : collector_(collector), options_(options), limiter_(options.rate_limit, clock) {}

void HttpApi::Register(httplib::Server& server) {
  using Req = httplib::Request;
  using Res = httplib::Response;
  server.Post("/api/v1/tasks:next", [this](const Req& req, Res& res) {
    Serve(req, res, [&](const Caller& c) {
      return Relay<v1::NextTaskRequest>(req.body,
                                        [&](const auto& r) { return collector_->NextTask(c, r); });
    });
  });
  server.Post("/api/v1/tasks", [this](const Req& req, Res& res) {
    Serve(req, res, [&](const Caller& c) {
      return Relay<v1::CreateTaskRequest>(
          req.body, [&](const auto& r) { return collector_->CreateTask(c, r); });
    });
  });
  server.Post("/api/v1/comparisons", [this](const Req& req, Res& res) {
    Serve(req, res, [&](const Caller& c) {
      return Relay<v1::SubmitComparisonRequest>(
          req.body, [&](const auto& r) { return collector_->SubmitComparison(c, r); });
    });
  });
  server.Post(R"(/api/v1/tasks/([^/:]+):skip)", [this](const Req& req, Res& res) {
    Serve(req, res, [&](const Caller& c) { return SkipTask(c, req.matches[1], req.body); });
  });
  server.Get("/api/v1/stats", [this](const Req& req, Res& res) {
    Serve(req, res, [&](const Caller& c) -> absl::StatusOr<std::string> {
      absl::StatusOr<v1::Stats> stats = collector_->GetStats(c);
      if (!stats.ok()) return stats.status();
      return PrintJsonBody(*stats);
    });
  });
  server.Get("/api/v1/me", [this](const Req& req, Res& res) {
    Serve(req, res, [&](const Caller& c) { return Me(c); });
  });
}

void HttpApi::Serve(const httplib::Request& req, httplib::Response& res, const Work& work) {
  res.set_header("Cache-Control", "no-store");
  absl::StatusOr<Caller> caller = collector_->Authenticate(req.get_header_value("Authorization"));
  // Unauthenticated callers are limited by address, so guessing tokens is slow.
  absl::Status admitted = limiter_.Admit(caller.ok() ? absl::StrCat("token:", caller->name)
                                                     : absl::StrCat("addr:", req.remote_addr));
  if (!admitted.ok()) return WriteError(admitted, res);
  if (!caller.ok()) return WriteError(caller.status(), res);
  absl::StatusOr<std::string> reply = work(*caller);
  if (!reply.ok()) return WriteError(reply.status(), res);
  res.status = 200;
  res.set_content(std::move(*reply), kJson);
}

absl::StatusOr<std::string> HttpApi::SkipTask(const Caller& caller, const std::string& task_id,
                                              const std::string& body) {
  // The task id is in the path; a body may repeat it but must not contradict it.
  v1::SkipTaskRequest request;
  if (absl::Status s = ParseJsonBody(body, &request); !s.ok()) return s;
  if (!request.task_id().empty() && request.task_id() != task_id) {
    return WithField(
        absl::InvalidArgumentError(absl::StrCat("task_id: body says \"", request.task_id(),
                                                "\" but the path says \"", task_id, "\"")),
        "task_id");
  }
  request.set_task_id(task_id);
  if (absl::Status s = collector_->SkipTask(caller, request); !s.ok()) return s;
  return PrintJsonBody(v1::SkipTaskResponse());
}

absl::StatusOr<std::string> HttpApi::Me(const Caller& caller) {
  return nlohmann::json{
      {"name", caller.name},
      {"role", v1::TokenRole_Name(caller.role)},
      {"sampler_configured", options_.sampler_configured},
  }
      .dump();
}

}  // namespace shammie::collector
