// Data parallel through c10d Gloo on loopback: two real processes (this test
// binary re-run as workers with RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT set
// like torchrun) train one PM on a global batch split between them; their
// weights must equal each other and match one process training on the same
// global batches, within float tolerance.
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "common/process_group.h"
#include "reward_model/pm_trainer.h"
#include "tests/lib/free_port.h"
#include "tests/lib/temp_dir.h"

namespace shammie::reward_model {
namespace {

using common::DistributedOptionsFromEnv;
using common::ProcessGroup;

constexpr int64_t kEos = 256;

std::vector<PmPair> Pairs() {
  std::vector<PmPair> out;
  for (int i = 0; i < 48; ++i) {
    PmPair p;
    p.context = "\n\nHuman: What is " + std::to_string(i % 9) + " plus 2?\n\nAssistant:";
    p.response_a = " " + std::to_string(i % 9 + 2) + ".";
    p.response_b = " I will not say." + std::string(i % 5, '!');
    p.a_preferred = (i % 4) != 0;
    out.push_back(std::move(p));
  }
  return out;
}

PreferenceModel MakeModel() {
  torch::manual_seed(3);
  policy::GptConfig c;
  c.n_layer = 1;
  c.n_head = 2;
  c.n_embd = 32;
  c.n_positions = 64;
  return PreferenceModel{policy::Gpt(c)};
}

torch::Tensor Flat(PreferenceModel& model) {
  std::vector<torch::Tensor> flat;
  for (const auto& p : model->parameters()) flat.push_back(p.detach().reshape({-1}));
  return torch::cat(flat);  // (N)
}

// Trains 6 steps of 8 pairs (global) and returns all parameters, flattened.
torch::Tensor Train(int64_t rank, int64_t world, ProcessGroup* group) {
  PreferenceModel model = MakeModel();
  PmTrainOptions o;
  o.batch_size = 8;
  o.learning_rate = 1e-3;
  o.warmup_steps = 1;
  o.rank = rank;
  o.world_size = world;
  if (group) {
    o.allreduce = [group](std::vector<torch::Tensor>& t) { group->AllReduceMean(t, /*sum=*/true); };
  }
  auto trainer = PmTrainer::Create(model, EncodeBytes, kEos, Pairs(), o);
  EXPECT_TRUE(trainer.ok()) << trainer.status();
  EXPECT_TRUE((*trainer)->Train({}).ok());
  return Flat(model);
}

// Runs only as a child of the test below (PM_DDP_OUT set).
TEST(PmDistributedWorker, TrainOneRank) {
  const char* out = std::getenv("PM_DDP_OUT");
  if (out == nullptr) GTEST_SKIP() << "worker mode only";
  auto env = DistributedOptionsFromEnv();
  ASSERT_TRUE(env.ok()) << env.status();
  auto group = ProcessGroup::Connect(*env);
  ASSERT_TRUE(group.ok()) << group.status();
  torch::Tensor weights = Train(env->rank, env->world_size, group->get());
  torch::save(weights, out);
}

TEST(PmDistributedTest, TwoGlooRanksMatchOneProcessOnTheSameGlobalBatch) {
  if (std::getenv("PM_DDP_OUT") != nullptr) GTEST_SKIP() << "in a worker";
  testing::TempDir dir;
  const int port = testing::PickFreePort();
  std::vector<common::Subprocess> workers;
  for (int rank = 0; rank < 2; ++rank) {
    ::setenv("RANK", std::to_string(rank).c_str(), 1);
    ::setenv("WORLD_SIZE", "2", 1);
    ::setenv("MASTER_ADDR", "127.0.0.1", 1);
    ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
    ::setenv("PM_DDP_OUT", dir.Sub("rank" + std::to_string(rank) + ".pt").c_str(), 1);
    auto p = common::Subprocess::Start(
        {"/proc/self/exe", "--gtest_filter=PmDistributedWorker.TrainOneRank"});
    ASSERT_TRUE(p.ok()) << p.status();
    workers.push_back(std::move(*p));
  }
  for (const char* v : {"RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "PM_DDP_OUT"}) {
    ::unsetenv(v);
  }
  for (auto& w : workers) {
    auto code = w.Wait(absl::Seconds(240));
    ASSERT_TRUE(code.ok()) << code.status();
    ASSERT_EQ(*code, 0);
  }
  torch::Tensor single = Train(0, 1, nullptr);
  torch::Tensor r0, r1;
  torch::load(r0, dir.Sub("rank0.pt"));
  torch::load(r1, dir.Sub("rank1.pt"));
  const double ranks = (r0 - r1).abs().max().item<double>();
  const double vs_single = (r0 - single).abs().max().item<double>();
  PreferenceModel init = MakeModel();
  const torch::Tensor moved = (single - Flat(init)).abs();  // (N)
  const double mean_vs_single = (r0 - single).abs().mean().item<double>();
  std::printf("max |rank0 - rank1| = %.3g, max |rank0 - single| = %.3g, mean %.3g; "
              "max weight change %.3g, mean %.3g\n",
              ranks, vs_single, mean_vs_single, moved.max().item<double>(),
              moved.mean().item<double>());
  EXPECT_EQ(ranks, 0.0);  // the same reduced gradients, the same steps
  // Against one process the sums run in a different order, so gradients
  // differ in the last float bits. Adam divides by sqrt(v): on the few
  // parameters whose true gradient is ~0, that rounding noise becomes a
  // full-size step (max diff ≈ lr). So the check is on the bulk: the mean
  // difference is 4 orders below the mean weight change, and almost every
  // weight agrees to 1e-5.
  const double outliers =
      ((r0 - single).abs() > 1e-5).to(torch::kFloat64).mean().item<double>();
  std::printf("fraction of weights differing by > 1e-5: %.2g\n", outliers);
  EXPECT_LT(mean_vs_single, 1e-6);
  EXPECT_LT(outliers, 1e-3);
  // And training moved the weights, so the agreement is not trivial.
  EXPECT_GT(moved.max().item<double>(), 1e-3);
}

}  // namespace
}  // namespace shammie::reward_model
