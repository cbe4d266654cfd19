// PolicyRuntime over a loaded Checkpoint: tokenizes, truncates, samples,
// returns text. The implementation class is here so the header stays
// torch-free.
#include "policy/policy_runtime.h"

#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"
#include "common/utf8.h"
#include "policy/checkpoint.h"
#include "policy/sampler.h"

namespace shammie::policy {
namespace {

class PolicyRuntimeImpl : public PolicyRuntime {
 public:
  PolicyRuntimeImpl(Checkpoint checkpoint, RuntimeOptions options)
      : ckpt_(std::move(checkpoint)), options_(options) {
    ckpt_.model->eval();
    SamplerOptions so;
    so.eos_token_id = ckpt_.tokenizer->eos_token_id();
    so.pad_token_id = ckpt_.tokenizer->eos_token_id();
    const Tokenizer* tok = ckpt_.tokenizer.get();
    sampler_ = std::make_unique<Sampler>(ckpt_.model, so, [tok](const std::vector<int64_t>& ids) {
      // Byte-level models can sample bytes that form no UTF-8 character;
      // text leaving the runtime (protobuf strings, the page) must be UTF-8.
      absl::StatusOr<std::string> text = tok->Decode(ids);
      return text.ok() ? common::ToValidUtf8(*text) : std::string();
    });
  }

  absl::StatusOr<std::vector<TextCompletion>> Generate(
      const std::vector<TextRequest>& requests) override {
    std::vector<GenerationRequest> batch;
    batch.reserve(requests.size());
    for (const TextRequest& r : requests) {
      GenerationRequest g{ckpt_.tokenizer->Encode(r.prompt), r.params};
      const int64_t room = ckpt_.config.n_positions - r.params.max_new_tokens;
      if (options_.truncate_prompt_left && room > 0 &&
          static_cast<int64_t>(g.prompt.size()) > room) {
        g.prompt.erase(g.prompt.begin(), g.prompt.end() - room);
      }
      batch.push_back(std::move(g));
    }
    absl::MutexLock lock(&mu_);
    SHAMMIE_ASSIGN_OR_RETURN(std::vector<Completion> out, sampler_->Generate(batch));
    std::vector<TextCompletion> result;
    result.reserve(out.size());
    for (size_t i = 0; i < out.size(); ++i) {
      result.push_back({std::move(out[i].text), std::move(out[i].tokens), out[i].finish,
                        static_cast<int64_t>(batch[i].prompt.size())});
    }
    return result;
  }

  const GptConfig& config() const override { return ckpt_.config; }
  const Tokenizer& tokenizer() const override { return *ckpt_.tokenizer; }

 private:
  Checkpoint ckpt_;
  RuntimeOptions options_;
  absl::Mutex mu_;
  std::unique_ptr<Sampler> sampler_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<PolicyRuntime>> PolicyRuntime::Load(const std::string& checkpoint_dir,
                                                                   RuntimeOptions options) {
  SHAMMIE_ASSIGN_OR_RETURN(Checkpoint checkpoint, LoadCheckpoint(checkpoint_dir));
  return std::unique_ptr<PolicyRuntime>(new PolicyRuntimeImpl(std::move(checkpoint), options));
}

}  // namespace shammie::policy
