#include "policy/safetensors.h"

#include <torch/torch.h>

#include <cstring>
#include <random>

#include "gtest/gtest.h"
#include "policy/safetensors_header.h"
#include "tests/policy/temp_dir.h"

namespace shammie::policy {
namespace {

using shammie::testing::ReadFileOrEmpty;
using shammie::testing::TempDir;

// A file from a header JSON and a data section, built by hand.
std::string File(const std::string& json, const std::string& data) {
  std::string out(8, '\0');
  const uint64_t n = json.size();
  std::memcpy(out.data(), &n, 8);
  return out + json + data;
}

std::string Bytes(std::initializer_list<uint8_t> b) { return std::string(b.begin(), b.end()); }

TEST(SafetensorsTest, WriteThenReadRoundTripsFloatAndInt) {
  TempDir dir;
  TensorMap in = {{"a.weight", torch::randn({3, 5})},
                  {"b", torch::arange(7, torch::kInt64)},
                  {"empty", torch::zeros({0, 4})},
                  {"scalar", torch::tensor(2.5f)}};
  in["view"] = torch::randn({4, 6}).t();  // non-contiguous
  ASSERT_TRUE(WriteSafetensors(dir.Sub("m.safetensors"), in, {{"format", "pt"}}).ok());
  auto out = ReadSafetensors(dir.Sub("m.safetensors"));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), in.size());
  for (const auto& [name, t] : in) {
    EXPECT_TRUE(torch::equal(out->at(name), t)) << name;
    EXPECT_EQ(out->at(name).scalar_type(), t.scalar_type()) << name;
  }
  const std::string raw = ReadFileOrEmpty(dir.Sub("m.safetensors"));
  uint64_t n;
  std::memcpy(&n, raw.data(), 8);
  EXPECT_EQ((8 + n) % 8, 0u);  // data section aligned
  auto header = ParseSafetensorsHeader(raw, raw.size());
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->metadata.at("format"), "pt");
}

TEST(SafetensorsTest, HalfAndBfloat16AreReadAsFloat32) {
  // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800. BF16: 1.0 = 0x3F80, -3.0 = 0xC040.
  const std::string f16 = Bytes({0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38});
  const std::string bf16 = Bytes({0x80, 0x3F, 0x40, 0xC0});
  const std::string json =
      R"({"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},)"
      R"("b":{"dtype":"BF16","shape":[2,1],"data_offsets":[6,10]}})";
  auto t = ParseSafetensors(File(json, f16 + bf16), "test");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->at("h").scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(t->at("h"), torch::tensor({1.0f, -2.0f, 0.5f})));
  EXPECT_TRUE(torch::equal(t->at("b"), torch::tensor({{1.0f}, {-3.0f}})));
}

TEST(SafetensorsTest, MalformedFilesGiveClearErrors) {
  const std::string ok_json = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string data(8, '\0');
  ASSERT_TRUE(ParseSafetensors(File(ok_json, data), "f").ok());
  struct Case {
    std::string file;
    absl::StatusCode code;
    const char* says;
  };
  const Case cases[] = {
      {"abc", absl::StatusCode::kDataLoss, "too short"},
      {File(ok_json, data).substr(0, 20), absl::StatusCode::kDataLoss, "past the end"},
      {File(ok_json, data.substr(0, 5)), absl::StatusCode::kDataLoss, "truncated"},
      {File("{\"x\": [", data), absl::StatusCode::kInvalidArgument, "not valid JSON"},
      {File("[1,2]", ""), absl::StatusCode::kInvalidArgument, "not a JSON object"},
      {File(R"({"x":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", data),
       absl::StatusCode::kInvalidArgument, "unsupported dtype \"Q7\""},
      {File(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data),
       absl::StatusCode::kInvalidArgument, "need 12 bytes"},
      {File(R"({"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data),
       absl::StatusCode::kInvalidArgument, "negative dimension"},
      {File(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[4,0]}})", data),
       absl::StatusCode::kInvalidArgument, "begin is after end"},
      {File(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
            R"("y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data),
       absl::StatusCode::kInvalidArgument, "overlaps"},
      {File(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data),
       absl::StatusCode::kInvalidArgument, "hole"},
      {File(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", data),
       absl::StatusCode::kInvalidArgument, "cover 4 bytes"},
      {File(R"({"x":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}})", data),
       absl::StatusCode::kInvalidArgument, "too large"},
      {File(R"({"x":{"dtype":"F32","shape":[2]}})", data), absl::StatusCode::kInvalidArgument,
       "data_offsets"},
      {File(R"({"x":{"shape":[2],"data_offsets":[0,8]}})", data), absl::StatusCode::kInvalidArgument,
       "\"dtype\" missing"},
      {File(R"({"__metadata__":{"a":1}})", ""), absl::StatusCode::kInvalidArgument, "__metadata__"},
  };
  for (const Case& c : cases) {
    auto r = ParseSafetensors(c.file, "model.safetensors");
    EXPECT_EQ(r.status().code(), c.code) << c.says << ": " << r.status();
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status();
    EXPECT_NE(r.status().message().find("model.safetensors"), std::string::npos) << r.status();
  }
  std::string huge(8, '\xff');
  EXPECT_EQ(ParseSafetensors(huge, "f").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SafetensorsTest, RandomCorruptionNeverCrashes) {
  TempDir dir;
  ASSERT_TRUE(WriteSafetensors(dir.Sub("m.safetensors"),
                               {{"a", torch::randn({4, 4})}, {"b", torch::randn({3})}})
                  .ok());
  const std::string good = ReadFileOrEmpty(dir.Sub("m.safetensors"));
  std::mt19937 rng(5);
  int rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string f = good;
    const int flips = 1 + rng() % 4;
    for (int k = 0; k < flips; ++k) f[rng() % f.size()] = static_cast<char>(rng());
    if (rng() % 4 == 0) f.resize(rng() % f.size());
    auto r = ParseSafetensors(f, "fuzz");
    rejected += !r.ok();
    if (!r.ok()) {
      EXPECT_TRUE(r.status().code() == absl::StatusCode::kInvalidArgument ||
                  r.status().code() == absl::StatusCode::kDataLoss)
          << r.status();
    }
  }
  EXPECT_GT(rejected, 500);
}

TEST(SafetensorsTest, MissingFileAndUnwritableTypes) {
  TempDir dir;
  EXPECT_EQ(ReadSafetensors(dir.Sub("none")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(WriteSafetensors(dir.Sub("x"), {{"h", torch::ones({2}, torch::kFloat16)}}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteSafetensors(dir.Sub("x"), {{"__metadata__", torch::ones({2})}}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteSafetensors("/nonexistent/dir/x", {{"a", torch::ones({2})}}).code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace shammie::policy
