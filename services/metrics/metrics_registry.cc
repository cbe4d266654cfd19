#include "services/metrics/metrics_registry.h"

#include <sstream>

#include "prometheus/text_serializer.h"

namespace shammie::metrics {

MetricsRegistry::MetricsRegistry()
    : registry_(std::make_shared<prometheus::Registry>(
          prometheus::Registry::InsertBehavior::Merge)) {}

std::shared_ptr<MetricsRegistry> MetricsRegistry::Create() {
  return std::shared_ptr<MetricsRegistry>(new MetricsRegistry());
}

std::string MetricsRegistry::RenderText() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace shammie::metrics
