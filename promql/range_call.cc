// Functions over range vectors (rate, increase, *_over_time, deriv, ...):
// each series is walked once, its window sliding forward across the steps.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "promql/evaluator.h"
#include "promql/functions.h"

namespace ward::promql {

using parser::Expr;
using parser::ValueType;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const Expr* Unwrap(const Expr* e) {
  while (true) {
    if (auto* p = e->As<parser::ParenExpr>()) {
      e = p->expr.get();
    } else if (auto* s = e->As<parser::StepInvariantExpr>()) {
      e = s->expr.get();
    } else {
      return e;
    }
  }
}

// The range-vector functions, resolved once per call (not per step).
enum class RangeFn {
  kOther,
  kAvgOverTime,
  kChanges,
  kCountOverTime,
  kDelta,
  kDeriv,
  kDoubleExponentialSmoothing,
  kFirstOverTime,
  kIdelta,
  kIncrease,
  kIrate,
  kLastOverTime,
  kMadOverTime,
  kMaxOverTime,
  kMinOverTime,
  kPredictLinear,
  kPresentOverTime,
  kQuantileOverTime,
  kRate,
  kResets,
  kStddevOverTime,
  kStdvarOverTime,
  kSumOverTime,
  kTsOfFirstOverTime,
  kTsOfLastOverTime,
  kTsOfMaxOverTime,
  kTsOfMinOverTime,
};

RangeFn ToRangeFn(std::string_view n) {
  if (n == "avg_over_time") return RangeFn::kAvgOverTime;
  if (n == "changes") return RangeFn::kChanges;
  if (n == "count_over_time") return RangeFn::kCountOverTime;
  if (n == "delta") return RangeFn::kDelta;
  if (n == "deriv") return RangeFn::kDeriv;
  if (n == "double_exponential_smoothing") return RangeFn::kDoubleExponentialSmoothing;
  if (n == "first_over_time") return RangeFn::kFirstOverTime;
  if (n == "idelta") return RangeFn::kIdelta;
  if (n == "increase") return RangeFn::kIncrease;
  if (n == "irate") return RangeFn::kIrate;
  if (n == "last_over_time") return RangeFn::kLastOverTime;
  if (n == "mad_over_time") return RangeFn::kMadOverTime;
  if (n == "max_over_time") return RangeFn::kMaxOverTime;
  if (n == "min_over_time") return RangeFn::kMinOverTime;
  if (n == "predict_linear") return RangeFn::kPredictLinear;
  if (n == "present_over_time") return RangeFn::kPresentOverTime;
  if (n == "quantile_over_time") return RangeFn::kQuantileOverTime;
  if (n == "rate") return RangeFn::kRate;
  if (n == "resets") return RangeFn::kResets;
  if (n == "stddev_over_time") return RangeFn::kStddevOverTime;
  if (n == "stdvar_over_time") return RangeFn::kStdvarOverTime;
  if (n == "sum_over_time") return RangeFn::kSumOverTime;
  if (n == "ts_of_first_over_time") return RangeFn::kTsOfFirstOverTime;
  if (n == "ts_of_last_over_time") return RangeFn::kTsOfLastOverTime;
  if (n == "ts_of_max_over_time") return RangeFn::kTsOfMaxOverTime;
  if (n == "ts_of_min_over_time") return RangeFn::kTsOfMinOverTime;
  return RangeFn::kOther;
}

bool HasCounterSuffix(std::string_view name) {
  auto ends = [&](std::string_view s) {
    return name.size() >= s.size() && name.substr(name.size() - s.size()) == s;
  };
  return ends("_total") || ends("_sum") || ends("_count") || ends("_bucket");
}

}  // namespace

namespace {

// Anchored and smoothed selectors work with a few functions only.
void CheckRangeModifiers(const parser::Call& c, int matrix_arg) {
  const std::string& name = c.func->name;
  if (auto* ms = Unwrap(c.args[matrix_arg].get())->As<parser::MatrixSelector>()) {
    const auto& vs = *ms->vector_selector->As<parser::VectorSelector>();
    if (vs.anchored && name != "changes" && name != "delta" && name != "increase" &&
        name != "rate" && name != "resets") {
      ThrowExec(
          "anchored modifier can only be used with: changes, delta, increase, rate, resets - "
          "not with " +
          name);
    }
    if (vs.smoothed && name != "delta" && name != "increase" && name != "rate") {
      ThrowExec("smoothed modifier can only be used with: delta, increase, rate - not with " +
                name);
    }
  }
}

}  // namespace

EvalValue Evaluator::EvalRangeCall(const Expr& e, const parser::Call& c, int matrix_arg,
                                   std::vector<EvalValue>* vals) {
  const std::string& name = c.func->name;
  EvalValue r;
  r.type = ValueType::kVector;
  if (name == "absent_over_time") {
    // Looks at all series together, so they are loaded up front.
    CheckRangeModifiers(c, matrix_arg);
    RangeSource src = LoadRange(*c.args[matrix_arg], /*stream=*/false);
    labels::Labels lset = AbsentLabels(c.args[matrix_arg].get());
    Series out;
    out.metric = lset;
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      const int64_t ref = RefTime(src, ts);
      bool any = false;
      for (const Series& s : src.series) {
        auto it = std::upper_bound(s.floats.begin(), s.floats.end(), ref - src.range_ms,
                                   [](int64_t t, const FPoint& p) { return t < p.t; });
        if (it != s.floats.end() && it->t <= ref) {
          any = true;
          break;
        }
      }
      if (!any) out.floats.push_back({ts, 1});
    }
    if (!out.floats.empty()) r.mat.push_back(std::move(out));
    return r;
  }
  struct ToMatrix final : SeriesSink {
    Matrix* mat;
    void Add(const SeriesLabels& metric, bool name_dropped, bool drop_name,
             std::span<const FPoint> pts) override {
      Series out;
      out.metric = name_dropped ? DropMetricName(metric.Labels()) : metric.Labels();
      out.drop_name = drop_name;
      out.floats.assign(pts.begin(), pts.end());
      mat->push_back(std::move(out));
    }
  } sink;
  sink.mat = &r.mat;
  StreamRangeCall(c, matrix_arg, vals, &sink);
  // Dropping names can make two series equal.
  const bool keep_name = name == "last_over_time" || name == "first_over_time";
  if (!ctx_->opts.delayed_name_removal && !keep_name) CheckUniqueLabelSets(r.mat);
  return r;
}

void Evaluator::StreamRangeCall(const parser::Call& c, int matrix_arg,
                                std::vector<EvalValue>* vals_in, SeriesSink* sink) {
  const std::string& name = c.func->name;
  QueryContext& ctx = *ctx_;
  const bool delayed = ctx.opts.delayed_name_removal;
  std::vector<EvalValue>& vals = *vals_in;
  auto scalar_at = [&](size_t arg, int step) { return ScalarAt(vals[arg], step); };
  CheckRangeModifiers(c, matrix_arg);
  // Streamed: one series' raw samples in memory at a time.
  RangeSource src = LoadRange(*c.args[matrix_arg], /*stream=*/true);
  const bool extended = src.anchored || src.smoothed;
  const int arg_pos = c.args[matrix_arg]->pos.start;
  const bool keep_name = name == "last_over_time" || name == "first_over_time";
  if (name == "quantile_over_time") {
    for (int step = 0; step < NumSteps(); step++) {
      const double q = scalar_at(0, step);
      if (std::isnan(q) || q < 0 || q > 1) {
        ctx.annos.AddWarning("quantile value should be between 0 and 1, got " + FormatFloatG(q),
                             c.args[0]->pos.start);
        break;
      }
    }
  }
  if (name == "double_exponential_smoothing") {
    for (int step = 0; step < NumSteps(); step++) {
      const double sf = scalar_at(1, step), tf = scalar_at(2, step);
      if (!(sf > 0 && sf < 1)) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%f", sf);
        ThrowExec(std::string("invalid smoothing factor. Expected: 0 < sf < 1, got: ") + buf);
      }
      if (!(tf > 0 && tf < 1)) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%f", tf);
        ThrowExec(std::string("invalid trend factor. Expected: 0 < tf < 1, got: ") + buf);
      }
    }
  }
  const RangeFn fn = ToRangeFn(name);
  const bool is_rate_like = fn == RangeFn::kRate || fn == RangeFn::kIncrease;
  std::vector<FPoint> window;
  std::vector<double> tmp;
  std::vector<uint32_t> resets_before;
  int64_t total = 0;
  std::optional<SeriesLabels> metric;
  std::vector<storage::LabelView> views;
  std::vector<FPoint> pts;  // the series' raw samples
  std::vector<FPoint> out;  // its value per step
  while (NextRangeSeries(&src, &metric, &pts)) {
    CheckDeadline();
    out.clear();
    size_t lo = 0, hi = 0;
    int step = 0;
    if (is_rate_like) {
      resets_before.resize(pts.size());
      uint32_t n = 0;
      for (size_t i = 0; i < pts.size(); i++) {
        if (i > 0 && pts[i].f < pts[i - 1].f) n++;
        resets_before[i] = n;
      }
    }
    bool warned_counter = false;
    for (int64_t ts = start_; ts <= end_; ts += interval_, step++) {
      const int64_t ref = RefTime(src, ts);
      const int64_t mint = ref - src.range_ms;
      // The points loaded for this step: (mint, ref], widened for
      // anchored/smoothed selectors.
      const int64_t win_lo = mint - src.extend_back, win_hi = ref + src.extend_fwd;
      // Windows move forward with the steps (or stay, with @).
      if (src.at_ms) {
        lo = std::upper_bound(pts.begin(), pts.end(), win_lo,
                              [](int64_t t, const FPoint& p) { return t < p.t; }) -
             pts.begin();
        hi = std::upper_bound(pts.begin(), pts.end(), win_hi,
                              [](int64_t t, const FPoint& p) { return t < p.t; }) -
             pts.begin();
      } else {
        while (lo < pts.size() && pts[lo].t <= win_lo) lo++;
        if (hi < lo) hi = lo;
        while (hi < pts.size() && pts[hi].t <= win_hi) hi++;
      }
      if (hi <= lo) continue;
      std::span<const FPoint> w(pts.data() + lo, hi - lo);
      double v = 0;
      bool ok = true;
      if (extended && (fn == RangeFn::kChanges || fn == RangeFn::kResets)) {
        std::vector<FPoint> ext = ExtendFloats(w, mint, ref, src.smoothed);
        if (ext.empty()) {
          ok = false;
        } else {
          v = fn == RangeFn::kChanges ? Changes(ext) : Resets(ext);
        }
      } else if (extended) {
        ok = ExtendedRate(w, mint, ref, src.range_ms, src.smoothed, fn != RangeFn::kDelta,
                          fn == RangeFn::kRate, &v);
      } else if (fn == RangeFn::kRate || fn == RangeFn::kIncrease || fn == RangeFn::kDelta) {
        // resets_before[i]: decreases among pts[0..i]; none in the window
        // lets the kernel skip its reset scan.
        const bool may_reset = !is_rate_like || resets_before[hi - 1] != resets_before[lo];
        ok = ExtrapolatedRate(w, mint, ref, src.range_ms, fn != RangeFn::kDelta,
                              fn == RangeFn::kRate, &v, may_reset);
        if (ok && is_rate_like && !warned_counter) {
          warned_counter = true;
          metric->Views(&views);
          std::string_view metric_name;
          for (const storage::LabelView& l : views) {
            if (l.name == labels::kMetricName) metric_name = l.value;
          }
          if (!HasCounterSuffix(metric_name)) {
            ctx.annos.AddInfo(
                "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: " +
                    GoQuote(metric_name),
                arg_pos);
          }
        }
      } else if (fn == RangeFn::kIrate || fn == RangeFn::kIdelta) {
        ok = InstantValue(w, fn == RangeFn::kIrate, &v);
      } else if (fn == RangeFn::kAvgOverTime) {
        v = AvgOverTime(w);
      } else if (fn == RangeFn::kSumOverTime) {
        v = SumOverTime(w);
      } else if (fn == RangeFn::kCountOverTime) {
        v = static_cast<double>(w.size());
      } else if (fn == RangeFn::kMinOverTime) {
        v = MinOverTime(w);
      } else if (fn == RangeFn::kMaxOverTime) {
        v = MaxOverTime(w);
      } else if (fn == RangeFn::kLastOverTime) {
        v = w.back().f;
      } else if (fn == RangeFn::kFirstOverTime) {
        v = w.front().f;
      } else if (fn == RangeFn::kTsOfLastOverTime) {
        v = static_cast<double>(w.back().t) / 1000;
      } else if (fn == RangeFn::kTsOfFirstOverTime) {
        v = static_cast<double>(w.front().t) / 1000;
      } else if (fn == RangeFn::kTsOfMaxOverTime || fn == RangeFn::kTsOfMinOverTime) {
        const bool is_max = fn == RangeFn::kTsOfMaxOverTime;
        double best = w[0].f;
        int64_t bt = w[0].t;
        for (const FPoint& p : w) {
          const bool better =
              is_max ? (p.f >= best || std::isnan(best)) : (p.f <= best || std::isnan(best));
          if (better) {
            best = p.f;
            bt = p.t;
          }
        }
        v = static_cast<double>(bt) / 1000;
      } else if (fn == RangeFn::kPresentOverTime) {
        v = 1;
      } else if (fn == RangeFn::kStddevOverTime) {
        v = std::sqrt(StdvarOverTime(w));
      } else if (fn == RangeFn::kStdvarOverTime) {
        v = StdvarOverTime(w);
      } else if (fn == RangeFn::kChanges) {
        v = Changes(w);
      } else if (fn == RangeFn::kResets) {
        v = Resets(w);
      } else if (fn == RangeFn::kDeriv) {
        if (w.size() < 2) {
          ok = false;
        } else {
          double slope, icpt;
          LinearRegression(w, w[0].t, &slope, &icpt);
          v = slope;
        }
      } else if (fn == RangeFn::kPredictLinear) {
        if (w.size() < 2) {
          ok = false;
        } else {
          double slope, icpt;
          LinearRegression(w, ts, &slope, &icpt);
          v = slope * scalar_at(1, step) + icpt;
        }
      } else if (fn == RangeFn::kDoubleExponentialSmoothing) {
        if (w.size() < 2) {
          ok = false;
        } else {
          v = DoubleExponentialSmoothing(w, scalar_at(1, step), scalar_at(2, step));
        }
      } else if (fn == RangeFn::kQuantileOverTime) {
        tmp.clear();
        for (const FPoint& p : w) tmp.push_back(p.f);
        v = Quantile(scalar_at(0, step), &tmp);
      } else if (fn == RangeFn::kMadOverTime) {
        tmp.clear();
        bool has_nan = false;
        for (const FPoint& p : w) has_nan = has_nan || std::isnan(p.f);
        if (has_nan) {
          out.push_back({ts, kNaN});
          continue;
        }
        for (const FPoint& p : w) tmp.push_back(p.f);
        const double median = Quantile(0.5, &tmp);
        tmp.clear();
        for (const FPoint& p : w) tmp.push_back(std::fabs(p.f - median));
        v = Quantile(0.5, &tmp);
      } else {
        ThrowExec("function " + name + " is not supported yet");
      }
      if (ok) out.push_back({ts, v});
    }
    if (out.empty()) continue;
    total += out.size();
    sink->Add(*metric, /*name_dropped=*/!keep_name && !delayed, /*drop_name=*/!keep_name && delayed,
              out);
  }
  CountSamples(total);
}

}  // namespace ward::promql
