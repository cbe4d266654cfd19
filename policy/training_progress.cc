// A bar redrawn with '\r' on TTYs, log lines elsewhere: a bar in a log file
// is thousands of carriage returns on one line.
#include "policy/training_progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_format.h"
#include "common/log.h"

namespace shammie::policy {

TrainingProgress::TrainingProgress(std::string label, int64_t total, Mode mode, int64_t log_every)
    : label_(std::move(label)), total_(total), mode_(mode), log_every_(std::max<int64_t>(1, log_every)) {
  if (mode_ == Mode::kAuto) mode_ = isatty(STDERR_FILENO) ? Mode::kBar : Mode::kLines;
}

TrainingProgress::~TrainingProgress() {
  if (drew_bar_) std::fputc('\n', stderr);
}

std::string TrainingProgress::BarText(const std::string& label, int64_t step, int64_t total,
                                      double loss, double learning_rate, double tokens_per_second,
                                      int width) {
  const int filled = total > 0 ? static_cast<int>(width * std::min<int64_t>(step, total) / total) : 0;
  std::string bar(filled, '=');
  if (filled < width) bar += '>' + std::string(width - filled - 1, ' ');
  return absl::StrFormat("%s [%s] %d/%d loss %.4f lr %.2e %.0f tok/s", label, bar, step, total,
                         loss, learning_rate, tokens_per_second);
}

void TrainingProgress::Update(int64_t step, double loss, double learning_rate,
                              double tokens_per_second) {
  switch (mode_) {
    case Mode::kBar:
      std::fprintf(stderr, "\r%s",
                   BarText(label_, step, total_, loss, learning_rate, tokens_per_second, 30).c_str());
      std::fflush(stderr);
      drew_bar_ = true;
      break;
    case Mode::kLines:
      if (step % log_every_ == 0 || step == total_ || step == 1) {
        SHAMMIE_LOG(INFO) << absl::StrFormat("%s step %d/%d loss %.4f lr %.2e %.0f tok/s", label_,
                                             step, total_, loss, learning_rate, tokens_per_second);
      }
      break;
    case Mode::kAuto:
    case Mode::kNone:
      break;
  }
}

}  // namespace shammie::policy
