#include "services/collector/instrumented_collector.h"

#include <set>

#include "absl/synchronization/mutex.h"
#include "services/metrics/collector_metrics.h"

namespace shammie::collector {
namespace {

// The gauges are refreshed from the store's own statistics, so they are right
// after a restart and count comparisons from every source.
const Caller kMetricsCaller{"metrics", v1::OPERATOR};

class InstrumentedCollector : public Collector {
 public:
  InstrumentedCollector(std::unique_ptr<Collector> inner,
                        std::shared_ptr<metrics::MetricsRegistry> registry)
      : inner_(std::move(inner)), metrics_(std::move(registry)) {
    RefreshStoreSize();
  }

  absl::StatusOr<Caller> Authenticate(absl::string_view authorization) override {
    return inner_->Authenticate(authorization);
  }
  absl::StatusOr<v1::LabelingTask> CreateTask(const Caller& caller,
                                              const v1::CreateTaskRequest& request) override {
    auto task = inner_->CreateTask(caller, request);
    if (task.ok()) {
      metrics_.TaskCreated();
      RefreshStoreSize();
    }
    return task;
  }
  absl::StatusOr<v1::LabelingTask> NextTask(const Caller& caller,
                                            const v1::NextTaskRequest& request) override {
    auto task = inner_->NextTask(caller, request);
    if (task.ok()) metrics_.TaskServed();
    return task;
  }
  absl::StatusOr<v1::Comparison> SubmitComparison(
      const Caller& caller, const v1::SubmitComparisonRequest& request) override {
    auto c = inner_->SubmitComparison(caller, request);
    // A retry with a known client_request_id returns the first comparison
    // again: count a comparison only the first time its seq is seen.
    if (c.ok() && NewSeq(c->seq())) {
      metrics_.ComparisonStored(c->source(), c->labeler());
      RefreshStoreSize();
    }
    return c;
  }
  absl::Status SkipTask(const Caller& caller, const v1::SkipTaskRequest& request) override {
    absl::Status s = inner_->SkipTask(caller, request);
    if (s.ok()) metrics_.TaskSkipped();
    return s;
  }
  absl::StatusOr<v1::Stats> GetStats(const Caller& caller) override {
    return inner_->GetStats(caller);
  }
  absl::StatusOr<v1::Token> CreateToken(const Caller& caller,
                                        const v1::CreateTokenRequest& request) override {
    return inner_->CreateToken(caller, request);
  }
  absl::Status RevokeToken(const Caller& caller, const v1::RevokeTokenRequest& request) override {
    return inner_->RevokeToken(caller, request);
  }
  absl::StatusOr<v1::ListTokensResponse> ListTokens(const Caller& caller) override {
    return inner_->ListTokens(caller);
  }
  absl::StatusOr<v1::ListAuditResponse> ListAudit(const Caller& caller,
                                                  const v1::ListAuditRequest& request) override {
    return inner_->ListAudit(caller, request);
  }
  absl::StatusOr<v1::AuditEntry> RecordOperatorAction(
      const Caller& caller, const v1::RecordOperatorActionRequest& request) override {
    return inner_->RecordOperatorAction(caller, request);
  }
  absl::StatusOr<v1::Deployment> DeployPolicies(const Caller& caller,
                                                const v1::DeployPoliciesRequest& request) override {
    return inner_->DeployPolicies(caller, request);
  }
  absl::StatusOr<v1::Deployment> GetDeployment(const Caller& caller) override {
    return inner_->GetDeployment(caller);
  }
  absl::Status ExportComparisons(const Caller& caller, const v1::ExportComparisonsRequest& request,
                                 const std::function<bool(const v1::Comparison&)>& emit) override {
    return inner_->ExportComparisons(caller, request, emit);
  }
  absl::StatusOr<v1::ImportSummary> ImportComparisons(
      const Caller& caller, const std::vector<v1::Comparison>& comparisons) override {
    auto summary = inner_->ImportComparisons(caller, comparisons);
    if (summary.ok() && summary->imported() > 0) {
      // Imported comparisons keep their labeler names; the series counts
      // them under the importing token (one increment for the batch).
      metrics_.ComparisonStored(v1::SOURCE_IMPORTED, caller.name, summary->imported());
      RefreshStoreSize();
    }
    return summary;
  }

 private:
  // True the first time `seq` is seen. Submits finish out of seq order
  // (group commit), so this remembers the recent seqs rather than a maximum;
  // a retry of something older than the window is below `floor_`.
  bool NewSeq(uint64_t seq) {
    absl::MutexLock lock(&mu_);
    if (seq <= floor_ || !recent_.insert(seq).second) return false;
    if (recent_.size() > kWindow) {
      floor_ = *recent_.begin();
      recent_.erase(recent_.begin());
    }
    return true;
  }
  void RefreshStoreSize() {
    auto stats = inner_->GetStats(kMetricsCaller);
    if (stats.ok()) metrics_.SetStoreSize(stats->comparisons(), stats->open_tasks());
  }

  const std::unique_ptr<Collector> inner_;
  metrics::CollectorMetrics metrics_;
  static constexpr size_t kWindow = 4096;
  absl::Mutex mu_;
  std::set<uint64_t> recent_ ABSL_GUARDED_BY(mu_);
  uint64_t floor_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

std::unique_ptr<Collector> InstrumentCollector(std::unique_ptr<Collector> inner,
                                               std::shared_ptr<metrics::MetricsRegistry> registry) {
  return std::make_unique<InstrumentedCollector>(std::move(inner), std::move(registry));
}

}  // namespace shammie::collector
