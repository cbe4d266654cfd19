// json_body.h: JSON bodies → request messages, errors naming the field.
#include "services/collector/json_body.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/collector/http_status.h"
#include "shammie/v1/collector.pb.h"

namespace shammie::collector {
namespace {

using ::testing::HasSubstr;

TEST(JsonBodyTest, ParsesProtoAndCamelCaseNames) {
  v1::SubmitComparisonRequest r;
  ASSERT_TRUE(ParseJsonBody(R"({"task_id": "t-1", "preference": 3, "nextHumanTurn": "why?"})", &r)
                  .ok());
  EXPECT_EQ(r.task_id(), "t-1");
  EXPECT_EQ(r.preference(), 3);
  EXPECT_EQ(r.next_human_turn(), "why?");
}

TEST(JsonBodyTest, EmptyBodyIsTheEmptyMessage) {
  v1::SkipTaskRequest r;
  EXPECT_TRUE(ParseJsonBody(" \n\t", &r).ok());
  EXPECT_EQ(r.ByteSizeLong(), 0u);
}

TEST(JsonBodyTest, UnknownFieldIsNamedAndNothingIsKept) {
  v1::SubmitComparisonRequest r;
  absl::Status s = ParseJsonBody(R"({"task_id": "t-1", "preferenc": 3})", &r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(s), "preferenc") << s;
  EXPECT_EQ(r.ByteSizeLong(), 0u) << "a rejected body must not leave fields set";
}

TEST(JsonBodyTest, NestedUnknownFieldIsNamedWithItsPath) {
  v1::CreateTaskRequest r;
  absl::Status s = ParseJsonBody(R"({"context": {"turns": [{"role": "HUMAN", "txt": "hi"}]}})", &r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(s), "context.turns[0].txt") << s;
}

TEST(JsonBodyTest, BadValueNamesTheField) {
  v1::SubmitComparisonRequest r;
  absl::Status s = ParseJsonBody(R"({"preference": "lots"})", &r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(s), "preference") << s;
}

TEST(JsonBodyTest, MalformedJsonNamesTheBody) {
  v1::SubmitComparisonRequest r;
  absl::Status s = ParseJsonBody(R"({"task_id": )", &r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(s), "body") << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("SubmitComparisonRequest"));
}

TEST(JsonBodyTest, PrintsProtoNamesAndZeroValues) {
  v1::SubmitComparisonRequest r;
  r.set_task_id("t-9");
  absl::StatusOr<std::string> out = PrintJsonBody(r);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(*out, HasSubstr(R"("task_id":"t-9")"));
  EXPECT_THAT(*out, HasSubstr(R"("preference":0)"));
  EXPECT_THAT(*out, HasSubstr(R"("next_human_turn":"")"));
}

}  // namespace
}  // namespace shammie::collector
