// The collector's HTTP front end over real HTTP on loopback, against the real
// Collector (RocksDB in a temp dir): the page's assets, the JSON API's happy
// path, and every status the API maps, each with its JSON error body naming
// the field and a check that nothing was stored.
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "services/collector/collector.h"
#include "services/collector/http_server.h"
#include "tests/lib/temp_dir.h"

namespace shammie::collector {
namespace {

using nlohmann::json;

struct Reply {
  int status = 0;
  json body;
  std::string raw;
  std::string retry_after;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class HttpApiTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = {}) {
    CollectorOptions co;
    co.data_dir = dir_.Sub("data");
    auto collector = Collector::Open(co);
    ASSERT_TRUE(collector.ok()) << collector.status();
    collector_ = std::move(*collector);
    operator_secret_ = std::string(
        absl::StripAsciiWhitespace(ReadFile(co.data_dir + "/operator.token")));
    auto op = collector_->Authenticate("Bearer " + operator_secret_);
    ASSERT_TRUE(op.ok()) << op.status();
    operator_ = *op;
    labeler_secret_ = NewToken("alice", v1::LABELER);
    options.listen = "127.0.0.1:0";
    auto server = HttpServer::Start(collector_.get(), options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  std::string NewToken(const std::string& name, v1::TokenRole role) {
    v1::CreateTokenRequest req;
    req.set_name(name);
    req.set_role(role);
    auto token = collector_->CreateToken(operator_, req);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? token->secret() : "";
  }

  // A task made through the Collector directly (not the API under test).
  std::string NewTask(const std::string& prompt) {
    v1::CreateTaskRequest req;
    auto* turn = req.mutable_context()->add_turns();
    turn->set_role(v1::HUMAN);
    turn->set_text(prompt);
    req.add_candidates("answer one to " + prompt);
    req.add_candidates("answer two to " + prompt);
    auto task = collector_->CreateTask(operator_, req);
    EXPECT_TRUE(task.ok()) << task.status();
    return task.ok() ? task->id() : "";
  }

  Reply Call(const std::string& method, const std::string& path, const std::string& secret,
             const std::string& body = "") {
    httplib::Headers headers;
    if (!secret.empty()) headers.emplace("Authorization", "Bearer " + secret);
    httplib::Result res = method == "GET"
                              ? client_->Get(path.c_str(), headers)
                              : client_->Post(path.c_str(), headers, body, "application/json");
    Reply reply;
    if (!res) {
      ADD_FAILURE() << method << " " << path << ": " << httplib::to_string(res.error());
      return reply;
    }
    reply.status = res->status;
    reply.raw = res->body;
    reply.retry_after = res->get_header_value("Retry-After");
    reply.body = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    return reply;
  }

  v1::Stats Stats() {
    auto stats = collector_->GetStats(operator_);
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : v1::Stats();
  }

  // Asserts an error reply: HTTP status, status code name and (when given)
  // the field the JSON body names.
  static void ExpectError(const Reply& r, int http, const std::string& code,
                          const std::string& field = "") {
    EXPECT_EQ(r.status, http) << r.raw;
    ASSERT_TRUE(r.body.is_object() && r.body.contains("error")) << r.raw;
    EXPECT_EQ(r.body["error"].value("code", ""), code) << r.raw;
    EXPECT_FALSE(r.body["error"].value("message", "").empty()) << r.raw;
    if (!field.empty()) {
      EXPECT_EQ(r.body["error"].value("field", ""), field) << r.raw;
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
  Caller operator_;
  std::string operator_secret_;
  std::string labeler_secret_;
};

TEST_F(HttpApiTest, ServesThePageFromTheBinary) {
  Start();
  const std::string src = std::getenv("SHAMMIE_SOURCE_DIR");
  for (const auto& [path, file, type] :
       {std::tuple<std::string, std::string, std::string>{"/", "index.html", "text/html"},
        {"/app.js", "app.js", "text/javascript"},
        {"/app.css", "app.css", "text/css"}}) {
    auto res = client_->Get(path.c_str());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->body, ReadFile(src + "/services/collector/web/" + file)) << path;
    EXPECT_EQ(res->get_header_value("Content-Type").rfind(type, 0), 0u) << path;
    EXPECT_NE(res->get_header_value("Content-Security-Policy").find("script-src 'self'"),
              std::string::npos);
    // A browser revalidating with the ETag gets 304 and no body.
    const std::string etag = res->get_header_value("ETag");
    ASSERT_FALSE(etag.empty());
    auto again = client_->Get(path.c_str(), {{"If-None-Match", etag}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304);
    EXPECT_TRUE(again->body.empty());
  }
  auto missing = client_->Get("/nothing.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(HttpApiTest, LabelsATaskThroughTheJsonApi) {
  Start();
  // Operator creates a task with protobuf's JSON mapping.
  Reply created = Call("POST", "/api/v1/tasks", operator_secret_, R"({
      "context": {"turns": [{"role": "HUMAN", "text": "Name a prime."}]},
      "candidates": ["7", "8"], "candidate_policies": ["policy-1", "policy-2"]})");
  ASSERT_EQ(created.status, 200) << created.raw;
  const std::string task_id = created.body["id"];

  Reply me = Call("GET", "/api/v1/me", labeler_secret_);
  ASSERT_EQ(me.status, 200) << me.raw;
  EXPECT_EQ(me.body["name"], "alice");
  EXPECT_EQ(me.body["role"], "LABELER");
  EXPECT_EQ(me.body["sampler_configured"], false);

  Reply next = Call("POST", "/api/v1/tasks:next", labeler_secret_);
  ASSERT_EQ(next.status, 200) << next.raw;
  EXPECT_EQ(next.body["id"], task_id);
  EXPECT_EQ(next.body["context"]["turns"][0]["text"], "Name a prime.");
  EXPECT_EQ(next.body["response_a"]["text"], "7");
  EXPECT_EQ(next.body["response_b"]["policy"], "policy-2");

  Reply submitted = Call("POST", "/api/v1/comparisons", labeler_secret_,
                         json{{"task_id", task_id}, {"preference", 2}, {"client_request_id", "r1"}}
                             .dump());
  ASSERT_EQ(submitted.status, 200) << submitted.raw;
  EXPECT_EQ(submitted.body["preference"], 2);
  EXPECT_EQ(submitted.body["labeler"], "alice");
  EXPECT_EQ(submitted.body["source"], "SOURCE_HUMAN");

  Reply stats = Call("GET", "/api/v1/stats", labeler_secret_);
  ASSERT_EQ(stats.status, 200) << stats.raw;
  EXPECT_EQ(stats.body["mine_today"], "1");  // uint64 is a JSON string in proto3's mapping

  // Stored exactly as submitted, seen through the export trainers use.
  std::vector<v1::Comparison> stored;
  ASSERT_TRUE(collector_
                  ->ExportComparisons(operator_, {},
                                      [&](const v1::Comparison& c) {
                                        stored.push_back(c);
                                        return true;
                                      })
                  .ok());
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].task_id(), task_id);
  EXPECT_EQ(stored[0].preference(), 2);
  EXPECT_EQ(stored[0].response_a().text(), "7");

  // Nothing left for alice.
  ExpectError(Call("POST", "/api/v1/tasks:next", labeler_secret_), 404, "NOT_FOUND");
}

TEST_F(HttpApiTest, RetriedSubmitWithTheSameRequestIdIsStoredOnce) {
  Start();
  const std::string task_id = NewTask("Say hi.");
  const std::string body =
      json{{"task_id", task_id}, {"preference", 7}, {"client_request_id", "same-id"}}.dump();
  Reply first = Call("POST", "/api/v1/comparisons", labeler_secret_, body);
  Reply retry = Call("POST", "/api/v1/comparisons", labeler_secret_, body);
  ASSERT_EQ(first.status, 200) << first.raw;
  ASSERT_EQ(retry.status, 200) << retry.raw;
  EXPECT_EQ(retry.body["id"], first.body["id"]);
  EXPECT_EQ(retry.body["seq"], first.body["seq"]);
  EXPECT_EQ(Stats().comparisons(), 1u);
}

TEST_F(HttpApiTest, SkipMarksTheTaskUnsureWithoutStoringAComparison) {
  Start();
  const std::string skipped = NewTask("First.");
  const std::string kept = NewTask("Second.");
  Reply next = Call("POST", "/api/v1/tasks:next", labeler_secret_);
  ASSERT_EQ(next.body["id"], skipped) << next.raw;
  Reply skip = Call("POST", "/api/v1/tasks/" + skipped + ":skip", labeler_secret_);
  ASSERT_EQ(skip.status, 200) << skip.raw;
  EXPECT_EQ(Call("POST", "/api/v1/tasks:next", labeler_secret_).body["id"], kept);
  EXPECT_EQ(Stats().comparisons(), 0u);
  // The body may repeat the path's id but not contradict it.
  ExpectError(Call("POST", "/api/v1/tasks/" + kept + ":skip", labeler_secret_,
                   R"({"task_id": "t-0000000000000000"})"),
              400, "INVALID_ARGUMENT", "task_id");
  ExpectError(Call("POST", "/api/v1/tasks/t-ffffffffffffffff:skip", labeler_secret_), 400,
              "INVALID_ARGUMENT", "task_id");
}

TEST_F(HttpApiTest, MissingOrWrongTokenIs401AndStoresNothing) {
  Start();
  const std::string task_id = NewTask("Hello?");
  const std::string body = json{{"task_id", task_id}, {"preference", 3}}.dump();
  ExpectError(Call("POST", "/api/v1/comparisons", "", body), 401, "UNAUTHENTICATED");
  ExpectError(Call("POST", "/api/v1/comparisons", "not-a-token", body), 401, "UNAUTHENTICATED");
  ExpectError(Call("GET", "/api/v1/me", "not-a-token"), 401, "UNAUTHENTICATED");
  // A revoked token stops working at once.
  v1::RevokeTokenRequest revoke;
  revoke.set_name("alice");
  ASSERT_TRUE(collector_->RevokeToken(operator_, revoke).ok());
  ExpectError(Call("POST", "/api/v1/comparisons", labeler_secret_, body), 401, "UNAUTHENTICATED");
  EXPECT_EQ(Stats().comparisons(), 0u);
}

TEST_F(HttpApiTest, WrongRoleIs403AndStoresNothing) {
  Start();
  ExpectError(Call("POST", "/api/v1/tasks", labeler_secret_,
                   R"({"context": {"turns": [{"role": "HUMAN", "text": "x"}]},
                       "candidates": ["a", "b"]})"),
              403, "PERMISSION_DENIED");
  EXPECT_EQ(Stats().tasks(), 0u);
}

TEST_F(HttpApiTest, UnknownRouteIs404WithJsonError) {
  Start();
  ExpectError(Call("GET", "/api/v1/nothing", labeler_secret_), 404, "NOT_FOUND");
  ExpectError(Call("GET", "/api/v1/comparisons", labeler_secret_), 404, "NOT_FOUND");
}

TEST_F(HttpApiTest, FailedPreconditionIs409AndStoresNothing) {
  Start();
  // No candidates asks the sampler for them, and none is configured.
  ExpectError(Call("POST", "/api/v1/tasks", operator_secret_,
                   R"({"context": {"turns": [{"role": "HUMAN", "text": "x"}]}})"),
              409, "FAILED_PRECONDITION");
  EXPECT_EQ(Stats().tasks(), 0u);
  const std::string task_id = NewTask("Go on?");
  ExpectError(Call("POST", "/api/v1/comparisons", labeler_secret_,
                   json{{"task_id", task_id}, {"preference", 1}, {"next_human_turn", "And?"}}
                       .dump()),
              409, "FAILED_PRECONDITION", "next_human_turn");
  EXPECT_EQ(Stats().comparisons(), 0u);
}

// Each bad-input rule reaches the client as 400 naming the field, and
// nothing is stored.
TEST_F(HttpApiTest, BadSubmitsAre400NamingTheField) {
  Start();
  const std::string task_id = NewTask("Pick one.");
  struct Case {
    std::string body, field;
  };
  const std::vector<Case> cases = {
      {json{{"task_id", task_id}, {"preference", 0}}.dump(), "preference"},
      {json{{"task_id", task_id}, {"preference", 9}}.dump(), "preference"},
      {json{{"task_id", task_id}, {"preference", -3}}.dump(), "preference"},
      {json{{"task_id", task_id}}.dump(), "preference"},
      {R"({"task_id": ")" + task_id + R"(", "preference": "two"})", "preference"},
      {R"({"task_id": ")" + task_id + R"(", "preference": 2.5})", "preference"},
      {R"({"task_id": ")" + task_id + R"(", "preferenc": 2})", "preferenc"},
      {R"({"task_id": 17, "preference": 2})", "task_id"},
      {json{{"preference", 2}}.dump(), "task_id"},
      {json{{"task_id", "t-ffffffffffffffff"}, {"preference", 2}}.dump(), "task_id"},
      {R"({"task_id": ")" + task_id + R"(", "preference": 2)", "body"},
      {R"([1, 2])", "body"},
      {"not json", "body"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    ExpectError(Call("POST", "/api/v1/comparisons", labeler_secret_, c.body), 400,
                "INVALID_ARGUMENT", c.field);
  }
  EXPECT_EQ(Stats().comparisons(), 0u);
}

TEST_F(HttpApiTest, BadTasksAre400NamingTheField) {
  Start();
  auto task = [](const json& turns, const json& candidates) {
    return json{{"context", {{"turns", turns}}}, {"candidates", candidates}}.dump();
  };
  const json two = {"a", "b"};
  const std::string big(64 * 1024 + 1, 'x');
  json many = json::array();
  for (int i = 0; i < 65; ++i) {
    many.push_back({{"role", i % 2 ? "ASSISTANT" : "HUMAN"}, {"text", "t"}});
  }
  struct Case {
    std::string body, field;
  };
  const std::vector<Case> cases = {
      {task(json::array({{{"role", "HUMAN"}, {"text", ""}}}), two), "context.turns[0].text"},
      {task(json::array({{{"role", "HUMAN"}, {"text", big}}}), two), "context.turns[0].text"},
      {task(json::array({{{"role", "HUMAN"}, {"text", "q"}}}), {"only one"}), "candidates"},
      {task(json::array({{{"role", "HUMAN"}, {"text", "q"}}}), {"a", ""}), "candidates[1]"},
      {task(json::array({{{"role", "BOT"}, {"text", "q"}}}), two), "context.turns[0].role"},
      {task(json::array({{{"role", "HUMAN"}, {"text", "q"}, {"extra", 1}}}), two),
       "context.turns[0].extra"},
      {task(many, two), "context.turns"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 200));
    ExpectError(Call("POST", "/api/v1/tasks", operator_secret_, c.body), 400, "INVALID_ARGUMENT",
                c.field);
  }
  // Invalid UTF-8 inside a JSON string.
  std::string bad_utf8 = task(json::array({{{"role", "HUMAN"}, {"text", "PLACEHOLDER"}}}), two);
  bad_utf8.replace(bad_utf8.find("PLACEHOLDER"), 11, "caf\xc3(");
  Reply r = Call("POST", "/api/v1/tasks", operator_secret_, bad_utf8);
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.body["error"].value("code", ""), "INVALID_ARGUMENT") << r.raw;
  EXPECT_FALSE(r.body["error"].value("field", "").empty()) << r.raw;
  EXPECT_EQ(Stats().tasks(), 0u);
}

TEST_F(HttpApiTest, BodyOverTheLimitIs413AndStoresNothing) {
  HttpServerOptions options;
  options.max_body_bytes = 4096;
  Start(options);
  const std::string task_id = NewTask("Long?");
  const std::string body = json{{"task_id", task_id},
                                {"preference", 2},
                                {"client_request_id", std::string(5000, 'r')}}
                               .dump();
  ExpectError(Call("POST", "/api/v1/comparisons", labeler_secret_, body), 413,
              "RESOURCE_EXHAUSTED", "body");
  EXPECT_EQ(Stats().comparisons(), 0u);
  // Just under the limit reaches the collector.
  Reply ok = Call("POST", "/api/v1/comparisons", labeler_secret_,
                  json{{"task_id", task_id}, {"preference", 2}, {"client_request_id", "r"}}.dump());
  EXPECT_EQ(ok.status, 200) << ok.raw;
}

TEST_F(HttpApiTest, TooManyRequestsIs429WithRetryAfterPerToken) {
  common::ManualClock clock(absl::FromUnixSeconds(1'800'000'000));
  HttpServerOptions options;
  options.rate_limit.per_second = 1;
  options.rate_limit.burst = 2;
  options.clock = &clock;
  Start(options);
  const std::string task_id = NewTask("Fast?");
  const std::string body = json{{"task_id", task_id}, {"preference", 4}}.dump();
  EXPECT_EQ(Call("GET", "/api/v1/me", labeler_secret_).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/stats", labeler_secret_).status, 200);
  Reply refused = Call("POST", "/api/v1/comparisons", labeler_secret_, body);
  ExpectError(refused, 429, "RESOURCE_EXHAUSTED");
  EXPECT_EQ(refused.retry_after, "1");
  EXPECT_EQ(Stats().comparisons(), 0u);
  // Another labeler has their own budget.
  const std::string bob = NewToken("bob", v1::LABELER);
  EXPECT_EQ(Call("GET", "/api/v1/me", bob).status, 200);
  // A second later alice may go on.
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(Call("POST", "/api/v1/comparisons", labeler_secret_, body).status, 200);
  EXPECT_EQ(Stats().comparisons(), 1u);
  // Guessing tokens is limited per address.
  EXPECT_EQ(Call("GET", "/api/v1/me", "guess-1").status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/me", "guess-2").status, 401);
  ExpectError(Call("GET", "/api/v1/me", "guess-3"), 429, "RESOURCE_EXHAUSTED");
}

TEST(ListenAddressTest, ParsesHostAndPortAndNamesTheFlag) {
  std::string host;
  int port = -1;
  ASSERT_TRUE(ParseListenAddress("127.0.0.1:8080", "--http-listen", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8080);
  ASSERT_TRUE(ParseListenAddress("[::1]:0", "--http-listen", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  for (const char* bad : {"8080", ":8080", "host:", "host:99999", "host:x", "[::1:80"}) {
    absl::Status s = ParseListenAddress(bad, "--http-listen", &host, &port);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("--http-listen"), absl::string_view::npos) << s;
  }
}

TEST_F(HttpApiTest, PortInUseIsUnavailable) {
  Start();
  HttpServerOptions options;
  options.listen = absl::StrCat("127.0.0.1:", server_->port());
  auto second = HttpServer::Start(collector_.get(), options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace shammie::collector
