// StreamSlots: at most N streams open at once per client (a token name).
// The collector's ExportComparisons holds a worker thread and a RocksDB
// snapshot for as long as its client reads, so one client opening exports in
// a loop could take every worker; past the limit a new stream is refused
// with RESOURCE_EXHAUSTED and the ones already open carry on.
//
//   auto slot = slots.Acquire(caller.name);   // RESOURCE_EXHAUSTED past N
//   if (!slot.ok()) return slot.status();
//   … stream …                                 // the slot frees when `slot` goes
//
// Thread-safe. Slots must not outlive the StreamSlots they came from.
#ifndef SHAMMIE_SERVICES_COLLECTOR_STREAM_SLOTS_H_
#define SHAMMIE_SERVICES_COLLECTOR_STREAM_SLOTS_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace shammie::collector {

class StreamSlots {
 public:
  // `max_per_client` streams per key; 0 = no limit.
  StreamSlots(int max_per_client, std::string stream_name)
      : max_(max_per_client), stream_name_(std::move(stream_name)) {}

  // Holds one slot of a key until destroyed (movable, not copyable).
  class Slot {
   public:
    Slot(Slot&& other) noexcept : owner_(other.owner_), key_(std::move(other.key_)) {
      other.owner_ = nullptr;
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;
    ~Slot();

   private:
    friend class StreamSlots;
    Slot(StreamSlots* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    StreamSlots* owner_;
    std::string key_;
  };

  // A slot for `key`, or RESOURCE_EXHAUSTED naming the limit when `key`
  // already holds max_per_client.
  absl::StatusOr<Slot> Acquire(absl::string_view key);

  // Streams `key` holds now (for tests and metrics).
  int Open(absl::string_view key) const;

 private:
  void Release(const std::string& key);

  const int max_;
  const std::string stream_name_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_STREAM_SLOTS_H_
