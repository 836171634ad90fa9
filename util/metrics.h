// ward's own instrumentation: counters, gauges and histograms that every
// component registers and that GET /metrics exposes in the Prometheus text
// format 0.0.4 (see the exposition-formats reference). Updating a metric is
// lock-free (atomics); registering one and exposing the registry take a mutex.
// Thread safety: every class here is thread-safe.
//
// Note: only the inline parts of labels::Labels (iteration) are used, so
// ward_util needs model/labels' header but not its library.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "model/labels/labels.h"

namespace ward::metrics {

// A value that only goes up (resets on restart). Lock-free.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // REQUIRES: v >= 0. A negative or NaN v is ignored: counters never go down.
  void Inc(double v = 1) {
    if (!(v >= 0)) return;
    value_.fetch_add(v, std::memory_order_relaxed);
  }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down. Lock-free.
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Inc(double v = 1) { value_.fetch_add(v, std::memory_order_relaxed); }
  void Dec(double v = 1) { value_.fetch_add(-v, std::memory_order_relaxed); }
  // Sets the gauge to the current Unix time in seconds.
  void SetToCurrentTime();
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations into buckets with fixed upper bounds (inclusive), and
// keeps their sum and count; exposed as cumulative _bucket{le=...} series
// ending with le="+Inf", then _sum and _count. Observe is lock-free.
class Histogram {
 public:
  // `buckets` are upper bounds; they are sorted, de-duplicated and a +Inf
  // bound is dropped (it is always implied). Empty means DefBuckets().
  explicit Histogram(std::vector<double> buckets);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double v);

  // Snapshot accessors (for tests and exposition).
  const std::vector<double>& upper_bounds() const { return bounds_; }
  // Cumulative count of observations <= upper_bounds()[i]; i ==
  // upper_bounds().size() is the +Inf bucket (all observations).
  uint64_t cumulative_count(size_t i) const;
  // Observations in (upper_bounds()[i-1], upper_bounds()[i]] alone.
  uint64_t bucket_count(size_t i) const { return counts_[i].load(std::memory_order_relaxed); }
  uint64_t count() const { return cumulative_count(bounds_.size()); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  // counts_[i]: observations in (bounds_[i-1], bounds_[i]]; last is overflow.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Prometheus client_golang's default buckets: .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10.
std::vector<double> DefBuckets();
// `count` buckets: start, start*factor, start*factor^2, ...
// Returns {} when start <= 0, factor <= 1 or count < 1.
std::vector<double> ExponentialBuckets(double start, double factor, int count);
// `count` buckets: start, start+width, start+2*width, ...
std::vector<double> LinearBuckets(double start, double width, int count);

namespace internal {
// Something the registry can render: one metric or a family of them.
class Collectable {
 public:
  virtual ~Collectable() = default;
  // Appends the sample lines (no HELP/TYPE) of this object under `name`.
  virtual void AppendSamples(std::string_view name, std::string* out) const = 0;
};
// Renders one metric's sample lines; `labels` are (name, value) pairs.
void AppendCounter(std::string_view name, const std::vector<std::pair<std::string_view, std::string_view>>& labels,
                   const Counter& c, std::string* out);
void AppendGauge(std::string_view name, const std::vector<std::pair<std::string_view, std::string_view>>& labels,
                 const Gauge& g, std::string* out);
void AppendHistogram(std::string_view name, const std::vector<std::pair<std::string_view, std::string_view>>& labels,
                     const Histogram& h, std::string* out);
inline void AppendMetric(std::string_view name,
                         const std::vector<std::pair<std::string_view, std::string_view>>& labels, const Counter& c,
                         std::string* out) {
  AppendCounter(name, labels, c, out);
}
inline void AppendMetric(std::string_view name,
                         const std::vector<std::pair<std::string_view, std::string_view>>& labels, const Gauge& g,
                         std::string* out) {
  AppendGauge(name, labels, g, out);
}
inline void AppendMetric(std::string_view name,
                         const std::vector<std::pair<std::string_view, std::string_view>>& labels, const Histogram& h,
                         std::string* out) {
  AppendHistogram(name, labels, h, out);
}
}  // namespace internal

// A metric with variable labels: one child per distinct tuple of label
// values. WithLabelValues takes a mutex: look the child up once and keep the
// reference on hot paths. Thread-safe.
template <typename M>
class Family : public internal::Collectable {
 public:
  Family(std::vector<std::string> label_names, labels::Labels const_labels, std::vector<double> buckets)
      : label_names_(std::move(label_names)), const_labels_(std::move(const_labels)), buckets_(std::move(buckets)) {}

  // The child for `values` (one per label name, in order), created on first
  // use. A wrong number of values is a programmer error: missing values are
  // taken as "" and extra ones are ignored. The reference stays valid until
  // Remove() of the same values or the registry's destruction.
  M& WithLabelValues(const std::vector<std::string>& values) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = children_.find(values);
    if (it != children_.end() && values.size() == label_names_.size()) return *it->second;
    std::vector<std::string> key = values;
    key.resize(label_names_.size());
    auto& slot = children_[std::move(key)];
    if (!slot) slot = NewChild();
    return *slot;
  }

  // Deletes the child for `values` (a target went away). References to it
  // become invalid.
  void Remove(const std::vector<std::string>& values) {
    std::lock_guard<std::mutex> l(mu_);
    children_.erase(values);
  }

  size_t size() const {
    std::lock_guard<std::mutex> l(mu_);
    return children_.size();
  }

  const std::vector<std::string>& label_names() const { return label_names_; }

  void AppendSamples(std::string_view name, std::string* out) const override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<std::pair<std::string_view, std::string_view>> ls;
    for (const auto& [values, child] : children_) {
      ls.clear();
      for (const auto& l : const_labels_) ls.emplace_back(l.name, l.value);
      for (size_t i = 0; i < label_names_.size(); ++i) ls.emplace_back(label_names_[i], values[i]);
      internal::AppendMetric(name, ls, *child, out);
    }
  }

 private:
  std::unique_ptr<M> NewChild() const {
    if constexpr (std::is_same_v<M, Histogram>) {
      return std::make_unique<Histogram>(buckets_);
    } else {
      return std::make_unique<M>();
    }
  }

  const std::vector<std::string> label_names_;
  const labels::Labels const_labels_;
  const std::vector<double> buckets_;  // histograms only
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> children_;  // guarded by mu_
};

enum class MetricType { kCounter, kGauge, kHistogram };

// Registry owns metrics and renders them all for GET /metrics. Metrics are
// never unregistered. Registering a name twice with the same type returns the
// same family (same const labels: the same metric; other const labels: a new
// series in that family). Registering an existing name with another type
// returns a detached metric that is never exposed (a programmer error that
// must not crash the server). Thread-safe; returned references live as long
// as the registry.
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Counter& NewCounter(std::string name, std::string help, labels::Labels const_labels = {});
  Gauge& NewGauge(std::string name, std::string help, labels::Labels const_labels = {});
  // Empty `buckets` means DefBuckets().
  Histogram& NewHistogram(std::string name, std::string help, std::vector<double> buckets,
                          labels::Labels const_labels = {});

  Family<Counter>& NewCounterFamily(std::string name, std::string help, std::vector<std::string> label_names,
                                    labels::Labels const_labels = {});
  Family<Gauge>& NewGaugeFamily(std::string name, std::string help, std::vector<std::string> label_names,
                                labels::Labels const_labels = {});
  Family<Histogram>& NewHistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                                        std::vector<double> buckets, labels::Labels const_labels = {});

  // A collector computes values at exposition time (e.g. number of active
  // series): it appends complete metric families in text format to `out`
  // (use the Append* helpers below). Its families are sorted in with the
  // registered ones. Collectors run under the registry's exposition, possibly
  // from an HTTP thread: they must be quick and must not call back into this
  // registry.
  void AddCollector(std::function<void(std::string* out)> collector);

  // Text format 0.0.4: families sorted by name, each with HELP and TYPE lines.
  std::string Expose() const;

 private:
  struct Entry;
  Entry* FindOrAdd(std::string_view name, std::string_view help, MetricType type, bool family, bool* type_conflict);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_;                   // guarded by mu_
  std::vector<std::function<void(std::string*)>> collectors_;     // guarded by mu_
  std::vector<std::unique_ptr<internal::Collectable>> detached_;  // guarded by mu_
};

// The process-wide registry that GET /metrics serves by default.
Registry& DefaultRegistry();

// ---- Helpers for collectors (text format 0.0.4) ----

// "# HELP name help\n# TYPE name type\n" with help escaped (\\ and \n).
void AppendHeader(std::string* out, std::string_view name, std::string_view help, MetricType type);
// `name{l1="v1",...} value\n`, label values escaped (\\ \" \n).
void AppendSample(std::string* out, std::string_view name,
                  const std::vector<std::pair<std::string_view, std::string_view>>& labels, double value);
// Formats a float as Prometheus does (Go's 'g' shortest, NaN, +Inf, -Inf).
void AppendFloat(std::string* out, double v);
// A label value escaped for the text exposition format (\\, \", \n).
void AppendEscapedLabelValue(std::string* out, std::string_view v);
std::string_view MetricTypeName(MetricType type);

}  // namespace ward::metrics
