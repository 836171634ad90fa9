// Sliding-window latency summary; see latency_summary.h.
#include "notifier/latency_summary.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

namespace ward::notifier {
namespace {

constexpr double kQuantiles[] = {0.5, 0.9, 0.99};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

LatencySummary::LatencySummary(std::string name, std::string help, std::string label_name)
    : name_(std::move(name)), help_(std::move(help)), label_name_(std::move(label_name)) {}

void LatencySummary::Observe(const std::string& label_value, double seconds, int64_t now_ms) {
  std::lock_guard<std::mutex> l(mu_);
  Child& c = children_[label_value];
  c.sum += seconds;
  c.count++;
  c.window.emplace_back(now_ms, seconds);
  while (c.window.size() > kMaxSamples) c.window.pop_front();
}

void LatencySummary::Remove(const std::string& label_value) {
  std::lock_guard<std::mutex> l(mu_);
  children_.erase(label_value);
}

void LatencySummary::Render(int64_t now_ms, std::string* out) const {
  std::lock_guard<std::mutex> l(mu_);
  if (children_.empty()) return;  // Go exposes no family without children
  out->append("# HELP ").append(name_).append(" ").append(help_).append("\n");
  out->append("# TYPE ").append(name_).append(" summary\n");
  std::vector<double> vals;
  const std::string sum_name = name_ + "_sum", count_name = name_ + "_count";
  for (const auto& [lv, c] : children_) {
    vals.clear();
    for (const auto& [t, v] : c.window) {
      if (now_ms - t <= kMaxAgeMs) vals.push_back(v);
    }
    std::sort(vals.begin(), vals.end());
    for (double q : kQuantiles) {
      double v = std::numeric_limits<double>::quiet_NaN();
      if (!vals.empty()) {
        size_t rank = static_cast<size_t>(std::ceil(q * vals.size()));
        v = vals[std::min(vals.size() - 1, rank == 0 ? 0 : rank - 1)];
      }
      std::string qs;
      metrics::AppendFloat(&qs, q);
      metrics::AppendSample(out, name_, {{label_name_, lv}, {"quantile", qs}}, v);
    }
    metrics::AppendSample(out, sum_name, {{label_name_, lv}}, c.sum);
    metrics::AppendSample(out, count_name, {{label_name_, lv}}, static_cast<double>(c.count));
  }
}

void LatencySummary::Register(const std::shared_ptr<LatencySummary>& s, metrics::Registry& reg) {
  reg.AddCollector([s](std::string* out) { s->Render(NowMs(), out); });
}

}  // namespace ward::notifier
