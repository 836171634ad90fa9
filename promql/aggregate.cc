// Aggregation operators (sum, avg, count, min, max, group, stddev, stdvar,
// quantile, topk, bottomk, count_values, limitk, limit_ratio). Groups are
// found by a hash of the grouping labels computed once per input series,
// never by building strings per step.
#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "promql/evaluator.h"
#include "promql/functions.h"

namespace ward::promql {

using parser::Expr;
using parser::ItemType;
using parser::ValueType;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Prometheus's default (stringlabels) label-set hash: xxHash64 over the
// packed encoding (length-prefixed names and values). limit_ratio uses it.
uint64_t StringLabelsHash(const labels::Labels& l) {
  std::string buf;
  auto put = [&](std::string_view s) {
    if (s.size() < 255) {
      buf.push_back(static_cast<char>(s.size()));
    } else {
      buf.push_back(static_cast<char>(0xff));
      buf.push_back(static_cast<char>(s.size() & 0xff));
      buf.push_back(static_cast<char>((s.size() >> 8) & 0xff));
      buf.push_back(static_cast<char>((s.size() >> 16) & 0xff));
    }
    buf.append(s);
  };
  for (const labels::Label& x : l) {
    put(x.name);
    put(x.value);
  }
  return XXH64(buf.data(), buf.size(), 0);
}

// The running state of sum, avg, count, group, min, max, stddev and stdvar
// over one group at one step. Both evaluation paths (step by step, and the
// fused one over streamed series) fold samples through AccFirst/AccNext in
// the input's order, so they compute bit-identical results.
struct Acc {
  double value = 0, mean = 0, c = 0, count = 0;
  bool incremental = false;
};

bool IsSimpleAgg(ItemType op) {
  switch (op) {
    case ItemType::SUM:
    case ItemType::AVG:
    case ItemType::COUNT:
    case ItemType::GROUP:
    case ItemType::MIN:
    case ItemType::MAX:
    case ItemType::STDDEV:
    case ItemType::STDVAR:
      return true;
    default:
      return false;
  }
}

// The group's first sample.
inline void AccFirst(ItemType op, double f, Acc* g) {
  g->value = f;
  g->mean = f;
  g->c = 0;
  g->count = 1;
  g->incremental = false;
  if (op == ItemType::STDDEV || op == ItemType::STDVAR) {
    // Run the first sample through the update so NaN/Inf propagate.
    g->mean = 0;
    const double delta = f - g->mean;
    g->mean += delta;
    g->value = delta * (f - g->mean);
  }
}

// Every later sample. REQUIRES: IsSimpleAgg(op).
inline void AccNext(ItemType op, double f, Acc* g) {
  switch (op) {
    case ItemType::SUM:
      g->value = KahanSumInc(f, g->value, &g->c);
      break;
    case ItemType::AVG: {
      g->count++;
      if (!g->incremental) {
        double nc = g->c;
        const double nv = KahanSumInc(f, g->value, &nc);
        if (!std::isinf(nv)) {
          g->value = nv;
          g->c = nc;
          break;
        }
        g->incremental = true;
        g->mean = g->value / (g->count - 1);
        g->c /= g->count - 1;
      }
      const double qq = (g->count - 1) / g->count;
      double qc = qq * g->c;
      g->mean = KahanSumInc(f / g->count, qq * g->mean, &qc);
      g->c = qc;
      break;
    }
    case ItemType::COUNT:
      g->count++;
      break;
    case ItemType::GROUP:
      break;
    case ItemType::MIN:
      if (g->value > f || std::isnan(g->value)) g->value = f;
      break;
    case ItemType::MAX:
      if (g->value < f || std::isnan(g->value)) g->value = f;
      break;
    case ItemType::STDDEV:
    case ItemType::STDVAR: {
      g->count++;
      const double delta = f - g->mean;
      g->mean += delta / g->count;
      g->value += delta * (f - g->mean);
      break;
    }
    default:
      break;
  }
}

// The group's value. REQUIRES: IsSimpleAgg(op).
inline double AccResult(ItemType op, const Acc& g) {
  switch (op) {
    case ItemType::SUM:
      return g.value + g.c;
    case ItemType::AVG:
      return g.incremental ? g.mean + g.c : g.value / g.count + g.c / g.count;
    case ItemType::COUNT:
      return g.count;
    case ItemType::GROUP:
      return 1;
    case ItemType::STDVAR:
      return g.value / g.count;
    case ItemType::STDDEV:
      return std::sqrt(g.value / g.count);
    default:  // MIN, MAX
      return g.value;
  }
}

struct Group {
  const labels::Labels* metric = nullptr;
  Acc acc;
  bool drop_name = false;        // delayed name removal: any member drops it
  std::vector<double> values;    // quantile
  std::vector<StepSample> heap;  // topk, bottomk, limitk, limit_ratio
};

// Better for topk: larger, NaN worst.
bool TopBetter(double a, double b) {
  if (std::isnan(b)) return !std::isnan(a);
  if (std::isnan(a)) return false;
  return a > b;
}
bool BottomBetter(double a, double b) {
  if (std::isnan(b)) return !std::isnan(a);
  if (std::isnan(a)) return false;
  return a < b;
}

bool IsReservedName(std::string_view n) {
  return n == labels::kMetricName || n == "__type__" || n == "__unit__";
}

// The fused aggregation: consumes the input series one at a time
// (Evaluator::StreamVector) and folds each point into its group's state at
// that point's step, so neither the input matrix nor the input series'
// labels are ever held. Groups keep sparse per-step cells in step order;
// series of one group usually cover the same steps, so a series updates
// the cells in place. Every step sees its samples in input order, exactly
// as the step-by-step path does, and the output is produced in the same
// order (by step, then by the group's first input series at that step).
class FusedAggregator final : public SeriesSink {
 public:
  // `k`: topk/bottomk's k per step (empty for the other operators).
  FusedAggregator(Evaluator& ev, const parser::AggregateExpr& a, std::vector<int64_t> k)
      : ev_(ev),
        op_(a.op),
        without_(a.without),
        grouping_(a.grouping),
        start_(ev.start()),
        interval_(ev.interval()),
        k_(std::move(k)) {}

  void Add(const SeriesLabels& metric, bool name_dropped, bool drop_name,
           std::span<const FPoint> pts) override {
    const uint32_t src = next_src_++;
    // Labels as views: nothing is built unless a group is new.
    const bool one_group = !without_ && grouping_.empty();
    if ((name_dropped && !dup_) || !one_group) metric.Views(&views_);
    if (name_dropped && !dup_) {
      // Dropping the name may make two input series equal, an error once
      // the whole input has been read (as for a materialized input).
      key_.clear();
      for (const storage::LabelView& l : views_) {
        if (!IsReservedName(l.name)) AppendKey(l);
      }
      dup_ = !seen_.insert(XXH3_64bits(key_.data(), key_.size())).second;
    }
    FusedGroup& g = groups_[one_group ? OneGroup() : GroupOf(name_dropped)];
    g.drop_name = g.drop_name || drop_name;
    EnsureCells(&g, pts, src);
    size_t j = 0;
    for (const FPoint& p : pts) {
      const int32_t step = StepOf(p.t);
      if (!k_.empty() && k_[step] < 1) continue;
      while (g.cells[j].step < step) j++;
      Cell& c = g.cells[j++];
      if (k_.empty()) {
        if (c.acc.count == 0) {
          AccFirst(op_, p.f, &c.acc);
        } else {
          AccNext(op_, p.f, &c.acc);
        }
      } else {
        AddTop(&c, TopEntry{p.f, src, drop_name}, metric, name_dropped, k_[step]);
      }
    }
  }

  // The aggregation's value (one series per group or, for topk/bottomk, per
  // selected input series).
  Matrix Finish() {
    if (dup_) ThrowExec("vector cannot contain metrics with the same labelset");
    struct Out {
      int32_t step;
      uint32_t first_src;
      uint32_t gid;
      uint32_t cell;
    };
    std::vector<Out> order;
    for (uint32_t gid = 0; gid < groups_.size(); gid++) {
      const std::vector<Cell>& cells = groups_[gid].cells;
      for (uint32_t i = 0; i < cells.size(); i++) {
        order.push_back(Out{cells[i].step, cells[i].first_src, gid, i});
      }
    }
    std::sort(order.begin(), order.end(), [](const Out& x, const Out& y) {
      return x.step != y.step ? x.step < y.step : x.first_src < y.first_src;
    });
    int64_t total = 0;
    Matrix result;
    if (k_.empty()) {
      std::vector<int32_t> result_of(groups_.size(), -1);
      for (const Out& o : order) {
        const FusedGroup& g = groups_[o.gid];
        int32_t& r = result_of[o.gid];
        if (r < 0) {
          r = static_cast<int32_t>(result.size());
          result.emplace_back();
          result.back().metric = *g.metric;
          result.back().drop_name = g.drop_name;
        }
        result[r].floats.push_back(
            {start_ + o.step * interval_, AccResult(op_, g.cells[o.cell].acc)});
        total++;
      }
    } else {
      auto better = op_ == ItemType::TOPK ? TopBetter : BottomBetter;
      SeriesCollector collector;
      for (const Out& o : order) {
        const int64_t ts = start_ + o.step * interval_;
        const Cell& c = groups_[o.gid].cells[o.cell];
        if (c.heap < 0) continue;
        std::vector<TopEntry>& h = heaps_[c.heap];
        std::stable_sort(h.begin(), h.end(),
                         [&](const TopEntry& x, const TopEntry& y) { return better(x.f, y.f); });
        for (const TopEntry& e : h) {
          collector.Add(StepSample{src_labels_[e.src], e.f, ts, e.drop_name}, ts);
          total++;
        }
      }
      result = collector.Take();
    }
    ev_.CountSamples(total);
    return result;
  }

 private:
  struct Cell {
    int32_t step;
    uint32_t first_src;  // the first input series that reached it
    int32_t heap = -1;   // topk/bottomk: index into heaps_
    Acc acc;             // other operators; count == 0 until the first sample
  };
  struct FusedGroup {
    const labels::Labels* metric;
    std::vector<Cell> cells;  // sorted by step
    bool drop_name = false;
  };
  struct TopEntry {
    double f;
    uint32_t src;
    bool drop_name;
  };

  int32_t StepOf(int64_t t) const { return static_cast<int32_t>((t - start_) / interval_); }

  void AppendKey(const storage::LabelView& l) {
    key_.append(l.name);
    key_.push_back('\xff');
    key_.append(l.value);
    key_.push_back('\xff');
  }

  bool InGroupKey(std::string_view name, bool name_dropped) const {
    if (name_dropped && IsReservedName(name)) return false;
    const bool listed = std::find(grouping_.begin(), grouping_.end(), name) != grouping_.end();
    return without_ ? !listed && name != labels::kMetricName : listed;
  }

  // The series' group (labels in views_), created on first sight. The key
  // hashes the same bytes as the group labels' Hash(), as the step-by-step
  // path keys them.
  uint32_t GroupOf(bool name_dropped) {
    key_.clear();
    for (const storage::LabelView& l : views_) {
      if (!l.value.empty() && InGroupKey(l.name, name_dropped)) AppendKey(l);
    }
    const uint64_t h = XXH3_64bits(key_.data(), key_.size());
    auto [it, inserted] = gid_of_hash_.emplace(h, static_cast<uint32_t>(groups_.size()));
    if (inserted) {
      std::vector<labels::Label> gl;
      for (const storage::LabelView& l : views_) {
        if (!l.value.empty() && InGroupKey(l.name, name_dropped)) {
          gl.push_back(labels::Label{std::string(l.name), std::string(l.value)});
        }
      }
      groups_.push_back(FusedGroup{arena_.Add(labels::Labels(std::move(gl))), {}, false});
    }
    return it->second;
  }

  // Without grouping labels every series is in one group (empty labels).
  uint32_t OneGroup() {
    if (groups_.empty()) groups_.push_back(FusedGroup{arena_.Add(labels::Labels()), {}, false});
    return 0;
  }

  // Gives `g` a cell for every step of `pts` (but steps where topk's k < 1).
  void EnsureCells(FusedGroup* g, std::span<const FPoint> pts, uint32_t src) {
    std::vector<Cell>& cells = g->cells;
    size_t j = 0;
    bool all = true;
    for (const FPoint& p : pts) {
      const int32_t step = StepOf(p.t);
      if (!k_.empty() && k_[step] < 1) continue;
      while (j < cells.size() && cells[j].step < step) j++;
      if (j == cells.size() || cells[j].step != step) {
        all = false;
        break;
      }
      j++;
    }
    if (all) return;
    merged_.clear();
    merged_.reserve(cells.size() + pts.size());
    j = 0;
    for (const FPoint& p : pts) {
      const int32_t step = StepOf(p.t);
      if (!k_.empty() && k_[step] < 1) continue;
      while (j < cells.size() && cells[j].step < step) merged_.push_back(cells[j++]);
      if (j < cells.size() && cells[j].step == step) {
        merged_.push_back(cells[j++]);
      } else {
        merged_.push_back(Cell{step, src, -1, Acc{}});
      }
    }
    while (j < cells.size()) merged_.push_back(cells[j++]);
    cells.swap(merged_);
  }

  // topk/bottomk: keeps the k best samples of a group at one step, with the
  // same replacement rule as the step-by-step path.
  void AddTop(Cell* c, TopEntry e, const SeriesLabels& metric, bool name_dropped, int64_t k) {
    auto better = op_ == ItemType::TOPK ? TopBetter : BottomBetter;
    if (c->heap < 0) {
      c->heap = static_cast<int32_t>(heaps_.size());
      heaps_.emplace_back();
    }
    std::vector<TopEntry>& h = heaps_[c->heap];
    if (static_cast<int64_t>(h.size()) < k) {
      h.push_back(e);
    } else {
      size_t worst = 0;
      for (size_t i = 1; i < h.size(); i++)
        if (better(h[worst].f, h[i].f)) worst = i;
      if (!better(e.f, h[worst].f)) return;
      h[worst] = e;
    }
    // The sample may be output: keep its labels.
    const labels::Labels*& l = src_labels_[e.src];
    if (l == nullptr) {
      l = arena_.Add(name_dropped ? DropMetricName(metric.Labels()) : metric.Labels());
    }
  }

  Evaluator& ev_;
  const ItemType op_;
  const bool without_;
  const std::vector<std::string>& grouping_;
  const int64_t start_, interval_;
  const std::vector<int64_t> k_;
  uint32_t next_src_ = 0;
  std::string key_;
  std::vector<storage::LabelView> views_;
  absl::flat_hash_map<uint64_t, uint32_t> gid_of_hash_;
  std::vector<FusedGroup> groups_;
  std::vector<Cell> merged_;
  std::vector<std::vector<TopEntry>> heaps_;
  absl::flat_hash_map<uint32_t, const labels::Labels*> src_labels_;
  LabelArena arena_;
  bool dup_ = false;
  absl::flat_hash_set<uint64_t> seen_;
};

}  // namespace

EvalValue Evaluator::EvalAggregate(const Expr& e, const parser::AggregateExpr& a) {
  QueryContext& ctx = *ctx_;
  const ItemType op = a.op;
  EvalValue param;
  if (a.param) param = Eval(*a.param);
  {
    EvalValue fused;
    if (FusedAggregate(a, param, &fused)) return fused;
  }
  EvalValue in = Eval(*a.expr);
  auto param_at = [&](int step) -> double {
    if (param.mat.empty() || param.mat[0].floats.empty()) return kNaN;
    if (step < static_cast<int>(param.mat[0].floats.size())) return param.mat[0].floats[step].f;
    return param.mat[0].floats.back().f;
  };

  if (op == ItemType::COUNT_VALUES) {
    const std::string& lname = param.str;
    if (!IsValidLabelName(lname)) ThrowExec("invalid label name " + GoQuote(lname));
  }
  // Parameter checks over all steps, as Prometheus does before evaluating.
  if (op == ItemType::TOPK || op == ItemType::BOTTOMK || op == ItemType::LIMITK) {
    // As Prometheus: nothing to do when every k is below 1; otherwise NaN
    // and values beyond int64 are errors.
    double max_k = -std::numeric_limits<double>::infinity();
    bool any_nan = false;
    for (int s = 0; s < NumSteps(); s++) {
      const double k = param_at(s);
      if (std::isnan(k)) {
        any_nan = true;
      } else {
        max_k = std::max(max_k, k);
      }
    }
    if (!any_nan && max_k < 1) return EvalValue{ValueType::kVector, {}, {}};
    if (any_nan) ThrowExec("Parameter value is NaN");
    for (int s = 0; s < NumSteps(); s++) {
      const double k = param_at(s);
      if (k >= 9.223372036854775807e18) {
        ThrowExec("Scalar value " + FormatFloatG(k) + " overflows int64");
      }
      if (k <= -9.223372036854775808e18) {
        ThrowExec("Scalar value " + FormatFloatG(k) + " underflows int64");
      }
    }
  }
  if (op == ItemType::LIMIT_RATIO) {
    double max_r = -std::numeric_limits<double>::infinity();
    double min_r = std::numeric_limits<double>::infinity();
    bool any_nan = false;
    for (int s = 0; s < NumSteps(); s++) {
      const double r = param_at(s);
      if (std::isnan(r)) {
        any_nan = true;
        continue;
      }
      max_r = std::max(max_r, r);
      min_r = std::min(min_r, r);
    }
    if (!any_nan && max_r == 0 && min_r == 0) return EvalValue{ValueType::kVector, {}, {}};
    if (any_nan) ThrowExec("Ratio value is NaN");
    if (max_r > 1) {
      ctx.annos.AddWarning(
          "ratio value should be between -1 and 1, got " + FormatFloatG(max_r) + ", capping to 1",
          a.param->pos.start);
    }
    if (min_r < -1) {
      ctx.annos.AddWarning(
          "ratio value should be between -1 and 1, got " + FormatFloatG(min_r) + ", capping to -1",
          a.param->pos.start);
    }
  }
  if (op == ItemType::QUANTILE) {
    // One warning each for a NaN, the largest value above 1 and the
    // smallest below 0, as Prometheus reports them.
    bool any_nan = false;
    double max_q = -std::numeric_limits<double>::infinity();
    double min_q = std::numeric_limits<double>::infinity();
    for (int s = 0; s < NumSteps(); s++) {
      const double q = param_at(s);
      if (std::isnan(q)) {
        any_nan = true;
        continue;
      }
      max_q = std::max(max_q, q);
      min_q = std::min(min_q, q);
    }
    auto warn = [&](double q) {
      ctx.annos.AddWarning("quantile value should be between 0 and 1, got " + FormatFloatG(q),
                           a.param->pos.start);
    };
    if (any_nan) warn(std::numeric_limits<double>::quiet_NaN());
    if (max_q > 1) warn(max_q);
    if (min_q < 0) warn(min_q);
  }

  LabelArena arena;
  // Per input series: its group's labels and a dense group id, so each
  // step finds groups through an array instead of a hash map.
  struct Key {
    uint32_t gid;
    const labels::Labels* group_labels;
  };
  absl::flat_hash_map<uint64_t, uint32_t> gid_of_hash;
  std::deque<Key> keys;
  std::vector<const Key*> key_by_src(in.mat.size(), nullptr);
  auto key_of = [&](const StepSample& s) -> const Key& {
    const Key*& slot = key_by_src[s.src];
    if (slot != nullptr) return *slot;
    const labels::Labels* m = s.metric;
    labels::Builder b(*m);
    if (a.without) {
      for (const std::string& g : a.grouping) b.Del(g);
      b.Del(labels::kMetricName);
    } else {
      b.Keep(a.grouping);
    }
    labels::Labels gl = b.Build();
    const uint64_t h = gl.Hash();
    const uint32_t gid =
        gid_of_hash.emplace(h, static_cast<uint32_t>(gid_of_hash.size())).first->second;
    keys.push_back(Key{gid, arena.Add(std::move(gl))});
    slot = &keys.back();
    return *slot;
  };
  absl::flat_hash_map<std::pair<const labels::Labels*, std::string>, const labels::Labels*>
      cv_labels;

  absl::flat_hash_map<uint64_t, size_t> cv_idx;
  std::vector<int32_t> slot_of_gid;  // group's index in `groups` this step, or -1
  std::vector<uint32_t> touched;
  std::vector<Group> groups;
  StepVector cv_out;
  std::vector<const Matrix*> args{&in.mat};
  EvalValue r;
  r.type = ValueType::kVector;
  r.mat = RangeEval(args, [&](int step, int64_t ts, std::span<StepVector> vin, StepVector* out) {
    for (uint32_t g : touched) slot_of_gid[g] = -1;
    touched.clear();
    groups.clear();
    const StepVector& v = vin[0];
    int64_t k = 0;
    double ratio = 0;
    if (op == ItemType::TOPK || op == ItemType::BOTTOMK || op == ItemType::LIMITK) {
      const double p = param_at(step);
      if (p >= 9.2e18) {
        k = std::numeric_limits<int64_t>::max();
      } else if (p <= -9.2e18) {
        k = std::numeric_limits<int64_t>::min();
      } else {
        k = static_cast<int64_t>(p);
      }
      if (k < 1) return;
    }
    if (op == ItemType::LIMIT_RATIO) {
      ratio = std::clamp(param_at(step), -1.0, 1.0);
    }
    const double q = op == ItemType::QUANTILE ? param_at(step) : 0;
    if (op == ItemType::COUNT_VALUES) {
      // Counted by the output label set (group labels plus the value
      // label), so groups whose labels the value label overwrites merge.
      cv_idx.clear();
      cv_out.clear();
      for (const StepSample& s : v) {
        // As Prometheus: the value label is set on the sample's labels
        // first, then the grouping applies (so `without` can remove it).
        auto ck = std::make_pair(s.metric, FormatFloatFixed(s.f));
        auto it = cv_labels.find(ck);
        if (it == cv_labels.end()) {
          labels::Builder b(*s.metric);
          b.Set(param.str, ck.second);
          if (a.without) {
            for (const std::string& g : a.grouping) b.Del(g);
            b.Del(labels::kMetricName);
          } else {
            std::vector<std::string> keep = a.grouping;
            keep.push_back(param.str);
            b.Keep(keep);
          }
          it = cv_labels.emplace(ck, arena.Add(b.Build())).first;
        }
        auto [ot, inserted] = cv_idx.emplace(it->second->Hash(), cv_out.size());
        if (inserted) {
          cv_out.push_back(StepSample{it->second, 1, ts, false});
        } else {
          cv_out[ot->second].f++;
        }
      }
      out->insert(out->end(), cv_out.begin(), cv_out.end());
      return;
    }
    for (const StepSample& s : v) {
      const Key& key = key_of(s);
      if (key.gid >= slot_of_gid.size()) slot_of_gid.resize(key.gid + 1, -1);
      int32_t& slot = slot_of_gid[key.gid];
      if (slot < 0) {
        slot = static_cast<int32_t>(groups.size());
        touched.push_back(key.gid);
        groups.emplace_back();
        Group& g = groups.back();
        g.metric = key.group_labels;
        g.drop_name = s.drop_name;
        AccFirst(op, s.f, &g.acc);
        switch (op) {
          case ItemType::QUANTILE:
            g.values.push_back(s.f);
            break;
          case ItemType::TOPK:
          case ItemType::BOTTOMK:
          case ItemType::LIMITK:
            g.heap.push_back(s);
            break;
          case ItemType::LIMIT_RATIO: {
            const double off = static_cast<double>(StringLabelsHash(*s.metric)) /
                               static_cast<double>(std::numeric_limits<uint64_t>::max());
            if ((ratio >= 0 && off < ratio) || (ratio < 0 && off >= 1.0 + ratio)) {
              g.heap.push_back(s);
            }
            break;
          }
          default:
            break;
        }
        continue;
      }
      Group& g = groups[slot];
      g.drop_name = g.drop_name || s.drop_name;
      const double f = s.f;
      if (IsSimpleAgg(op)) {
        AccNext(op, f, &g.acc);
        continue;
      }
      switch (op) {
        case ItemType::QUANTILE:
          g.values.push_back(f);
          break;
        case ItemType::TOPK:
        case ItemType::BOTTOMK: {
          auto better = op == ItemType::TOPK ? TopBetter : BottomBetter;
          if (static_cast<int64_t>(g.heap.size()) < k) {
            g.heap.push_back(s);
            break;
          }
          size_t worst = 0;
          for (size_t i = 1; i < g.heap.size(); i++)
            if (better(g.heap[worst].f, g.heap[i].f)) worst = i;
          if (better(f, g.heap[worst].f)) g.heap[worst] = s;
          break;
        }
        case ItemType::LIMITK:
          if (static_cast<int64_t>(g.heap.size()) < k) g.heap.push_back(s);
          break;
        case ItemType::LIMIT_RATIO: {
          const double off = static_cast<double>(StringLabelsHash(*s.metric)) /
                             static_cast<double>(std::numeric_limits<uint64_t>::max());
          if ((ratio >= 0 && off < ratio) || (ratio < 0 && off >= 1.0 + ratio)) {
            g.heap.push_back(s);
          }
          break;
        }
        default:
          ThrowExec("unknown aggregation");
      }
    }
    for (Group& g : groups) {
      if (IsSimpleAgg(op)) {
        out->push_back(StepSample{g.metric, AccResult(op, g.acc), ts, g.drop_name});
        continue;
      }
      switch (op) {
        case ItemType::QUANTILE:
          out->push_back(StepSample{g.metric, Quantile(q, &g.values), ts, g.drop_name});
          break;
        case ItemType::TOPK:
        case ItemType::BOTTOMK: {
          auto better = op == ItemType::TOPK ? TopBetter : BottomBetter;
          std::stable_sort(
              g.heap.begin(), g.heap.end(),
              [&](const StepSample& x, const StepSample& y) { return better(x.f, y.f); });
          for (const StepSample& s : g.heap) out->push_back(s);
          break;
        }
        case ItemType::LIMITK:
        case ItemType::LIMIT_RATIO:
          for (const StepSample& s : g.heap) out->push_back(s);
          break;
        default:
          break;
      }
    }
  });
  return r;
}

bool Evaluator::FusedAggregate(const parser::AggregateExpr& a, const EvalValue& param,
                               EvalValue* r) {
  if (!ctx_->opts.fuse_aggregations) return false;
  std::vector<int64_t> k;
  if (a.op == ItemType::TOPK || a.op == ItemType::BOTTOMK) {
    // Only when k is usable at every step; otherwise the step-by-step path
    // reports the problem after evaluating the input, as Prometheus does.
    k.resize(NumSteps());
    double max_k = -std::numeric_limits<double>::infinity();
    for (int s = 0; s < NumSteps(); s++) {
      const double p = ScalarAt(param, s);
      if (std::isnan(p) || p >= 9.223372036854775807e18 || p <= -9.223372036854775808e18) {
        return false;
      }
      max_k = std::max(max_k, p);
      k[s] = p >= 9.2e18    ? std::numeric_limits<int64_t>::max()
             : p <= -9.2e18 ? std::numeric_limits<int64_t>::min()
                            : static_cast<int64_t>(p);
    }
    if (max_k < 1) return false;
  } else if (!IsSimpleAgg(a.op)) {
    return false;
  }
  FusedAggregator agg(*this, a, std::move(k));
  if (!StreamVector(*a.expr, &agg)) return false;
  r->type = ValueType::kVector;
  r->mat = agg.Finish();
  return true;
}

}  // namespace ward::promql
