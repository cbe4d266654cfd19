// Progress of a training loop on the terminal: a redrawn bar with loss and
// tokens/s when stderr is a TTY, plain log lines every N steps otherwise (so
// CI logs and redirected output stay readable). Torch-free; any trainer may
// use it. Not thread-safe: one reporter per loop.
#ifndef SHAMMIE_POLICY_TRAINING_PROGRESS_H_
#define SHAMMIE_POLICY_TRAINING_PROGRESS_H_

#include <cstdint>
#include <string>

namespace shammie::policy {

class TrainingProgress {
 public:
  enum class Mode { kAuto, kBar, kLines, kNone };

  // `label` prefixes every line ("pretrain"); `total` is the last step.
  TrainingProgress(std::string label, int64_t total, Mode mode, int64_t log_every);
  ~TrainingProgress();  // ends the bar's line

  // Step `step` (1-based) finished.
  void Update(int64_t step, double loss, double learning_rate, double tokens_per_second);

  // The text of one bar / line, for tests.
  static std::string BarText(const std::string& label, int64_t step, int64_t total, double loss,
                             double learning_rate, double tokens_per_second, int width);

 private:
  std::string label_;
  int64_t total_;
  Mode mode_;
  int64_t log_every_;
  bool drew_bar_ = false;
};

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_TRAINING_PROGRESS_H_
