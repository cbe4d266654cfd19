// The iteration state machine: PENDING → SNAPSHOT → TRAIN_PM → TRAIN_POLICY
// → EVALUATE → DEPLOY → SUCCEEDED (or FAILED / CANCELLED), Bai et al. 2022's
// iterated online loop.
//
// Every transition is written to the IterationStore (synced) before the next
// stage starts, and every job is started with a key made of the iteration id
// and the stage ("iter-0003/pm", "iter-0003/test-pm", "iter-0003/ppo"), so a
// runner restarted on an iteration in flight re-sends StartJob, gets the job
// it started before, and waits for it: the iteration completes once, with
// one PM and one policy checkpoint.
//
//   SNAPSHOT      watermark = collector's last_seq; previous = what is deployed
//   TRAIN_PM      PM on data_half 1, test PM on data_half 2 (disjoint halves)
//   TRAIN_POLICY  PPO from the INITIAL policy against the new PM (+ test PM)
//   EVALUATE      PM accuracy/ECE, reward/KL/fit, gold reward, Elo refit
//   DEPLOY        collector samples from the new and the previous policy
//
// Thread-compatible: one Run at a time per runner (the scheduler owns one
// runner and one worker thread).
#ifndef SHAMMIE_SERVICES_SCHEDULER_ITERATION_RUNNER_H_
#define SHAMMIE_SERVICES_SCHEDULER_ITERATION_RUNNER_H_

#include <atomic>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "services/scheduler/pipeline.h"
#include "storage/iteration_store.h"

namespace shammie::scheduler {

struct IterationConfig {
  // The initial policy: the PM trunk and every PPO run start from it, and it
  // is the KL reference π0. Deployed as `base_snapshot` before iteration 1.
  std::string base_checkpoint;
  std::string base_snapshot = "policy-0000";

  // Job templates; the runner fills key, checkpoints, watermark, data_half.
  v1::PmJobSpec pm;
  v1::PpoJobSpec ppo;
  // Which half each PM trains on (PmJobSpec.data_half: 0 all, 1, 2).
  uint32_t pm_data_half = 1;
  uint32_t test_pm_data_half = 2;
  // Train the test PM at all (over-optimization check).
  bool train_test_pm = true;
  // An iteration needs at least this many comparisons (else FAILED at SNAPSHOT).
  uint64_t min_comparisons = 1;

  // How often jobs are polled.
  absl::Duration poll_interval = absl::Milliseconds(250);
  // UNAVAILABLE from a service is retried this long before the stage fails.
  absl::Duration unavailable_grace = absl::Minutes(5);

  // Optional: gold reward of a policy checkpoint on the synthetic task
  // (`shammie up` sets it). Unset: the PPO report's last gold_reward.
  std::function<absl::StatusOr<double>(const std::string& checkpoint)> gold_reward;
};

// "iter-0003" → "policy-0003": the name the iteration's policy is deployed under.
std::string SnapshotNameFor(const std::string& iteration_id);

class IterationRunner {
 public:
  // Borrows pipeline, store and clock; they must outlive the runner.
  IterationRunner(IterationConfig config, Pipeline* pipeline, storage::IterationStore* store,
                  common::Clock* clock);

  // Drives iteration `id` from its stored stage to a terminal one. When
  // `cancelled` turns true, the job in flight is cancelled and the iteration
  // ends CANCELLED. When `stopping` turns true, Run returns soon with the
  // iteration left in its stage, exactly as a crash would (the next Run
  // resumes it). `on_change` sees every transition and progress update
  // (progress is not persisted; transitions are, before on_change).
  // Returns the iteration as last written; an error only when the store
  // itself failed (the iteration stays in its stage; a later Run resumes).
  absl::StatusOr<v1::Iteration> Run(const std::string& id, const std::atomic<bool>& cancelled,
                                    const std::atomic<bool>& stopping,
                                    const std::function<void(const v1::Iteration&)>& on_change);

  const IterationConfig& config() const { return config_; }

 private:
  absl::Status Snapshot(v1::Iteration* it);
  absl::Status TrainPm(v1::Iteration* it);
  absl::Status TrainPolicy(v1::Iteration* it);
  absl::Status Evaluate(v1::Iteration* it);
  absl::Status Deploy(v1::Iteration* it);
  // Refits Elo over every comparison and writes it to all iterations.
  absl::Status RefitElo(v1::Iteration* it);

  // Writes `it` with `stage` (synced), then notifies. Sets store_error_ on failure.
  absl::Status Commit(v1::Iteration* it, v1::IterationStage stage);
  void Notify(const v1::Iteration& it);
  // Calls `fn` until it is not UNAVAILABLE or the grace period ends.
  template <typename T>
  absl::StatusOr<T> Retrying(const std::function<absl::StatusOr<T>()>& fn);

  const IterationConfig config_;
  Pipeline* const pipeline_;
  storage::IterationStore* const store_;
  common::Clock* const clock_;
  // Valid during Run.
  const std::atomic<bool>* cancelled_ = nullptr;
  const std::atomic<bool>* stopping_ = nullptr;
  const std::function<void(const v1::Iteration&)>* on_change_ = nullptr;
  bool store_error_ = false;
};

}  // namespace shammie::scheduler

#endif  // SHAMMIE_SERVICES_SCHEDULER_ITERATION_RUNNER_H_
