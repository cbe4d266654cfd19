// FusedAdam / FusedAdamW against torch::optim's Adam / AdamW: the same
// parameters after several steps (with weight decay, two parameter groups,
// a parameter without a gradient, sizes off the vector width), the same
// state in the same save() archive, and the torch path for amsgrad.
#include "policy/fused_adam.h"

#include <gtest/gtest.h>

#include <sstream>

namespace shammie::policy {
namespace {

std::vector<torch::Tensor> Params(int64_t seed) {
  torch::manual_seed(seed);
  return {torch::randn({37, 5}).requires_grad_(true), torch::randn({3}).requires_grad_(true),
          torch::randn({1000}).requires_grad_(true), torch::randn({4}).requires_grad_(true)};
}

// Gradients that differ per step; the last parameter never gets one.
void SetGrads(std::vector<torch::Tensor>& ps, int step) {
  for (size_t i = 0; i + 1 < ps.size(); ++i) {
    torch::manual_seed(100 * step + i);
    ps[i].mutable_grad() = torch::randn_like(ps[i]);
  }
}

template <class Fused, class Torch, class Options>
void ExpectSameTrajectory(const Options& group0, const Options& group1) {
  std::vector<torch::Tensor> a = Params(1), b = Params(1);
  std::vector<torch::optim::OptimizerParamGroup> ga, gb;
  ga.emplace_back(std::vector<torch::Tensor>{a[0], a[1]}, std::make_unique<Options>(group0));
  ga.emplace_back(std::vector<torch::Tensor>{a[2], a[3]}, std::make_unique<Options>(group1));
  gb.emplace_back(std::vector<torch::Tensor>{b[0], b[1]}, std::make_unique<Options>(group0));
  gb.emplace_back(std::vector<torch::Tensor>{b[2], b[3]}, std::make_unique<Options>(group1));
  Fused fused(std::move(ga));
  Torch reference(std::move(gb));
  for (int step = 1; step <= 6; ++step) {
    SetGrads(a, step);
    SetGrads(b, step);
    fused.step();
    reference.step();
  }
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_LT((a[i] - b[i]).abs().max().item<double>(), 2e-6) << "param " << i;
  }
  EXPECT_TRUE(torch::equal(a[3], Params(1)[3])) << "no gradient, no step";
  // The same state: a save of the fused optimizer loads into torch's.
  std::ostringstream bytes;
  torch::serialize::OutputArchive out;
  fused.save(out);
  out.save_to(bytes);
  std::istringstream in_bytes(bytes.str());
  torch::serialize::InputArchive in;
  in.load_from(in_bytes);
  std::vector<torch::Tensor> c = Params(1);
  std::vector<torch::optim::OptimizerParamGroup> gc;
  gc.emplace_back(std::vector<torch::Tensor>{c[0], c[1]}, std::make_unique<Options>(group0));
  gc.emplace_back(std::vector<torch::Tensor>{c[2], c[3]}, std::make_unique<Options>(group1));
  Torch loaded(std::move(gc));
  EXPECT_NO_THROW(loaded.load(in));
  EXPECT_EQ(loaded.state().size(), 3u);
}

TEST(FusedAdamTest, AdamWMatchesTorch) {
  ExpectSameTrajectory<FusedAdamW, torch::optim::AdamW>(
      torch::optim::AdamWOptions(1e-2).weight_decay(0.1),
      torch::optim::AdamWOptions(3e-3).betas({0.8, 0.99}).eps(1e-6));
}

TEST(FusedAdamTest, AdamMatchesTorch) {
  ExpectSameTrajectory<FusedAdam, torch::optim::Adam>(
      torch::optim::AdamOptions(1e-2), torch::optim::AdamOptions(3e-3).weight_decay(0.05));
}

TEST(FusedAdamTest, AmsgradTakesTheTorchPath) {
  std::vector<torch::Tensor> a = Params(2), b = Params(2);
  FusedAdamW fused(std::vector<torch::Tensor>{a[0]},
                   torch::optim::AdamWOptions(1e-2).amsgrad(true));
  torch::optim::AdamW reference(std::vector<torch::Tensor>{b[0]},
                                torch::optim::AdamWOptions(1e-2).amsgrad(true));
  for (int step = 1; step <= 3; ++step) {
    SetGrads(a, step);
    SetGrads(b, step);
    fused.step();
    reference.step();
  }
  EXPECT_TRUE(torch::equal(a[0], b[0]));
}

}  // namespace
}  // namespace shammie::policy
