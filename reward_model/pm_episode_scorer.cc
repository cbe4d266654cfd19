// Shape legend: B episodes, T tokens of the longest row (≤ n_positions).
#include "reward_model/pm_episode_scorer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/torch_boundary.h"
#include "policy/sharded_batch.h"
#include "reward_model/pm_checkpoint.h"
#include "reward_model/preference_model.h"

namespace shammie::reward_model {
namespace {

class PmEpisodeScorer : public policy::EpisodeScorer {
 public:
  explicit PmEpisodeScorer(PreferenceModel model) : model_(std::move(model)) {}

  absl::StatusOr<std::vector<double>> Score(const std::vector<policy::Episode>& episodes) override {
    return common::GuardTorch("PM scoring", [&]() -> std::vector<double> {
      torch::NoGradGuard no_grad;
      const policy::GptConfig& config = model_->trunk->config();
      const int64_t eos = config.eos_token_id;
      std::vector<std::vector<int64_t>> rows;
      int64_t t = 0;
      for (const policy::Episode& e : episodes) {
        std::vector<int64_t> row = e.prompt->context_ids;
        row.insert(row.end(), e.response_ids.begin(), e.response_ids.end());
        if (!e.response_ids.empty() && e.response_ids.back() == eos) row.pop_back();
        row.push_back(eos);
        if (static_cast<int64_t>(row.size()) > config.n_positions) {
          row.erase(row.begin(), row.end() - config.n_positions);
        }
        t = std::max<int64_t>(t, row.size());
        rows.push_back(std::move(row));
      }
      const int64_t b = static_cast<int64_t>(rows.size());
      PmBatch batch;
      batch.ids = torch::full({b, t}, eos, torch::kLong);  // (B, T) right-padded
      batch.last_index = torch::zeros({b}, torch::kLong);  // (B)
      auto ids = batch.ids.accessor<int64_t, 2>();
      auto last = batch.last_index.accessor<int64_t, 1>();
      for (int64_t i = 0; i < b; ++i) {
        for (size_t j = 0; j < rows[i].size(); ++j) ids[i][j] = rows[i][j];
        last[i] = static_cast<int64_t>(rows[i].size()) - 1;
      }
      torch::Tensor scores = policy::ShardedMap(b, [&](policy::ShardRange rows) {
        PmBatch part;
        part.ids = batch.ids.narrow(0, rows.begin, rows.end - rows.begin);                // (b, T)
        part.last_index = batch.last_index.narrow(0, rows.begin, rows.end - rows.begin);  // (b)
        return model_->forward(part);                                                     // (b)
      });
      scores = (scores - model_->score_offset).to(torch::kDouble).contiguous();  // (B)
      return std::vector<double>(scores.data_ptr<double>(), scores.data_ptr<double>() + b);
    });
  }

 private:
  PreferenceModel model_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<policy::EpisodeScorer>> LoadPmEpisodeScorer(const std::string& dir) {
  absl::StatusOr<PreferenceModel> model = LoadPmCheckpoint(dir);
  if (!model.ok()) {
    return absl::Status(model.status().code(),
                        absl::StrCat("PM checkpoint ", dir, ": ", model.status().message()));
  }
  (*model)->eval();
  return std::unique_ptr<policy::EpisodeScorer>(new PmEpisodeScorer(std::move(*model)));
}

}  // namespace shammie::reward_model
