#include "util/metrics.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

#include "util/gostr.h"

namespace ward::metrics {

// ---------------------------------------------------------------- formatting

void AppendFloat(std::string* out, double v) {
  // Go's strconv.FormatFloat(v, 'g', -1, 64), which client_golang uses.
  gostr::AppendFloatG(out, v);
}

void AppendEscapedLabelValue(std::string* out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '"':
        out->append("\\\"");
        break;
      case '\n':
        out->append("\\n");
        break;
      default:
        out->push_back(c);
    }
  }
}

namespace {

void AppendEscapedHelp(std::string* out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      default:
        out->push_back(c);
    }
  }
}

using LabelPairs = std::vector<std::pair<std::string_view, std::string_view>>;

void AppendSeries(std::string* out, std::string_view name, std::string_view suffix, const LabelPairs& labels,
                  std::string_view extra_name, std::string_view extra_value, double value) {
  out->append(name);
  out->append(suffix);
  if (!labels.empty() || !extra_name.empty()) {
    out->push_back('{');
    bool first = true;
    for (const auto& [n, v] : labels) {
      if (!first) out->push_back(',');
      first = false;
      out->append(n);
      out->append("=\"");
      AppendEscapedLabelValue(out, v);
      out->push_back('"');
    }
    if (!extra_name.empty()) {
      if (!first) out->push_back(',');
      out->append(extra_name);
      out->append("=\"");
      out->append(extra_value);
      out->push_back('"');
    }
    out->push_back('}');
  }
  out->push_back(' ');
  AppendFloat(out, value);
  out->push_back('\n');
}

}  // namespace

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void AppendHeader(std::string* out, std::string_view name, std::string_view help, MetricType type) {
  out->append("# HELP ");
  out->append(name);
  out->push_back(' ');
  AppendEscapedHelp(out, help);
  out->append("\n# TYPE ");
  out->append(name);
  out->push_back(' ');
  out->append(MetricTypeName(type));
  out->push_back('\n');
}

void AppendSample(std::string* out, std::string_view name, const LabelPairs& labels, double value) {
  AppendSeries(out, name, "", labels, "", "", value);
}

// ------------------------------------------------------------------- metrics

void Gauge::SetToCurrentTime() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  Set(std::chrono::duration<double>(now).count());
}

std::vector<double> DefBuckets() { return {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}; }

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> b;
  if (!(start > 0) || !(factor > 1) || count < 1) return b;
  b.reserve(count);
  double v = start;
  for (int i = 0; i < count; ++i) {
    b.push_back(v);
    v *= factor;
  }
  return b;
}

std::vector<double> LinearBuckets(double start, double width, int count) {
  std::vector<double> b;
  if (count < 1 || !(width > 0)) return b;
  b.reserve(count);
  for (int i = 0; i < count; ++i) b.push_back(start + width * i);
  return b;
}

Histogram::Histogram(std::vector<double> buckets) {
  if (buckets.empty()) buckets = DefBuckets();
  std::vector<double> b;
  for (double x : buckets) {
    if (std::isnan(x) || (std::isinf(x) && x > 0)) continue;
    b.push_back(x);
  }
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  bounds_ = std::move(b);
  counts_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double v) {
  size_t i;
  if (bounds_.size() <= 16) {
    i = 0;
    while (i < bounds_.size() && v > bounds_[i]) ++i;
  } else {
    i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  }
  // NaN compares false everywhere: the linear scan puts it in the first
  // bucket, lower_bound in the first too. Prometheus counts NaN in +Inf only.
  if (std::isnan(v)) i = bounds_.size();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

uint64_t Histogram::cumulative_count(size_t i) const {
  uint64_t n = 0;
  for (size_t j = 0; j <= i && j <= bounds_.size(); ++j) n += counts_[j].load(std::memory_order_relaxed);
  return n;
}

namespace internal {

void AppendCounter(std::string_view name, const LabelPairs& labels, const Counter& c, std::string* out) {
  AppendSeries(out, name, "", labels, "", "", c.value());
}

void AppendGauge(std::string_view name, const LabelPairs& labels, const Gauge& g, std::string* out) {
  AppendSeries(out, name, "", labels, "", "", g.value());
}

void AppendHistogram(std::string_view name, const LabelPairs& labels, const Histogram& h, std::string* out) {
  const auto& bounds = h.upper_bounds();
  uint64_t cum = 0;
  std::string le;
  // Read each bucket once so the cumulative series is monotonic and _count
  // equals the +Inf bucket even while other threads observe.
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cum += h.bucket_count(i);
    le.clear();
    if (i < bounds.size()) {
      AppendFloat(&le, bounds[i]);
    } else {
      le = "+Inf";
    }
    AppendSeries(out, name, "_bucket", labels, "le", le, static_cast<double>(cum));
  }
  AppendSeries(out, name, "_sum", labels, "", "", h.sum());
  AppendSeries(out, name, "_count", labels, "", "", static_cast<double>(cum));
}

}  // namespace internal

// ------------------------------------------------------------------ registry

namespace {

LabelPairs PairsOf(const labels::Labels& ls) {
  LabelPairs p;
  p.reserve(ls.size());
  for (const auto& l : ls) p.emplace_back(l.name, l.value);
  return p;
}

bool SameLabels(const labels::Labels& a, const labels::Labels& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].value != b[i].value) return false;
  }
  return true;
}

template <typename M>
class Single : public internal::Collectable {
 public:
  template <typename... Args>
  explicit Single(labels::Labels const_labels, Args&&... args)
      : const_labels(std::move(const_labels)), metric(std::forward<Args>(args)...) {}
  void AppendSamples(std::string_view name, std::string* out) const override {
    internal::AppendMetric(name, PairsOf(const_labels), metric, out);
  }
  const labels::Labels const_labels;
  M metric;
};

}  // namespace

// One metric name: its HELP, TYPE and the objects exposing samples under it.
struct Registry::Entry {
  std::string name;
  std::string help;
  MetricType type;
  bool family;
  std::vector<std::unique_ptr<internal::Collectable>> members;
};

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Entry* Registry::FindOrAdd(std::string_view name, std::string_view help, MetricType type, bool family,
                                     bool* type_conflict) {
  *type_conflict = false;
  for (auto& e : entries_) {
    if (e->name == name) {
      if (e->type != type || e->family != family) {
        *type_conflict = true;
        return nullptr;
      }
      return e.get();
    }
  }
  auto e = std::make_unique<Entry>();
  e->name = std::string(name);
  e->help = std::string(help);
  e->type = type;
  e->family = family;
  entries_.push_back(std::move(e));
  return entries_.back().get();
}

namespace {

// Finds (or creates) the single metric with `const_labels` in `members`.
template <typename M, typename... Args>
M& FindOrAddSingle(std::vector<std::unique_ptr<internal::Collectable>>* members, labels::Labels const_labels,
                   Args&&... args) {
  for (auto& m : *members) {
    auto* s = static_cast<Single<M>*>(m.get());
    if (SameLabels(s->const_labels, const_labels)) return s->metric;
  }
  members->push_back(std::make_unique<Single<M>>(std::move(const_labels), std::forward<Args>(args)...));
  return static_cast<Single<M>*>(members->back().get())->metric;
}

}  // namespace

Counter& Registry::NewCounter(std::string name, std::string help, labels::Labels const_labels) {
  std::lock_guard<std::mutex> l(mu_);
  bool conflict;
  Entry* e = FindOrAdd(name, help, MetricType::kCounter, false, &conflict);
  if (e == nullptr) {
    detached_.push_back(std::make_unique<Single<Counter>>(std::move(const_labels)));
    return static_cast<Single<Counter>*>(detached_.back().get())->metric;
  }
  return FindOrAddSingle<Counter>(&e->members, std::move(const_labels));
}

Gauge& Registry::NewGauge(std::string name, std::string help, labels::Labels const_labels) {
  std::lock_guard<std::mutex> l(mu_);
  bool conflict;
  Entry* e = FindOrAdd(name, help, MetricType::kGauge, false, &conflict);
  if (e == nullptr) {
    detached_.push_back(std::make_unique<Single<Gauge>>(std::move(const_labels)));
    return static_cast<Single<Gauge>*>(detached_.back().get())->metric;
  }
  return FindOrAddSingle<Gauge>(&e->members, std::move(const_labels));
}

Histogram& Registry::NewHistogram(std::string name, std::string help, std::vector<double> buckets,
                                  labels::Labels const_labels) {
  std::lock_guard<std::mutex> l(mu_);
  bool conflict;
  Entry* e = FindOrAdd(name, help, MetricType::kHistogram, false, &conflict);
  if (e == nullptr) {
    detached_.push_back(std::make_unique<Single<Histogram>>(std::move(const_labels), std::move(buckets)));
    return static_cast<Single<Histogram>*>(detached_.back().get())->metric;
  }
  return FindOrAddSingle<Histogram>(&e->members, std::move(const_labels), std::move(buckets));
}

namespace {

template <typename M>
Family<M>& FindOrAddFamily(std::vector<std::unique_ptr<internal::Collectable>>* members,
                           std::vector<std::string> label_names, labels::Labels const_labels,
                           std::vector<double> buckets) {
  // One family per name: a second registration returns the first family.
  if (!members->empty()) return *static_cast<Family<M>*>(members->front().get());
  members->push_back(std::make_unique<Family<M>>(std::move(label_names), std::move(const_labels), std::move(buckets)));
  return *static_cast<Family<M>*>(members->back().get());
}

}  // namespace

Family<Counter>& Registry::NewCounterFamily(std::string name, std::string help, std::vector<std::string> label_names,
                                            labels::Labels const_labels) {
  std::lock_guard<std::mutex> l(mu_);
  bool conflict;
  Entry* e = FindOrAdd(name, help, MetricType::kCounter, true, &conflict);
  if (e == nullptr) {
    detached_.push_back(
        std::make_unique<Family<Counter>>(std::move(label_names), std::move(const_labels), std::vector<double>{}));
    return *static_cast<Family<Counter>*>(detached_.back().get());
  }
  return FindOrAddFamily<Counter>(&e->members, std::move(label_names), std::move(const_labels), {});
}

Family<Gauge>& Registry::NewGaugeFamily(std::string name, std::string help, std::vector<std::string> label_names,
                                        labels::Labels const_labels) {
  std::lock_guard<std::mutex> l(mu_);
  bool conflict;
  Entry* e = FindOrAdd(name, help, MetricType::kGauge, true, &conflict);
  if (e == nullptr) {
    detached_.push_back(
        std::make_unique<Family<Gauge>>(std::move(label_names), std::move(const_labels), std::vector<double>{}));
    return *static_cast<Family<Gauge>*>(detached_.back().get());
  }
  return FindOrAddFamily<Gauge>(&e->members, std::move(label_names), std::move(const_labels), {});
}

Family<Histogram>& Registry::NewHistogramFamily(std::string name, std::string help,
                                                std::vector<std::string> label_names, std::vector<double> buckets,
                                                labels::Labels const_labels) {
  std::lock_guard<std::mutex> l(mu_);
  bool conflict;
  Entry* e = FindOrAdd(name, help, MetricType::kHistogram, true, &conflict);
  if (e == nullptr) {
    detached_.push_back(
        std::make_unique<Family<Histogram>>(std::move(label_names), std::move(const_labels), std::move(buckets)));
    return *static_cast<Family<Histogram>*>(detached_.back().get());
  }
  return FindOrAddFamily<Histogram>(&e->members, std::move(label_names), std::move(const_labels), std::move(buckets));
}

void Registry::AddCollector(std::function<void(std::string* out)> collector) {
  std::lock_guard<std::mutex> l(mu_);
  collectors_.push_back(std::move(collector));
}

namespace {

// The metric name a "# HELP name ..." / "# TYPE name ..." line or a sample
// line belongs to; empty for other comments.
std::string_view LineFamilyName(std::string_view line, bool* is_header) {
  *is_header = false;
  if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
    *is_header = true;
    std::string_view rest = line.substr(7);
    return rest.substr(0, rest.find(' '));
  }
  return {};
}

struct Block {
  std::string_view name;
  std::string_view text;
};

// Splits a collector's output into one block per family: a block starts at a
// HELP or TYPE line naming a different metric than the current block.
void SplitFamilies(std::string_view text, std::vector<Block>* blocks) {
  size_t start = 0;
  std::string_view cur;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    std::string_view line = text.substr(pos, end - pos);
    bool header;
    std::string_view name = LineFamilyName(line, &header);
    if (header && name != cur) {
      if (pos > start) blocks->push_back({cur, text.substr(start, pos - start)});
      start = pos;
      cur = name;
    }
    pos = end;
  }
  if (pos > start) blocks->push_back({cur, text.substr(start, pos - start)});
}

}  // namespace

std::string Registry::Expose() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> rendered;
  rendered.reserve(entries_.size() + collectors_.size());
  std::vector<Block> blocks;
  for (const auto& e : entries_) {
    std::string s;
    AppendHeader(&s, e->name, e->help, e->type);
    for (const auto& m : e->members) m->AppendSamples(e->name, &s);
    rendered.push_back(std::move(s));
  }
  size_t n_entries = rendered.size();
  for (const auto& c : collectors_) {
    std::string s;
    c(&s);
    if (!s.empty() && s.back() != '\n') s.push_back('\n');
    rendered.push_back(std::move(s));
  }
  for (size_t i = 0; i < rendered.size(); ++i) {
    if (i < n_entries) {
      blocks.push_back({entries_[i]->name, rendered[i]});
    } else {
      SplitFamilies(rendered[i], &blocks);
    }
  }
  std::stable_sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) { return a.name < b.name; });
  size_t total = 0;
  for (const auto& b : blocks) total += b.text.size();
  std::string out;
  out.reserve(total);
  for (const auto& b : blocks) out.append(b.text);
  return out;
}

Registry& DefaultRegistry() {
  static Registry* r = new Registry();  // never destroyed: metrics outlive static destructors
  return *r;
}

}  // namespace ward::metrics
