// What a shammie-ppo-trainer process needs for a short job in a test: a
// collector that checks the callers' tokens (CollectorFixture), a SERVICE
// token, and in a temporary folder a tiny byte-level policy checkpoint
// ("policy"), a PM of its shape with a random head ("pm", so rewards vary)
// and four prompts ("prompts.jsonl"). Subclasses add their own files after
// calling SetUp().
#ifndef SHAMMIE_TESTS_SERVICES_PPO_TRAINER_PPO_JOB_FIXTURE_H_
#define SHAMMIE_TESTS_SERVICES_PPO_TRAINER_PPO_JOB_FIXTURE_H_

#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "policy/byte_tokenizer.h"
#include "policy/checkpoint.h"
#include "reward_model/pm_checkpoint.h"
#include "reward_model/preference_model.h"
#include "shammie/v1/ppo_trainer.grpc.pb.h"
#include "tests/lib/collector_fixture.h"

namespace shammie::testing {

class PpoJobFixture : public CollectorFixture {
 protected:
  static policy::GptConfig Tiny(int64_t n_embd = 32, int64_t vocab = 257) {
    policy::GptConfig c;
    c.n_layer = 1;
    c.n_head = 2;
    c.n_embd = n_embd;
    c.n_positions = 64;
    c.vocab_size = vocab;
    return c;
  }

  void SetUp() override {
    CollectorFixture::SetUp();
    token_ = NewToken("ppo-test", v1::SERVICE);  // may start and cancel jobs
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = std::filesystem::path(::testing::TempDir()) /
            (std::string(test->test_suite_name()) + "_" + std::to_string(getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    policy::ByteTokenizer bytes;
    torch::manual_seed(0);
    policy::Gpt policy(Tiny());
    ASSERT_TRUE(policy::SaveCheckpoint(dir("policy"), policy, bytes).ok());
    reward_model::PreferenceModel pm{policy::Gpt(Tiny())};
    {
      torch::NoGradGuard no_grad;
      pm->head->weight.normal_(0, 1);  // a PM with opinions, so rewards vary
    }
    ASSERT_TRUE(reward_model::WritePmCheckpoint(pm, {}, {}, dir("pm")).ok());
    std::ofstream prompts(dir("prompts.jsonl"));
    for (const char* p : {"What is 2 plus 3?", "Name 2 fruits.", "How are you?", "Hello!"}) {
      prompts << "{\"prompt\": \"\\n\\nHuman: " << p << "\\n\\nAssistant:\"}\n";
    }
  }
  void TearDown() override {
    std::filesystem::remove_all(root_);
    CollectorFixture::TearDown();
  }

  std::string dir(const std::string& name) const { return (root_ / name).string(); }

  // A short job on the files above: 8 episodes of ≤ 8 tokens per step,
  // minibatch 4, a checkpoint every 2 steps.
  v1::PpoJobSpec TinySpec(const std::string& key, uint32_t steps) const {
    v1::PpoJobSpec s;
    s.set_key(key);
    s.set_policy_checkpoint(dir("policy"));
    s.set_pm_checkpoint(dir("pm"));
    s.set_prompt_file(dir("prompts.jsonl"));
    s.set_steps(steps);
    s.set_batch_size(8);
    s.set_minibatch_size(4);
    s.set_max_response_tokens(8);
    s.set_learning_rate(1e-3);
    s.set_kl_coef(0.05);
    s.set_seed(11);
    s.set_checkpoint_every(2);
    return s;
  }

  // Polls GetJob every 200 ms until the job ends (or `polls` polls); the
  // last job seen.
  static v1::PpoJob WaitForEnd(v1::PolicyTrainer::Stub& stub, const std::string& id,
                               int polls = 600) {
    v1::PpoJob job;
    for (int i = 0; i < polls; ++i) {
      grpc::ClientContext ctx;
      v1::GetJobRequest req;
      req.set_id(id);
      if (stub.GetJob(&ctx, req, &job).ok() &&
          (job.status().state() == v1::JOB_SUCCEEDED || job.status().state() == v1::JOB_FAILED ||
           job.status().state() == v1::JOB_CANCELLED)) {
        return job;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return job;
  }

  std::filesystem::path root_;
  std::string token_;  // SERVICE
};

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_SERVICES_PPO_TRAINER_PPO_JOB_FIXTURE_H_
