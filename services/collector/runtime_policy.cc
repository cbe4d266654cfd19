#include "services/collector/runtime_policy.h"

#include "policy/policy_runtime.h"

namespace shammie::collector {
namespace {

class RuntimePolicy : public TextPolicy {
 public:
  explicit RuntimePolicy(std::unique_ptr<policy::PolicyRuntime> runtime)
      : runtime_(std::move(runtime)) {}

  absl::StatusOr<std::string> Generate(const std::string& dialog, uint64_t seed) override {
    policy::TextRequest request;
    request.prompt = dialog;
    request.params.temperature = 1.0;
    request.params.max_new_tokens = 48;
    request.params.stop = {"\n\n"};
    request.params.seed = seed;
    auto out = runtime_->Generate({request});
    if (!out.ok()) return out.status();
    return (*out)[0].text;
  }

 private:
  std::unique_ptr<policy::PolicyRuntime> runtime_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<TextPolicy>> LoadRuntimePolicy(const std::string& checkpoint) {
  auto runtime = policy::PolicyRuntime::Load(checkpoint);
  if (!runtime.ok()) return runtime.status();
  return std::shared_ptr<TextPolicy>(new RuntimePolicy(*std::move(runtime)));
}

}  // namespace shammie::collector
