// `shammie import FILE --format hh-rlhf|pairs`: parses the whole file first
// (every malformed line is reported by number and nothing is sent), then
// streams it to ImportComparisons, which stores all of it or none.
// Re-importing the same file stores nothing new (see comparison_formats.h).
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/cli/collector_client.h"
#include "services/common/grpc_status.h"
#include "storage/comparison_formats.h"

namespace shammie::cli {

int RunImport(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv);
  if (!args.ok()) return Fail("import", args.status());
  if (args->GetBool("help") || args->positional().size() != 1) {
    std::fputs(
        "usage: shammie import FILE --format hh-rlhf|pairs [--server ADDR] [--token-file F]\n",
        args->GetBool("help") ? stdout : stderr);
    return args->GetBool("help") ? 0 : 2;
  }
  auto format = storage::ParseComparisonFormat(args->Get("format", "hh-rlhf"));
  if (!format.ok()) return Fail("import", format.status());
  auto client = ConnectCollector(*args);
  if (!client.ok()) return Fail("import", client.status());
  if (absl::Status st = args->CheckNoUnused(); !st.ok()) return Fail("import", st);

  const std::string path = args->positional()[0];
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail("import", absl::InvalidArgumentError(absl::StrCat("cannot read ", path)));
  std::stringstream ss;
  ss << in.rdbuf();
  auto comparisons = storage::ParseComparisons(ss.str(), *format);
  if (!comparisons.ok()) return Fail("import", comparisons.status());

  v1::ImportSummary summary;
  auto ctx = client->Context(absl::Hours(1));
  auto writer = client->stub->ImportComparisons(ctx.get(), &summary);
  for (const v1::Comparison& c : *comparisons) {
    if (!writer->Write(c)) break;  // the server ended the call; Finish says why
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) return Fail("import", services::FromGrpcStatus(s));
  std::printf("imported %llu comparisons (%llu duplicates skipped), seq %llu..%llu\n",
              static_cast<unsigned long long>(summary.imported()),
              static_cast<unsigned long long>(summary.duplicates()),
              static_cast<unsigned long long>(summary.first_seq()),
              static_cast<unsigned long long>(summary.last_seq()));
  return 0;
}

}  // namespace shammie::cli
