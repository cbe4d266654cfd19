// The /api/v1/ routes of http_api.h: transport only. Every rule about what a
// request may contain lives in the Collector, so gRPC and HTTP clients get
// the same answers; this file adds only what is HTTP's own (body parsing,
// the bearer header, status codes, rate limiting).
#include "services/collector/http_api.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "services/collector/http_status.h"

namespace shammie::collector {
namespace {

namespace pbjson = google::protobuf::util;

constexpr char kJson[] = "application/json";

// Turns protobuf's JSON parse error into "<field>: <problem>" naming the
// field. protobuf 3.21 writes "(preference): invalid value …" for a bad value,
// "(context.turns[0]) extra: Cannot find field." or "extra: Cannot find
// field." for an unknown one, and a bare message when the JSON itself is
// malformed (field "body").
absl::Status JsonParseError(absl::string_view message, absl::string_view type) {
  message = message.substr(0, message.find('\n'));
  std::string field;
  absl::string_view problem = message;
  if (absl::ConsumePrefix(&problem, "(")) {
    const size_t close = problem.find(')');
    if (close != absl::string_view::npos) {
      field = std::string(problem.substr(0, close));
      problem.remove_prefix(close + 1);
    }
  }
  if (!absl::ConsumePrefix(&problem, ":")) {
    // "[(<path>)] <name>: <problem>": the unknown field's name comes last.
    problem = absl::StripLeadingAsciiWhitespace(problem);
    const size_t colon = problem.find(": ");
    if (colon != absl::string_view::npos && colon > 0 &&
        problem.substr(0, colon).find(' ') == absl::string_view::npos) {
      absl::StrAppend(&field, field.empty() ? "" : ".", problem.substr(0, colon));
      problem.remove_prefix(colon + 1);
    }
  }
  problem = absl::StripLeadingAsciiWhitespace(problem);
  if (field.empty()) {
    return WithField(absl::InvalidArgumentError(absl::StrCat(
                         "body: not a valid ", type, " in JSON: ", problem)),
                     "body");
  }
  return WithField(absl::InvalidArgumentError(absl::StrCat(field, ": ", problem)), field);
}

// Parses a request body into `message`. Unknown fields are errors (a typo in
// a field name must not silently drop the labeler's input); an empty body is
// the empty message.
absl::Status ParseBody(const std::string& body, google::protobuf::Message* message) {
  if (absl::StripAsciiWhitespace(body).empty()) return absl::OkStatus();
  pbjson::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = pbjson::JsonStringToMessage(body, message, options);
  if (status.ok()) return absl::OkStatus();
  message->Clear();
  return JsonParseError(absl::string_view(status.message().data(), status.message().size()),
                        message->GetDescriptor()->name());
}

absl::StatusOr<std::string> PrintJson(const google::protobuf::Message& message) {
  pbjson::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  auto status = pbjson::MessageToJsonString(message, &out, options);
  if (!status.ok()) return absl::InternalError(absl::StrCat("printing JSON: ", status.message().as_string()));
  return out;
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
  server.Post("/api/v1/tasks:next", [this](const httplib::Request& req, httplib::Response& res) {
    Serve(req, res, [&](const Caller& c) { return NextTask(c, req.body); });
  });
  server.Post("/api/v1/tasks", [this](const httplib::Request& req, httplib::Response& res) {
    Serve(req, res, [&](const Caller& c) { return CreateTask(c, req.body); });
  });
  server.Post(R"(/api/v1/tasks/([^/:]+):skip)",
              [this](const httplib::Request& req, httplib::Response& res) {
                Serve(req, res, [&](const Caller& c) { return SkipTask(c, req.matches[1], req.body); });
              });
  server.Post("/api/v1/comparisons", [this](const httplib::Request& req, httplib::Response& res) {
    Serve(req, res, [&](const Caller& c) { return SubmitComparison(c, req.body); });
  });
  server.Get("/api/v1/stats", [this](const httplib::Request& req, httplib::Response& res) {
    Serve(req, res, [&](const Caller& c) { return GetStats(c); });
  });
  server.Get("/api/v1/me", [this](const httplib::Request& req, httplib::Response& res) {
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

absl::StatusOr<std::string> HttpApi::NextTask(const Caller& caller, const std::string& body) {
  v1::NextTaskRequest request;
  if (absl::Status s = ParseBody(body, &request); !s.ok()) return s;
  absl::StatusOr<v1::LabelingTask> task = collector_->NextTask(caller, request);
  if (!task.ok()) return task.status();
  return PrintJson(*task);
}

absl::StatusOr<std::string> HttpApi::CreateTask(const Caller& caller, const std::string& body) {
  v1::CreateTaskRequest request;
  if (absl::Status s = ParseBody(body, &request); !s.ok()) return s;
  absl::StatusOr<v1::LabelingTask> task = collector_->CreateTask(caller, request);
  if (!task.ok()) return task.status();
  return PrintJson(*task);
}

absl::StatusOr<std::string> HttpApi::SubmitComparison(const Caller& caller,
                                                      const std::string& body) {
  v1::SubmitComparisonRequest request;
  if (absl::Status s = ParseBody(body, &request); !s.ok()) return s;
  absl::StatusOr<v1::Comparison> comparison = collector_->SubmitComparison(caller, request);
  if (!comparison.ok()) return comparison.status();
  return PrintJson(*comparison);
}

absl::StatusOr<std::string> HttpApi::SkipTask(const Caller& caller, const std::string& task_id,
                                              const std::string& body) {
  // The task id is in the path; a body may repeat it but must not contradict it.
  v1::SkipTaskRequest request;
  if (absl::Status s = ParseBody(body, &request); !s.ok()) return s;
  if (!request.task_id().empty() && request.task_id() != task_id) {
    return WithField(absl::InvalidArgumentError(absl::StrCat(
                         "task_id: body says \"", request.task_id(), "\" but the path says \"",
                         task_id, "\"")),
                     "task_id");
  }
  request.set_task_id(task_id);
  if (absl::Status s = collector_->SkipTask(caller, request); !s.ok()) return s;
  return PrintJson(v1::SkipTaskResponse());
}

absl::StatusOr<std::string> HttpApi::GetStats(const Caller& caller) {
  absl::StatusOr<v1::Stats> stats = collector_->GetStats(caller);
  if (!stats.ok()) return stats.status();
  return PrintJson(*stats);
}

absl::StatusOr<std::string> HttpApi::Me(const Caller& caller) {
  return nlohmann::json{
      {"name", caller.name},
      {"role", v1::TokenRole_Name(caller.role)},
      {"sampler_configured", options_.sampler_configured},
  }.dump();
}

}  // namespace shammie::collector
