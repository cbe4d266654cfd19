// Shape legend: B rows, T tokens (longest row), C channels, V vocabulary.
#include "reward_model/preference_model.h"

#include <algorithm>

namespace shammie::reward_model {

std::vector<int64_t> EncodeBytes(absl::string_view text) {
  return std::vector<int64_t>(reinterpret_cast<const unsigned char*>(text.data()),
                              reinterpret_cast<const unsigned char*>(text.data()) + text.size());
}

PmBatch MakePmBatch(const Encoder& encode, const std::vector<const std::string*>& contexts,
                    const std::vector<const std::string*>& responses, int64_t eos,
                    int64_t max_len) {
  TORCH_CHECK(!contexts.empty() && contexts.size() == responses.size(),
              "MakePmBatch: contexts and responses must be non-empty and of equal size");
  const int64_t B = static_cast<int64_t>(contexts.size());
  std::vector<std::vector<int64_t>> rows(B);
  std::vector<int64_t> response_start(B);
  int64_t T = 1;
  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> row = encode(*contexts[b]);
    const int64_t context_len = static_cast<int64_t>(row.size());
    std::vector<int64_t> resp = encode(*responses[b]);
    row.insert(row.end(), resp.begin(), resp.end());
    row.push_back(eos);
    int64_t start = context_len;
    if (static_cast<int64_t>(row.size()) > max_len) {
      // Keep the end: the response and the eos the score is read at.
      const int64_t drop = static_cast<int64_t>(row.size()) - max_len;
      row.erase(row.begin(), row.begin() + drop);
      start = std::max<int64_t>(0, start - drop);
    }
    response_start[b] = start;
    T = std::max<int64_t>(T, static_cast<int64_t>(row.size()));
    rows[b] = std::move(row);
  }
  PmBatch batch;
  batch.ids = torch::full({B, T}, eos, torch::kInt64);          // (B, T)
  batch.targets = torch::full({B, T}, eos, torch::kInt64);      // (B, T)
  batch.response_mask = torch::zeros({B, T}, torch::kFloat32);  // (B, T)
  batch.last_index = torch::empty({B}, torch::kInt64);          // (B)
  auto ids = batch.ids.accessor<int64_t, 2>();
  auto targets = batch.targets.accessor<int64_t, 2>();
  auto mask = batch.response_mask.accessor<float, 2>();
  auto last = batch.last_index.accessor<int64_t, 1>();
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = static_cast<int64_t>(rows[b].size());
    for (int64_t t = 0; t < n; ++t) ids[b][t] = rows[b][t];
    for (int64_t t = 0; t + 1 < n; ++t) targets[b][t] = rows[b][t + 1];
    // Column t predicts token t+1; response tokens (and the eos) are
    // predicted from columns response_start−1 … n−2.
    for (int64_t t = std::max<int64_t>(0, response_start[b] - 1); t + 1 < n; ++t) mask[b][t] = 1;
    last[b] = n - 1;
  }
  return batch;
}

PreferenceModelImpl::PreferenceModelImpl(policy::Gpt trunk_in) {
  trunk = register_module("trunk", std::move(trunk_in));
  head = register_module("head", torch::nn::Linear(trunk->config().n_embd, 1));
  {
    torch::NoGradGuard no_grad;
    head->weight.zero_();
    head->bias.zero_();
  }
  score_offset = register_buffer("score_offset", torch::zeros({}, torch::kFloat32));
}

torch::Tensor PreferenceModelImpl::forward(const PmBatch& batch) {
  // Only each row's last index is read: columns after the longest row's end
  // are left out (causal: no earlier column sees them), and the last block
  // works only from the shortest row's end on (Gpt's from_column).
  const int64_t first = batch.last_index.min().item<int64_t>();
  const int64_t end = batch.last_index.max().item<int64_t>() + 1;
  torch::Tensor hidden =
      trunk->hidden_states(batch.ids.narrow(1, 0, end), {}, {}, nullptr, first);  // (B, T', C)
  const int64_t C = hidden.size(2);
  torch::Tensor index =
      (batch.last_index - first).view({-1, 1, 1}).expand({-1, 1, C});  // (B, 1, C)
  torch::Tensor at_eos = hidden.gather(/*dim=*/1, index).squeeze(1);   // (B, C)
  return head->forward(at_eos).squeeze(-1);                            // (B)
}

torch::Tensor PreferenceModelImpl::logits(const PmBatch& batch) {
  return trunk->forward(batch.ids).logits;  // (B, T, V)
}

torch::Tensor PreferenceModelImpl::response_logprob(const PmBatch& batch) {
  torch::Tensor lp = policy::TokenLogProbs(logits(batch), batch.targets);  // (B, T)
  torch::Tensor m = batch.response_mask;                                   // (B, T)
  return (lp * m).sum(/*dim=*/1) / m.sum(/*dim=*/1).clamp_min(1.0);        // (B)
}

}  // namespace shammie::reward_model
