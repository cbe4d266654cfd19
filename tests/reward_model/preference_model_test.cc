// PreferenceModel::forward reads each row's last index through the pruned
// forward (policy::GptImpl's from_column, trailing columns left out): scores
// and gradients must equal the full forward's, for right-padded rows of
// different lengths.
//
// Shape legend: B rows, T columns, C channels.
#include "reward_model/preference_model.h"

#include <vector>

#include "gtest/gtest.h"

namespace shammie::reward_model {
namespace {

policy::GptConfig SmallConfig() {
  policy::GptConfig c;
  c.n_layer = 2;
  c.n_head = 2;
  c.n_embd = 16;
  c.n_positions = 32;
  c.vocab_size = 40;
  return c;
}

TEST(PreferenceModelTest, ScoresAndGradientsEqualTheFullForward) {
  torch::manual_seed(1);
  PreferenceModel pm{policy::Gpt(SmallConfig())};
  {
    torch::NoGradGuard g;
    for (auto& p : pm->parameters()) p.normal_(0.0, 0.3);
  }
  PmBatch batch;
  batch.ids = torch::randint(0, 40, {4, 14}, torch::kLong);       // (B, T), right-padded rows
  batch.last_index = torch::tensor({5, 13, 9, 7}, torch::kLong);  // (B); column 13 is no row's pad
  // The full forward: every column through every block, then the gather.
  auto full_scores = [&] {
    torch::Tensor hidden = pm->trunk->hidden_states(batch.ids);  // (B, T, C)
    torch::Tensor at = hidden.gather(1, batch.last_index.view({-1, 1, 1}).expand({-1, 1, 16}))
                           .squeeze(1);        // (B, C)
    return pm->head->forward(at).squeeze(-1);  // (B)
  };
  const std::vector<torch::Tensor> params = pm->parameters();
  const torch::Tensor pruned = pm->forward(batch);  // (B)
  const torch::Tensor full = full_scores();         // (B)
  EXPECT_LE((pruned - full).abs().max().item<double>(), 1e-5);
  const torch::Tensor weights = torch::tensor({1.0f, -2.0f, 0.5f, 3.0f});  // (B)
  const std::vector<torch::Tensor> g_pruned =
      torch::autograd::grad({(pruned * weights).sum()}, params);
  const std::vector<torch::Tensor> g_full = torch::autograd::grad({(full * weights).sum()}, params);
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_LE((g_pruned[i] - g_full[i]).abs().max().item<double>(),
              1e-5 * (1.0 + g_full[i].abs().max().item<double>()))
        << "parameter " << i;
  }
  // Rows ending before the last column: trailing columns are not computed.
  batch.last_index = torch::tensor({5, 10, 9, 7}, torch::kLong);
  torch::NoGradGuard g;
  EXPECT_LE((pm->forward(batch) - full_scores()).abs().max().item<double>(), 1e-5);
}

}  // namespace
}  // namespace shammie::reward_model
