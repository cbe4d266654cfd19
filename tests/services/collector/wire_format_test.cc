#include "services/collector/wire_format.h"

#include "gtest/gtest.h"
#include "shammie/v1/collector.pb.h"

namespace shammie::collector {
namespace {

grpc::ByteBuffer Bytes(const std::string& s) {
  grpc::Slice slice(s);
  return grpc::ByteBuffer(&slice, 1);
}

// Serializes with the bad bytes in place (protobuf only logs on serialize).
std::string WithBadText() {
  v1::CreateTaskRequest req;
  for (int i = 0; i < 3; ++i) {
    auto* t = req.mutable_context()->add_turns();
    t->set_role(v1::HUMAN);
    t->set_text(i == 2 ? std::string("bad \xC3\x28") : "ok");
  }
  return req.SerializeAsString();
}

TEST(WireFormatTest, NamesTheFieldWithInvalidUtf8) {
  v1::CreateTaskRequest req;
  absl::Status s = ParseRequest(Bytes(WithBadText()), &req);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "context.turns[2].text: is not valid UTF-8");
  EXPECT_EQ(FindInvalidUtf8(v1::CreateTaskRequest::descriptor(), WithBadText(), "x"),
            "x.context.turns[2].text");
}

TEST(WireFormatTest, ParsesGoodBytesAndRejectsGarbage) {
  v1::SubmitComparisonRequest in;
  in.set_task_id("t-1");
  in.set_preference(4);
  v1::SubmitComparisonRequest out;
  ASSERT_TRUE(ParseRequest(ToByteBuffer(in), &out).ok());
  EXPECT_EQ(out.task_id(), "t-1");
  EXPECT_EQ(out.preference(), 4);
  absl::Status s = ParseRequest(Bytes("\xff\xff\xff"), &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "request: not a valid shammie.v1.SubmitComparisonRequest");
}

}  // namespace
}  // namespace shammie::collector
