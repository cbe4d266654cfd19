// Request bytes → messages, with bad input named the way the collector names
// it everywhere else.
//
// Why the service parses requests itself: protobuf's C++ runtime rejects a
// proto3 message whose string fields hold invalid UTF-8, and gRPC then fails
// the call with a generic code (or, inside a client stream, ends the stream
// early — an import would silently lose its tail). Parsing here turns that
// into INVALID_ARGUMENT with the path of the offending field, e.g.
// "context.turns[0].text: is not valid UTF-8", as DESIGN.md asks.
#ifndef SHAMMIE_SERVICES_COLLECTOR_WIRE_FORMAT_H_
#define SHAMMIE_SERVICES_COLLECTOR_WIRE_FORMAT_H_

#include <grpcpp/support/byte_buffer.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace shammie::collector {

// Parses `buffer` into `message`. INVALID_ARGUMENT "<prefix.>field.path: is
// not valid UTF-8" for bad text, "<prefix|request>: not a valid <type>" for
// anything else that does not parse.
absl::Status ParseRequest(const grpc::ByteBuffer& buffer, google::protobuf::Message* message,
                          absl::string_view prefix = "");

// The path of the first string field (in wire order) of `type` in `bytes`
// that is not valid UTF-8, "" when none is found. Paths look like
// "context.turns[2].text"; `prefix` is prepended with a dot.
std::string FindInvalidUtf8(const google::protobuf::Descriptor* type, absl::string_view bytes,
                            const std::string& prefix);

grpc::ByteBuffer ToByteBuffer(const google::protobuf::Message& message);

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_WIRE_FORMAT_H_
