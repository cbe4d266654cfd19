// The one absl::Status → HTTP mapping and the JSON error body.
#include "services/collector/http_status.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace shammie::collector {
namespace {

TEST(HttpStatusTest, MapsEveryCodeByWhatTheCallerShouldDo) {
  EXPECT_EQ(HttpStatusFor(absl::OkStatus()), 200);
  EXPECT_EQ(HttpStatusFor(absl::InvalidArgumentError("x")), 400);
  EXPECT_EQ(HttpStatusFor(absl::OutOfRangeError("x")), 400);
  EXPECT_EQ(HttpStatusFor(absl::UnauthenticatedError("x")), 401);
  EXPECT_EQ(HttpStatusFor(absl::PermissionDeniedError("x")), 403);
  EXPECT_EQ(HttpStatusFor(absl::NotFoundError("x")), 404);
  EXPECT_EQ(HttpStatusFor(absl::AlreadyExistsError("x")), 409);
  EXPECT_EQ(HttpStatusFor(absl::AbortedError("x")), 409);
  EXPECT_EQ(HttpStatusFor(absl::FailedPreconditionError("x")), 409);
  EXPECT_EQ(HttpStatusFor(absl::ResourceExhaustedError("x")), 429);
  EXPECT_EQ(HttpStatusFor(absl::UnavailableError("x")), 503);
  EXPECT_EQ(HttpStatusFor(absl::DeadlineExceededError("x")), 503);
  EXPECT_EQ(HttpStatusFor(absl::InternalError("x")), 500);
  EXPECT_EQ(HttpStatusFor(absl::UnknownError("x")), 500);
}

TEST(HttpStatusTest, FieldComesFromThePayloadOrTheMessagePrefix) {
  EXPECT_EQ(FieldOf(absl::InvalidArgumentError("preference: must be 1..8")), "preference");
  EXPECT_EQ(FieldOf(absl::InvalidArgumentError("context.turns[2].text: empty")),
            "context.turns[2].text");
  EXPECT_EQ(FieldOf(absl::InvalidArgumentError("no policy is deployed; pass two")), "");
  EXPECT_EQ(FieldOf(absl::UnavailableError("rocksdb put: IO error: disk full")), "");
  EXPECT_EQ(FieldOf(absl::InvalidArgumentError(": nothing")), "");
  EXPECT_EQ(FieldOf(WithField(absl::InvalidArgumentError("bad"), "task_id")), "task_id");
}

TEST(HttpStatusTest, ErrorBodyNamesCodeMessageAndField) {
  auto body = nlohmann::json::parse(ErrorBody(absl::InvalidArgumentError("preference: 9 > 8")));
  EXPECT_EQ(body["error"]["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(body["error"]["message"], "preference: 9 > 8");
  EXPECT_EQ(body["error"]["field"], "preference");
  auto unavailable = nlohmann::json::parse(ErrorBody(absl::UnavailableError("try later")));
  EXPECT_EQ(unavailable["error"]["code"], "UNAVAILABLE");
  EXPECT_FALSE(unavailable["error"].contains("field"));
  // Bytes that are not UTF-8 in a message (quoted client input) still make valid JSON.
  auto mangled = nlohmann::json::parse(ErrorBody(absl::InvalidArgumentError("text: \xff\xfe")));
  EXPECT_EQ(mangled["error"]["field"], "text");
}

TEST(HttpStatusTest, PayloadTooLargeNamesTheBody) {
  absl::Status s = PayloadTooLargeStatus(4096);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(FieldOf(s), "body");
  EXPECT_NE(s.message().find("4096"), absl::string_view::npos);
}

}  // namespace
}  // namespace shammie::collector
