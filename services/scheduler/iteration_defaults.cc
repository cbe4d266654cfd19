#include "services/scheduler/iteration_defaults.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace shammie::scheduler {
namespace {

// Collects the parser's first complaint so the error says what is wrong.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (text.empty()) text = absl::StrCat("line ", line + 1, " column ", column + 1, ": ", message);
  }
  std::string text;
};

template <typename Spec>
absl::StatusOr<Spec> Overlay(Spec spec, absl::string_view text, absl::string_view flag) {
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  // Merge, not Parse: fields the text leaves out keep their defaults.
  if (!parser.MergeFromString(std::string(text), &spec)) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": not a ", Spec::descriptor()->name(),
                                                   " in text format (", errors.text, ")"));
  }
  return spec;
}

}  // namespace

v1::PmJobSpec DefaultPmTemplate() {
  v1::PmJobSpec s;
  s.set_loss(v1::PM_LOSS_RANKED);
  s.set_learning_rate(3e-4);
  s.set_batch_size(32);
  s.set_epochs(1);  // Bai et al. 2022: one epoch
  s.set_test_fraction(0.05);
  s.set_seed(1);
  return s;
}

v1::PpoJobSpec DefaultPpoTemplate() {
  // The PPO trainer fills the fields left 0 with the values measured to learn
  // in an iteration's budget (services/ppo_trainer/ppo_spec.cc, docs/ppo.md);
  // the template adds what the trainer leaves off.
  v1::PpoJobSpec s;
  s.set_kl_coef(0.02);  // the trainer's 0 means no KL penalty at all
  s.set_seed(1);
  s.set_checkpoint_every(4);
  s.set_gold_reward(true);  // the synthetic task: track the hidden gold reward
  return s;
}

absl::StatusOr<v1::PmJobSpec> PmTemplateFromText(absl::string_view text, absl::string_view flag) {
  return Overlay(DefaultPmTemplate(), text, flag);
}

absl::StatusOr<v1::PpoJobSpec> PpoTemplateFromText(absl::string_view text, absl::string_view flag) {
  return Overlay(DefaultPpoTemplate(), text, flag);
}

}  // namespace shammie::scheduler
