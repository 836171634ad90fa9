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

struct Group {
  const labels::Labels* metric = nullptr;
  double value = 0, mean = 0, c = 0, count = 0;
  bool incremental = false;
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

}  // namespace

EvalValue Evaluator::EvalAggregate(const Expr& e, const parser::AggregateExpr& a) {
  QueryContext& ctx = *ctx_;
  const ItemType op = a.op;
  EvalValue param;
  if (a.param) param = Eval(*a.param);
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
        g.value = s.f;
        g.mean = s.f;
        g.count = 1;
        switch (op) {
          case ItemType::STDDEV:
          case ItemType::STDVAR: {
            // Run the first sample through the update so NaN/Inf propagate.
            g.count = 1;
            g.mean = 0;
            const double delta = s.f - g.mean;
            g.mean += delta;
            g.value = delta * (s.f - g.mean);
            break;
          }
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
      switch (op) {
        case ItemType::SUM:
          g.value = KahanSumInc(f, g.value, &g.c);
          break;
        case ItemType::AVG: {
          g.count++;
          if (!g.incremental) {
            double nc = g.c;
            const double nv = KahanSumInc(f, g.value, &nc);
            if (!std::isinf(nv)) {
              g.value = nv;
              g.c = nc;
              break;
            }
            g.incremental = true;
            g.mean = g.value / (g.count - 1);
            g.c /= g.count - 1;
          }
          const double qq = (g.count - 1) / g.count;
          double qc = qq * g.c;
          g.mean = KahanSumInc(f / g.count, qq * g.mean, &qc);
          g.c = qc;
          break;
        }
        case ItemType::COUNT:
          g.count++;
          break;
        case ItemType::GROUP:
          break;
        case ItemType::MIN:
          if (g.value > f || std::isnan(g.value)) g.value = f;
          break;
        case ItemType::MAX:
          if (g.value < f || std::isnan(g.value)) g.value = f;
          break;
        case ItemType::STDDEV:
        case ItemType::STDVAR: {
          g.count++;
          const double delta = f - g.mean;
          g.mean += delta / g.count;
          g.value += delta * (f - g.mean);
          break;
        }
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
      switch (op) {
        case ItemType::SUM:
          out->push_back(StepSample{g.metric, g.value + g.c, ts, g.drop_name});
          break;
        case ItemType::AVG: {
          const double v2 = g.incremental ? g.mean + g.c : g.value / g.count + g.c / g.count;
          out->push_back(StepSample{g.metric, v2, ts, g.drop_name});
          break;
        }
        case ItemType::COUNT:
          out->push_back(StepSample{g.metric, g.count, ts, g.drop_name});
          break;
        case ItemType::GROUP:
          out->push_back(StepSample{g.metric, 1, ts, g.drop_name});
          break;
        case ItemType::MIN:
        case ItemType::MAX:
          out->push_back(StepSample{g.metric, g.value, ts, g.drop_name});
          break;
        case ItemType::STDVAR:
          out->push_back(StepSample{g.metric, g.value / g.count, ts, g.drop_name});
          break;
        case ItemType::STDDEV:
          out->push_back(StepSample{g.metric, std::sqrt(g.value / g.count), ts, g.drop_name});
          break;
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

}  // namespace ward::promql
