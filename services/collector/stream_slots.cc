#include "services/collector/stream_slots.h"

#include "absl/strings/str_cat.h"

namespace shammie::collector {

StreamSlots::Slot::~Slot() {
  if (owner_ != nullptr) owner_->Release(key_);
}

absl::StatusOr<StreamSlots::Slot> StreamSlots::Acquire(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  int& open = open_[key];
  if (max_ > 0 && open >= max_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "\"", key, "\" already has ", open, " ", stream_name_, " streams open (the limit is ", max_,
        " per client); finish or cancel one first"));
  }
  ++open;
  return Slot(this, std::string(key));
}

int StreamSlots::Open(absl::string_view key) const {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(key);
  return it == open_.end() ? 0 : it->second;
}

void StreamSlots::Release(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(key);
  if (it != open_.end() && --it->second <= 0) open_.erase(it);  // keep the map small
}

}  // namespace shammie::collector
