// `shammie deploy CHECKPOINT [--name N] [--keep-previous] [--collector ADDR]
// [--token-file F]`: make the collector's sampler draw from CHECKPOINT — to
// roll back to an earlier policy or forward to one trained elsewhere.
// --keep-previous deploys it next to the currently newest snapshot (so tasks
// compare the two, as after an iteration); otherwise it is the only one.
// --name defaults to the checkpoint folder's name.
#include <cstdio>
#include <filesystem>

#include "services/cli/service_clients.h"

namespace shammie::cli {

int RunDeploy(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, {"keep-previous", "help"});
  if (!args.ok()) return PrintError("deploy", args.status()) + 1;
  if (args->GetBool("help") || args->positional().size() != 1) {
    std::fprintf(args->GetBool("help") ? stdout : stderr,
                 "usage: shammie deploy CHECKPOINT [--name N] [--keep-previous] "
                 "[--collector 127.0.0.1:50051] [--token-file F]\n");
    return args->GetBool("help") ? 0 : 2;
  }
  std::filesystem::path checkpoint = std::filesystem::absolute(args->positional()[0]);
  std::string name = args->Get("name", checkpoint.filename().string());
  bool keep_previous = args->GetBool("keep-previous");
  auto token = BearerToken(*args);
  if (!token.ok()) return PrintError("deploy", token.status()) + 1;
  auto stub = CollectorStub(*args);
  if (absl::Status s = args->CheckNoUnused(); !s.ok()) return PrintError("deploy", s) + 1;

  v1::DeployPoliciesRequest req;
  auto* p = req.add_policies();
  p->set_name(name);
  p->set_checkpoint(checkpoint.string());
  if (keep_previous) {
    v1::Deployment current;
    grpc::Status s = stub->GetDeployment(CallContext(*token).get(), v1::GetDeploymentRequest(), &current);
    if (!s.ok()) return PrintError("deploy", s);
    if (current.policies_size() > 0 && current.policies(0).name() != name) {
      *req.add_policies() = current.policies(0);
    }
  }
  v1::Deployment deployed;
  grpc::Status s = stub->DeployPolicies(CallContext(*token, 120).get(), req, &deployed);
  if (!s.ok()) return PrintError("deploy", s);
  for (const auto& policy : deployed.policies()) {
    std::printf("deployed %s  %s\n", policy.name().c_str(), policy.checkpoint().c_str());
  }
  return 0;
}

}  // namespace shammie::cli
