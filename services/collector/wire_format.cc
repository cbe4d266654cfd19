#include "services/collector/wire_format.h"

#include <map>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/utf8.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/unknown_field_set.h"

namespace shammie::collector {

namespace {

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

}  // namespace

std::string FindInvalidUtf8(const google::protobuf::Descriptor* type, absl::string_view bytes,
                            const std::string& prefix) {
  // Read the bytes without a schema (no UTF-8 checks), then walk them with
  // the descriptor to name fields.
  google::protobuf::UnknownFieldSet fields;
  if (!fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return "";
  std::map<int, int> seen;
  for (int i = 0; i < fields.field_count(); ++i) {
    const google::protobuf::UnknownField& f = fields.field(i);
    if (f.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) continue;
    const google::protobuf::FieldDescriptor* fd = type->FindFieldByNumber(f.number());
    if (fd == nullptr) continue;
    const int index = seen[f.number()]++;
    std::string path = prefix.empty() ? fd->name() : absl::StrCat(prefix, ".", fd->name());
    if (fd->is_repeated() && !fd->is_map()) absl::StrAppend(&path, "[", index, "]");
    const std::string& value = f.length_delimited();
    if (fd->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
        !common::IsValidUtf8(std::string_view(value))) {
      return path;
    }
    if (fd->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      std::string inner = FindInvalidUtf8(fd->message_type(), value, path);
      if (!inner.empty()) return inner;
    }
  }
  return "";
}

absl::Status ParseRequest(const grpc::ByteBuffer& buffer, google::protobuf::Message* message,
                          absl::string_view prefix) {
  const std::string bytes = Flatten(buffer);
  if (message->ParseFromString(bytes)) return absl::OkStatus();
  std::string field = FindInvalidUtf8(message->GetDescriptor(), bytes, std::string(prefix));
  if (!field.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": is not valid UTF-8"));
  return absl::InvalidArgumentError(absl::StrCat(prefix.empty() ? absl::string_view("request") : prefix,
                                                 ": not a valid ", message->GetTypeName()));
}

grpc::ByteBuffer ToByteBuffer(const google::protobuf::Message& message) {
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace shammie::collector
