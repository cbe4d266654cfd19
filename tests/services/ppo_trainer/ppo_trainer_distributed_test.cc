// `shammie-ppo-trainer` with WORLD_SIZE=2: two real processes over loopback
// (c10d Gloo + TCPStore on a free MASTER_PORT). Rank 0 serves gRPC; rank 1
// serves nothing and follows it. A short job started through rank 0 must
// SUCCEED with the curve and final weights of the same job on one process
// (within float-rounding tolerances: the two ranks sum gradients in another
// order; policy/ppo_distributed_test has the library's numbers), and rank 1
// must have taken every step with it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "policy/checkpoint.h"
#include "shammie/v1/ppo_trainer.grpc.pb.h"
#include "tests/lib/free_port.h"
#include "tests/lib/ppo_trainer_process.h"
#include "tests/services/ppo_trainer/ppo_job_fixture.h"

namespace shammie::ppo_trainer {
namespace {

using ::testing::HasSubstr;

class PpoDistributedServiceTest : public testing::PpoJobFixture {
 protected:
  v1::PpoJobSpec Spec() const {
    v1::PpoJobSpec s = TinySpec("dp", /*steps=*/4);
    s.set_ppo_epochs(2);
    return s;
  }

  // Starts the spec, waits for its end; the finished job.
  static v1::PpoJob Run(v1::PolicyTrainer::Stub& stub, const v1::PpoJobSpec& spec) {
    v1::PpoJob job;
    grpc::ClientContext start_ctx;
    grpc::Status st = stub.StartJob(&start_ctx, spec, &job);
    EXPECT_TRUE(st.ok()) << st.error_message();
    if (!st.ok()) return job;
    return WaitForEnd(stub, job.status().id(), /*polls=*/1500);
  }
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_F(PpoDistributedServiceTest, TwoRanksMatchOneProcessThroughRankZerosGrpc) {
  // One process.
  v1::PpoJob single;
  {
    testing::PpoTrainerProcess trainer(
        {"--data-dir", dir("single"), "--listen", "127.0.0.1:0", "--collector", server_->address()},
        {{}, dir("single.stderr")});
    ASSERT_TRUE(trainer.Connect(token_)) << ReadFile(dir("single.stderr"));
    single = Run(trainer.stub(), Spec());
  }
  ASSERT_EQ(single.status().state(), v1::JOB_SUCCEEDED) << single.status().error();

  // Two ranks: rank 1 first (it waits for rank 0's store), then rank 0.
  const std::string port = std::to_string(testing::PickFreePort());
  const std::vector<std::string> common_env = {"WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1",
                                               "MASTER_PORT=" + port};
  std::vector<std::string> env1 = common_env, env0 = common_env;
  env1.push_back("RANK=1");
  env0.push_back("RANK=0");
  v1::PpoJob dp;
  {
    testing::PpoTrainerProcess rank1({}, {env1, dir("rank1.stderr")});
    testing::PpoTrainerProcess rank0(
        {"--data-dir", dir("dp"), "--listen", "127.0.0.1:0", "--collector", server_->address()},
        {env0, dir("rank0.stderr")});
    ASSERT_TRUE(rank0.Connect(token_)) << ReadFile(dir("rank0.stderr"));
    EXPECT_EQ(rank1.process().ReadLine().value_or("(nothing)"), "rank 1 of 2: following rank 0");
    dp = Run(rank0.stub(), Spec());
  }
  ASSERT_EQ(dp.status().state(), v1::JOB_SUCCEEDED) << dp.status().error();
  // Rank 1 took every step of the job with rank 0.
  EXPECT_THAT(ReadFile(dir("rank1.stderr")), HasSubstr("left at step 4"));

  // The same curve…
  const v1::PpoReport& a = single.report();
  const v1::PpoReport& b = dp.report();
  ASSERT_EQ(a.steps_size(), 4);
  ASSERT_EQ(b.steps_size(), 4);
  for (int i = 0; i < 4; ++i) {
    const v1::PpoStep& x = a.steps(i);
    const v1::PpoStep& y = b.steps(i);
    for (auto [name, u, v] : std::vector<std::tuple<const char*, double, double>>{
             {"reward", x.reward(), y.reward()},
             {"kl", x.kl(), y.kl()},
             {"entropy", x.entropy(), y.entropy()},
             {"value_loss", x.value_loss(), y.value_loss()},
             {"policy_loss", x.policy_loss(), y.policy_loss()},
             {"response_length", x.response_length(), y.response_length()}}) {
      EXPECT_NEAR(u, v, 1e-4 * std::max(1.0, std::abs(u))) << name << " at step " << i + 1;
    }
  }
  // …and the same final weights, written by rank 0.
  auto start = policy::LoadCheckpoint(dir("policy"));
  auto w1 = policy::LoadCheckpoint(single.status().checkpoint());
  auto w2 = policy::LoadCheckpoint(dp.status().checkpoint());
  ASSERT_TRUE(start.ok() && w1.ok() && w2.ok()) << dp.status().checkpoint();
  double diff = 0, change = 0;
  int64_t n = 0;
  auto p0 = start->model->parameters(), p1 = w1->model->parameters(), p2 = w2->model->parameters();
  for (size_t i = 0; i < p1.size(); ++i) {
    diff += (p1[i] - p2[i]).abs().sum().item<double>();
    change += (p1[i] - p0[i]).abs().sum().item<double>();
    n += p1[i].numel();
  }
  std::printf("mean |single - two ranks| %.3g; mean |single - start| %.3g over %lld weights\n",
              diff / n, change / n, static_cast<long long>(n));
  EXPECT_GT(change / n, 1e-4);           // the job trained
  EXPECT_LT(diff / n, 1e-2 * change / n);  // and both ways agree
}

}  // namespace
}  // namespace shammie::ppo_trainer
