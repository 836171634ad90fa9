// LatencySummary: the prometheus_notifications_latency_seconds summary
// (client_golang SummaryVec with objectives 0.5, 0.9, 0.99 over a sliding
// 10 minute window), one child per Alertmanager URL. ward's metrics registry
// has no summary type, so this renders itself through a registry collector.
// Quantiles are exact over the last kMaxSamples observations of the window.
// Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "util/metrics.h"

namespace ward::notifier {

class LatencySummary {
 public:
  static constexpr size_t kMaxSamples = 1024;
  static constexpr int64_t kMaxAgeMs = 10 * 60 * 1000;

  LatencySummary(std::string name, std::string help, std::string label_name);

  // Records `seconds` for `label_value` at `now_ms` (steady or wall clock,
  // as long as the caller is consistent).
  void Observe(const std::string& label_value, double seconds, int64_t now_ms);

  // Deletes the child of `label_value` (an Alertmanager went away).
  void Remove(const std::string& label_value);

  // Appends HELP, TYPE summary and, per child, the quantile, _sum and
  // _count lines (quantiles NaN when the window is empty, as Go does).
  void Render(int64_t now_ms, std::string* out) const;

  // Registers a collector on `reg` that renders `s` (kept alive by the
  // collector, so it may outlive its creator).
  static void Register(const std::shared_ptr<LatencySummary>& s, metrics::Registry& reg);

 private:
  struct Child {
    std::deque<std::pair<int64_t, double>> window;  // (time, value), oldest first
    double sum = 0;
    uint64_t count = 0;
  };
  const std::string name_, help_, label_name_;
  mutable std::mutex mu_;
  std::map<std::string, Child> children_;  // guarded by mu_
};

}  // namespace ward::notifier
