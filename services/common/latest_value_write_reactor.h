// LatestValueWriteReactor<Event>: a gRPC callback-API server stream that
// writes the newest value of something that changes (a trainer's job, a
// scheduler iteration) and finishes after writing the end value.
//
// Subclasses provide the source: Subscribe() starts Offer() calls (from any
// thread, e.g. a worker's listener) and Unsubscribe() stops them. Offer never
// blocks: it stores the newest event and starts a write when none is in
// flight, so a slow client sees fewer, newer events (intermediate ones are
// coalesced), never a stale end.
//
// Lifetime: the handler news the reactor and returns it; someone calls
// Begin(status) exactly once — right away, or later from an asynchronous
// check (services/common/token_gate.h) — with OK to Subscribe or an error to
// finish the stream with it. OnCancel may come before Begin. The reactor
// deletes itself once both gRPC's OnDone and Begin have happened, after
// Unsubscribe (so no Offer runs on a deleted reactor).
//
//   auto* r = new MyReactor(...);
//   gate->CheckCaller(auth, rule, "Watch", [r](auto who) { r->Begin(who.status()); });
//   return r;
#ifndef SHAMMIE_SERVICES_COMMON_LATEST_VALUE_WRITE_REACTOR_H_
#define SHAMMIE_SERVICES_COMMON_LATEST_VALUE_WRITE_REACTOR_H_

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "services/common/grpc_status.h"

namespace shammie::services {

template <typename Event>
class LatestValueWriteReactor : public grpc::ServerWriteReactor<Event> {
 public:
  // Call once. OK: Subscribe(), and finish with its error if it fails;
  // otherwise finish with `allowed` (a refused caller never subscribes).
  void Begin(const absl::Status& allowed) {
    absl::Status status = allowed;
    bool cancelled;
    {
      absl::MutexLock lock(&mu_);
      cancelled = finishing_;
    }
    // Not under mu_: Subscribe may Offer the first value synchronously.
    if (status.ok() && !cancelled) status = Subscribe();
    bool done;
    {
      absl::MutexLock lock(&mu_);
      if (!status.ok() && !finishing_) {
        finishing_ = true;
        this->Finish(ToGrpcStatus(status));
      }
      begun_ = true;
      done = done_;
    }
    if (done) Release();  // OnDone came first (a fast end or a cancel): ours to free
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (finishing_) return;
    if (!ok) {
      finishing_ = true;
      this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
    } else if (wrote_end_) {
      finishing_ = true;
      this->Finish(grpc::Status::OK);
    } else {
      WriteNextLocked();
    }
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    if (finishing_) return;
    finishing_ = true;
    this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled"));
  }

  void OnDone() override {
    bool begun;
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      begun = begun_;
    }
    if (begun) Release();  // else Begin is still to come or running: it frees
  }

 protected:
  LatestValueWriteReactor() = default;
  virtual ~LatestValueWriteReactor() = default;

  // Starts the source; Offer() may be called before it returns. An error
  // finishes the stream with it (and Unsubscribe still runs).
  virtual absl::Status Subscribe() = 0;
  // Stops the source: once it returns, no Offer() is running or will come.
  // Runs once, after Subscribe returned (whether or not it succeeded) or
  // without it when Begin refused.
  virtual void Unsubscribe() = 0;

  // The newest value; `end` marks the last one (the stream finishes OK once
  // it is written). Values offered after an end are ignored, even before the
  // end is written.
  void Offer(Event event, bool end) {
    absl::MutexLock lock(&mu_);
    // Once an end was offered nothing replaces it, even while it still
    // waits behind a write in flight.
    if (finishing_ || offered_end_) return;
    pending_ = std::move(event);
    pending_end_ = end;
    offered_end_ = end;
    if (!writing_) WriteNextLocked();
  }

 private:
  void Release() {
    Unsubscribe();
    delete this;
  }

  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!pending_) return;
    current_ = std::move(*pending_);
    pending_.reset();
    wrote_end_ = pending_end_;
    writing_ = true;
    this->StartWrite(&current_);
  }

  absl::Mutex mu_;
  bool begun_ ABSL_GUARDED_BY(mu_) = false;  // Begin has returned its work
  bool done_ ABSL_GUARDED_BY(mu_) = false;   // gRPC called OnDone
  std::optional<Event> pending_ ABSL_GUARDED_BY(mu_);
  bool pending_end_ ABSL_GUARDED_BY(mu_) = false;
  bool offered_end_ ABSL_GUARDED_BY(mu_) = false;
  Event current_ ABSL_GUARDED_BY(mu_);  // the message being written
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool wrote_end_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace shammie::services

#endif  // SHAMMIE_SERVICES_COMMON_LATEST_VALUE_WRITE_REACTOR_H_
