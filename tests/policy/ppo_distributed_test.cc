// PPO data parallel through c10d Gloo on loopback, as the PM trainer's test
// does it: two real processes (this binary re-run as workers with RANK /
// WORLD_SIZE / MASTER_ADDR / MASTER_PORT set like torchrun) each roll out
// half of every step's global batch; gradients and metrics are summed across
// them through common::ProcessGroup. Both ranks must end with identical
// weights (policy and value head) and report identical metrics, and both must
// match one process running the same global batch, within float tolerance.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "policy/ppo_trainer.h"
#include "common/process_group.h"
#include "tests/lib/free_port.h"
#include "tests/lib/temp_dir.h"

namespace shammie::policy {
namespace {

constexpr int kSteps = 3;

GptConfig TinyConfig() {
  GptConfig c;
  c.n_layer = 2;
  c.n_head = 2;
  c.n_embd = 64;
  c.n_positions = 64;
  return c;
}

// Share of response bytes below 128: a reward the tiny model can move.
class LowByteScorer : public EpisodeScorer {
 public:
  absl::StatusOr<std::vector<double>> Score(const std::vector<Episode>& episodes) override {
    std::vector<double> out;
    for (const Episode& e : episodes) {
      double low = 0;
      for (int64_t id : e.response_ids) low += id < 128 ? 1 : 0;
      out.push_back(low / static_cast<double>(e.response_ids.size()));
    }
    return out;
  }
};

// Prompts of one length, so no episode's context is padded differently in a
// rank's half-batch than in the whole batch.
std::vector<PpoPrompt> Prompts() {
  std::vector<PpoPrompt> out;
  for (int i = 10; i < 30; ++i) {
    PpoPrompt p;
    p.context = "prompt " + std::to_string(i);
    for (char ch : p.context) p.context_ids.push_back(static_cast<unsigned char>(ch));
    out.push_back(p);
  }
  return out;
}

// Steps of a global batch of 8 (minibatches of 4, 2 epochs); returns the
// flattened policy + value head weights, then per step reward, KL, entropy,
// clip fraction, value loss and β.
torch::Tensor Train(const PpoDataParallel& parallel) {
  PpoOptions o;
  o.batch_size = 8;
  o.minibatch_size = 4;
  o.ppo_epochs = 2;
  o.max_response_tokens = 8;
  o.learning_rate = 3e-3;
  o.kl.initial_beta = 0.05;
  o.kl.kl_target = 1.0;  // adaptive: β follows the all-reduced KL
  o.kl.horizon = 100;
  o.seed = 21;
  PpoModels models;
  torch::manual_seed(5);
  models.policy = Gpt(TinyConfig());
  torch::manual_seed(5);
  models.reference = Gpt(TinyConfig());
  models.decode = [](const std::vector<int64_t>&) { return std::string(); };
  LowByteScorer scorer;
  auto trainer = PpoTrainer::Create(o, models, Prompts(), {&scorer}, parallel);
  EXPECT_TRUE(trainer.ok()) << trainer.status();
  std::vector<torch::Tensor> parts;
  std::vector<double> metrics;
  for (int s = 0; s < kSteps; ++s) {
    absl::StatusOr<PpoStepMetrics> m = (*trainer)->Step();
    EXPECT_TRUE(m.ok()) << m.status();
    metrics.insert(metrics.end(),
                   {m->reward, m->kl, m->entropy, m->clip_fraction, m->value_loss, m->beta});
  }
  for (const auto& p : (*trainer)->policy()->parameters()) parts.push_back(p.detach().reshape({-1}));
  parts.push_back(torch::tensor(metrics, torch::kDouble).to(torch::kFloat32));
  return torch::cat(parts);  // (N + 6·kSteps)
}

// Runs only as a child of the test below (PPO_DDP_OUT set).
TEST(PpoDistributedWorker, TrainOneRank) {
  const char* out = std::getenv("PPO_DDP_OUT");
  if (out == nullptr) GTEST_SKIP() << "worker mode only";
  auto env = common::DistributedOptionsFromEnv();
  ASSERT_TRUE(env.ok()) << env.status();
  auto group = common::ProcessGroup::Connect(*env);
  ASSERT_TRUE(group.ok()) << group.status();
  PpoDataParallel parallel;
  parallel.rank = env->rank;
  parallel.world_size = env->world_size;
  common::ProcessGroup* g = group->get();
  parallel.allreduce_sum = [g](std::vector<torch::Tensor>& t) { g->AllReduceMean(t, /*sum=*/true); };
  torch::save(Train(parallel), out);
}

TEST(PpoDistributedTest, TwoGlooRanksMatchOneProcessOnTheSameGlobalBatch) {
  if (std::getenv("PPO_DDP_OUT") != nullptr) GTEST_SKIP() << "in a worker";
  shammie::testing::TempDir dir;
  const int port = testing::PickFreePort();
  std::vector<common::Subprocess> workers;
  for (int rank = 0; rank < 2; ++rank) {
    ::setenv("RANK", std::to_string(rank).c_str(), 1);
    ::setenv("WORLD_SIZE", "2", 1);
    ::setenv("MASTER_ADDR", "127.0.0.1", 1);
    ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
    ::setenv("PPO_DDP_OUT", dir.Sub("rank" + std::to_string(rank) + ".pt").c_str(), 1);
    auto p = common::Subprocess::Start(
        {"/proc/self/exe", "--gtest_filter=PpoDistributedWorker.TrainOneRank"});
    ASSERT_TRUE(p.ok()) << p.status();
    workers.push_back(std::move(*p));
  }
  for (const char* v : {"RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "PPO_DDP_OUT"}) {
    ::unsetenv(v);
  }
  for (auto& w : workers) {
    auto code = w.Wait(absl::Seconds(240));
    ASSERT_TRUE(code.ok()) << code.status();
    ASSERT_EQ(*code, 0);
  }
  const torch::Tensor single = Train({});
  torch::Tensor r0, r1;
  torch::load(r0, dir.Sub("rank0.pt"));
  torch::load(r1, dir.Sub("rank1.pt"));
  ASSERT_EQ(r0.numel(), single.numel());
  const int64_t n_metrics = 6 * kSteps;
  const int64_t n_weights = single.numel() - n_metrics;
  torch::Tensor w0 = r0.narrow(0, 0, n_weights), w1 = r1.narrow(0, 0, n_weights);
  torch::Tensor ws = single.narrow(0, 0, n_weights);
  torch::Tensor m0 = r0.narrow(0, n_weights, n_metrics), m1 = r1.narrow(0, n_weights, n_metrics);
  torch::Tensor ms = single.narrow(0, n_weights, n_metrics);

  // The initial weights, to show training moved them.
  torch::manual_seed(5);
  Gpt init_gpt(TinyConfig());
  PpoPolicy init(init_gpt);
  std::vector<torch::Tensor> init_parts;
  for (const auto& p : init->parameters()) init_parts.push_back(p.detach().reshape({-1}));
  const torch::Tensor moved = (ws - torch::cat(init_parts)).abs();  // (N)

  const double ranks = (w0 - w1).abs().max().item<double>();
  const double mean_vs_single = (w0 - ws).abs().mean().item<double>();
  const double outliers = ((w0 - ws).abs() > 1e-5).to(torch::kFloat64).mean().item<double>();
  const double metrics_vs_single = (m0 - ms).abs().max().item<double>();
  std::printf("max |rank0 - rank1| = %.3g; vs single: mean %.3g, share > 1e-5 %.2g; "
              "mean weight change %.3g; max metric diff vs single %.3g\n",
              ranks, mean_vs_single, outliers, moved.mean().item<double>(), metrics_vs_single);
  for (int s = 0; s < kSteps; ++s) {
    std::printf("step %d single reward %.4f kl %.4f beta %.5f | ranks reward %.4f kl %.4f beta %.5f\n",
                s + 1, ms[6 * s].item<double>(), ms[6 * s + 1].item<double>(),
                ms[6 * s + 5].item<double>(), m0[6 * s].item<double>(),
                m0[6 * s + 1].item<double>(), m0[6 * s + 5].item<double>());
  }
  EXPECT_EQ(ranks, 0.0);  // the same summed gradients, the same Adam steps
  EXPECT_TRUE(torch::equal(m0, m1));  // metrics summed across ranks: one report
  // Against one process, sums run in another order (whitening in double
  // across ranks, gradients added rank by rank), so the bits differ; as in
  // the PM test, Adam turns ~0 gradients' rounding into full steps on a few
  // weights, so the check is on the bulk.
  EXPECT_LT(mean_vs_single, 1e-3 * moved.mean().item<double>());
  EXPECT_LT(outliers, 1e-2);
  EXPECT_LT(metrics_vs_single, 1e-3);
  EXPECT_GT(moved.mean().item<double>(), 1e-4);  // training moved the weights
}

}  // namespace
}  // namespace shammie::policy
