// `shammie export --format hh-rlhf|pairs [--out FILE] [--after-seq N]
// [--up-to-seq N]`: one consistent snapshot, in seq order. With --out the
// file appears only when complete (written to FILE.tmp, then renamed).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/cli/collector_client.h"
#include "services/common/grpc_status.h"
#include "storage/comparison_formats.h"

namespace shammie::cli {

int RunExport(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv);
  if (!args.ok()) return Fail("export", args.status());
  if (args->GetBool("help")) {
    std::puts(
        "usage: shammie export --format hh-rlhf|pairs [--out FILE] [--after-seq N] [--up-to-seq "
        "N]\n"
        "                      [--server ADDR] [--token-file F]");
    return 0;
  }
  auto format = storage::ParseComparisonFormat(args->Get("format", "hh-rlhf"));
  if (!format.ok()) return Fail("export", format.status());
  auto after = args->GetInt("after-seq", 0);
  if (!after.ok()) return Fail("export", after.status());
  auto up_to = args->GetInt("up-to-seq", 0);
  if (!up_to.ok()) return Fail("export", up_to.status());
  if (*after < 0 || *up_to < 0) {
    return Fail("export", absl::InvalidArgumentError("--after-seq and --up-to-seq must be >= 0"));
  }
  const std::string out_path = args->Get("out");
  auto client = ConnectCollector(*args);
  if (!client.ok()) return Fail("export", client.status());
  if (absl::Status st = args->CheckNoUnused(); !st.ok()) return Fail("export", st);

  const std::string tmp_path = absl::StrCat(out_path, ".tmp");
  FILE* out = out_path.empty() ? stdout : std::fopen(tmp_path.c_str(), "wb");
  if (!out)
    return Fail("export",
                absl::InvalidArgumentError(absl::StrCat("--out: cannot write ", tmp_path)));
  v1::ExportComparisonsRequest req;
  req.set_after_seq(static_cast<uint64_t>(*after));
  req.set_up_to_seq(static_cast<uint64_t>(*up_to));
  auto ctx = client->Context(absl::Hours(1));
  auto reader = client->stub->ExportComparisons(ctx.get(), req);
  v1::Comparison c;
  uint64_t n = 0, last_seq = 0;
  while (reader->Read(&c)) {
    const std::string line = storage::FormatComparison(c, *format);
    std::fwrite(line.data(), 1, line.size(), out);
    ++n;
    last_seq = c.seq();
  }
  grpc::Status s = reader->Finish();
  const bool write_ok = std::fflush(out) == 0 && !std::ferror(out);
  if (!out_path.empty()) std::fclose(out);
  if (!s.ok() || !write_ok) {
    if (!out_path.empty()) std::remove(tmp_path.c_str());
    return Fail("export", s.ok() ? absl::InternalError("writing the output failed")
                                 : services::FromGrpcStatus(s));
  }
  if (!out_path.empty() && std::rename(tmp_path.c_str(), out_path.c_str()) != 0) {
    return Fail("export", absl::InternalError(absl::StrCat("renaming ", tmp_path)));
  }
  std::fprintf(stderr, "exported %llu comparisons (last seq %llu)\n",
               static_cast<unsigned long long>(n), static_cast<unsigned long long>(last_seq));
  return 0;
}

}  // namespace shammie::cli
