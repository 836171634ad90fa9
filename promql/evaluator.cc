#include "promql/evaluator.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "promql/functions.h"
#include "promql/parser/parse.h"

namespace ward::promql {

using parser::Expr;
using parser::ValueType;

void ThrowExec(std::string msg) { throw EvalError{Status::Execution(msg)}; }

void CheckUniqueLabelSets(const Matrix& m) {
  if (m.size() < 2) return;
  absl::flat_hash_map<uint64_t, std::vector<size_t>> seen;
  for (size_t i = 0; i < m.size(); i++) {
    auto& v = seen[m[i].metric.Hash()];
    for (size_t j : v) {
      if (m[j].metric == m[i].metric) {
        ThrowExec("vector cannot contain metrics with the same labelset");
      }
    }
    v.push_back(i);
  }
}

labels::Labels DropMetricName(const labels::Labels& l) {
  // With the type-and-unit feature off, __type__ and __unit__ go with the
  // name (Prometheus's DropReserved).
  auto reserved = [](std::string_view n) {
    return n == labels::kMetricName || n == "__type__" || n == "__unit__";
  };
  bool any = false;
  for (const labels::Label& x : l) any = any || reserved(x.name);
  if (!any) return l;
  std::vector<labels::Label> out;
  out.reserve(l.size());
  for (const labels::Label& x : l)
    if (!reserved(x.name)) out.push_back(x);
  return labels::Labels(std::move(out));
}

void Evaluator::CheckDeadline() {
  if (++deadline_counter_ % 64 != 0) return;
  if (std::chrono::steady_clock::now() > ctx_->deadline) {
    throw EvalError{Status::Timeout("query timed out in expression evaluation")};
  }
}

void Evaluator::CountSamples(int64_t n) {
  ctx_->stats.total_samples += n;
  if (n > ctx_->stats.peak_samples) ctx_->stats.peak_samples = n;
  if (n > ctx_->opts.max_samples) {
    ThrowExec("query processing would load too many samples into memory in query execution");
  }
}

int64_t Evaluator::Duration(int64_t folded, const parser::DurationExprPtr& d,
                            bool allow_negative) const {
  if (!d || d->IsConstant()) return folded;
  Result<int64_t> r = parser::EvalDuration(*d, ctx_->query_step,
                                           ctx_->query_end - ctx_->query_start, allow_negative);
  if (!r.ok()) throw EvalError{Status::Execution(r.status().ToString())};
  return r.value();
}

int64_t Evaluator::Offset(const parser::VectorSelector& vs) const {
  return Duration(vs.offset_ms, vs.offset_expr, true);
}

namespace {
std::optional<int64_t> ResolveAt(const QueryContext& ctx, const std::optional<int64_t>& ts,
                                 parser::StartOrEnd se) {
  if (se == parser::StartOrEnd::kStart) return ctx.query_start;
  if (se == parser::StartOrEnd::kEnd) return ctx.query_end;
  return ts;
}

const Expr* UnwrapParens(const Expr* e) {
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
}  // namespace

std::optional<int64_t> Evaluator::At(const parser::VectorSelector& vs) const {
  return ResolveAt(*ctx_, vs.timestamp_ms, vs.start_or_end);
}

void Evaluator::LoadPoints(const storage::Series& s, int64_t mint, int64_t maxt, bool keep_stale,
                           std::vector<FPoint>* out) {
  out->clear();
  std::unique_ptr<storage::SampleIterator> it = s.Iterator();
  storage::ValueType vt = it->Seek(mint);
  while (vt != storage::ValueType::kNone) {
    if (vt != storage::ValueType::kFloat) {
      ThrowExec("native histograms are not supported by this engine (series " +
                s.Labels().ToString() + ")");
    }
    int64_t t;
    double v;
    it->At(&t, &v);
    if (t > maxt) break;
    if (t >= mint && (keep_stale || !storage::IsStaleNaN(v))) out->push_back({t, v});
    vt = it->Next();
  }
  Status st = it->Err();
  if (!st.ok()) throw EvalError{Status::Execution(st.ToString())};
}

Matrix Evaluator::Load(const parser::VectorSelector& vs, int64_t mint, int64_t maxt,
                       bool keep_stale) {
  storage::SelectHints hints;
  hints.start_ms = mint;
  hints.end_ms = maxt;
  std::unique_ptr<storage::SeriesSet> ss = ctx_->querier->Select(false, &hints, vs.matchers);
  Matrix out;
  int64_t total = 0;
  while (ss->Next()) {
    CheckDeadline();
    Series series;
    LoadPoints(ss->At(), mint, maxt, keep_stale, &series.floats);
    if (series.floats.empty()) continue;
    series.metric = ss->At().Labels();
    total += series.floats.size();
    out.push_back(std::move(series));
  }
  Status st = ss->Err();
  if (!st.ok()) throw EvalError{Status::Execution(st.ToString())};
  for (const std::string& w : ss->Warnings()) ctx_->annos.AddWarning(w, -1);
  CountSamples(total);
  return out;
}

bool Evaluator::NextRangeSeries(RangeSource* src, std::optional<SeriesLabels>* metric,
                                std::vector<FPoint>* pts) {
  if (!src->set) {
    if (src->next_index >= src->series.size()) return false;
    Series& s = src->series[src->next_index++];
    metric->emplace(s.metric);
    pts->swap(s.floats);
    s.floats.clear();
    return true;
  }
  while (src->set->Next()) {
    CheckDeadline();
    const storage::Series& s = src->set->At();
    LoadPoints(s, src->mint, src->maxt, /*keep_stale=*/false, pts);
    if (pts->empty()) continue;
    CountSamples(static_cast<int64_t>(pts->size()));
    metric->emplace(s);
    return true;
  }
  Status st = src->set->Err();
  if (!st.ok()) throw EvalError{Status::Execution(st.ToString())};
  for (const std::string& w : src->set->Warnings()) ctx_->annos.AddWarning(w, -1);
  src->set.reset();
  src->next_index = src->series.size();  // exhausted
  return false;
}

EvalValue Evaluator::ScalarConst(double v) {
  EvalValue r;
  r.type = ValueType::kScalar;
  Series s;
  s.floats.reserve(NumSteps());
  for (int64_t ts = start_; ts <= end_; ts += interval_) s.floats.push_back({ts, v});
  r.mat.push_back(std::move(s));
  return r;
}

EvalValue Evaluator::Eval(const Expr& e) {
  CheckDeadline();
  if (auto* n = e.As<parser::NumberLiteral>()) return ScalarConst(n->val);
  if (auto* s = e.As<parser::StringLiteral>()) {
    EvalValue r;
    r.type = ValueType::kString;
    r.str = s->val;
    return r;
  }
  if (auto* p = e.As<parser::ParenExpr>()) return Eval(*p->expr);
  if (auto* p = e.As<parser::StepInvariantExpr>()) return Eval(*p->expr);
  if (auto* vs = e.As<parser::VectorSelector>()) return EvalVectorSelector(e, *vs);
  if (auto* ms = e.As<parser::MatrixSelector>()) return EvalMatrixSelectorRaw(e, *ms);
  if (auto* sq = e.As<parser::SubqueryExpr>()) return EvalSubqueryRaw(e, *sq);
  if (auto* c = e.As<parser::Call>()) return EvalCall(e, *c);
  if (auto* a = e.As<parser::AggregateExpr>()) return EvalAggregate(e, *a);
  if (auto* b = e.As<parser::BinaryExpr>()) return EvalBinary(e, *b);
  if (auto* u = e.As<parser::UnaryExpr>()) return EvalUnary(e, *u);
  throw EvalError{Status::Internal("unhandled expression type")};
}

EvalValue Evaluator::EvalVectorSelector(const Expr& e, const parser::VectorSelector& vs) {
  const int64_t offset = Offset(vs);
  const std::optional<int64_t> at = At(vs);
  const int64_t lookback = ctx_->lookback;
  const int64_t min_ref = (at ? *at : start_) - offset;
  const int64_t max_ref = (at ? *at : end_) - offset;
  if (vs.smoothed) {
    // The value at each step interpolated between the samples around it
    // (within one lookback delta on either side); stale markers ignored.
    Matrix loaded = Load(vs, min_ref - lookback + 1, max_ref + lookback, /*keep_stale=*/false);
    EvalValue r;
    r.type = ValueType::kVector;
    int64_t total = 0;
    for (Series& s : loaded) {
      Series out;
      const std::vector<FPoint>& pts = s.floats;
      for (int64_t ts = start_; ts <= end_; ts += interval_) {
        const int64_t ref = (at ? *at : ts) - offset;
        auto lo = std::upper_bound(pts.begin(), pts.end(), ref - lookback,
                                   [](int64_t t, const FPoint& p) { return t < p.t; });
        auto hi = std::upper_bound(lo, pts.end(), ref + lookback,
                                   [](int64_t t, const FPoint& p) { return t < p.t; });
        if (lo == hi) continue;
        auto i = std::lower_bound(lo, hi, ref, [](const FPoint& p, int64_t t) { return p.t < t; });
        if (i != hi && i->t == ref) {
          out.floats.push_back({ts, i->f});
        } else if (i != lo && i != hi) {
          out.floats.push_back({ts, Interpolate(*(i - 1), *i, ref, false)});
        } else if (i != lo) {
          out.floats.push_back({ts, (i - 1)->f});
        }
      }
      if (out.floats.empty()) continue;
      total += out.floats.size();
      out.metric = std::move(s.metric);
      r.mat.push_back(std::move(out));
    }
    CountSamples(total);
    return r;
  }
  // Not smoothed: one pass per series straight from storage.
  struct ToMatrix final : SeriesSink {
    EvalValue r;
    void Add(const SeriesLabels& metric, bool, bool, std::span<const FPoint> pts) override {
      Series out;
      out.metric = metric.Labels();
      out.floats.assign(pts.begin(), pts.end());
      r.mat.push_back(std::move(out));
    }
  } sink;
  sink.r.type = ValueType::kVector;
  StreamSelector(vs, &sink);
  return std::move(sink.r);
}

void Evaluator::StreamSelector(const parser::VectorSelector& vs, SeriesSink* sink) {
  // At each step the newest sample at or before the step, if it is within
  // the lookback delta and not a stale marker. Only one series' points are
  // held at a time.
  const int64_t offset = Offset(vs);
  const std::optional<int64_t> at = At(vs);
  const int64_t lookback = ctx_->lookback;
  const int64_t min_ref = (at ? *at : start_) - offset;
  const int64_t max_ref = (at ? *at : end_) - offset;
  const int64_t mint = min_ref - lookback + 1;
  const int64_t maxt = max_ref;
  storage::SelectHints hints;
  hints.start_ms = mint;
  hints.end_ms = maxt;
  std::unique_ptr<storage::SeriesSet> ss = ctx_->querier->Select(false, &hints, vs.matchers);
  int64_t total = 0;
  std::vector<FPoint> out;
  while (ss->Next()) {
    CheckDeadline();
    const storage::Series& s = ss->At();
    if (min_ref == max_ref) {
      // One reference time (an instant query, or `@`): the newest sample in
      // [mint, maxt] answers every step; the storage may know it without
      // decoding.
      int64_t lt = 0;
      double lv = 0;
      storage::Series::Latest l = s.LatestIn(mint, maxt, &lt, &lv);
      if (l != storage::Series::Latest::kUnknown) {
        if (l == storage::Series::Latest::kNone || storage::IsStaleNaN(lv)) continue;
        out.clear();
        for (int64_t ts = start_; ts <= end_; ts += interval_) out.push_back({ts, lv});
        total += out.size();
        sink->Add(SeriesLabels(s), /*name_dropped=*/false, /*drop_name=*/false, out);
        continue;
      }
    }
    std::unique_ptr<storage::SampleIterator> it = s.Iterator();
    // `next` is the first sample not yet consumed (t within [mint, maxt]).
    FPoint cur{0, 0}, next{0, 0};
    bool have_cur = false;
    auto advance = [&](storage::ValueType vt) {
      while (vt != storage::ValueType::kNone) {
        if (vt != storage::ValueType::kFloat) {
          ThrowExec("native histograms are not supported by this engine (series " +
                    s.Labels().ToString() + ")");
        }
        it->At(&next.t, &next.f);
        if (next.t > maxt) return false;
        if (next.t >= mint) return true;
        vt = it->Next();
      }
      return false;
    };
    bool have_next = advance(it->Seek(mint));
    out.clear();
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      const int64_t ref = (at ? *at : ts) - offset;
      while (have_next && next.t <= ref) {
        cur = next;
        have_cur = true;
        have_next = advance(it->Next());
      }
      if (!have_cur) continue;
      if (cur.t <= ref - lookback) continue;
      if (storage::IsStaleNaN(cur.f)) continue;
      out.push_back({ts, cur.f});
    }
    Status st = it->Err();
    if (!st.ok()) throw EvalError{Status::Execution(st.ToString())};
    if (out.empty()) continue;
    total += out.size();
    sink->Add(SeriesLabels(s), /*name_dropped=*/false, /*drop_name=*/false, out);
  }
  Status st = ss->Err();
  if (!st.ok()) throw EvalError{Status::Execution(st.ToString())};
  for (const std::string& w : ss->Warnings()) ctx_->annos.AddWarning(w, -1);
  CountSamples(total);
}

bool Evaluator::StreamVector(const Expr& e_in, SeriesSink* sink) {
  const Expr* e = UnwrapParens(&e_in);
  if (auto* vs = e->As<parser::VectorSelector>()) {
    if (vs->smoothed) return false;
    StreamSelector(*vs, sink);
    return true;
  }
  if (auto* c = e->As<parser::Call>()) {
    const std::string& name = c->func->name;
    if (name == "info" || name == "absent_over_time") return false;
    int matrix_arg = -1;
    for (size_t i = 0; i < c->args.size(); i++) {
      if (c->args[i]->Type() == ValueType::kMatrix) matrix_arg = static_cast<int>(i);
    }
    if (matrix_arg < 0) return false;
    // The other arguments first, as EvalCall evaluates them.
    std::vector<EvalValue> vals(c->args.size());
    for (size_t i = 0; i < c->args.size(); i++) {
      if (static_cast<int>(i) == matrix_arg) continue;
      vals[i] = Eval(*c->args[i]);
    }
    StreamRangeCall(*c, matrix_arg, &vals, sink);
    return true;
  }
  return false;
}

Evaluator::RangeSource Evaluator::LoadRange(const Expr& arg_in, bool stream) {
  const Expr* arg = UnwrapParens(&arg_in);
  RangeSource src;
  src.arg = arg;
  if (auto* ms = arg->As<parser::MatrixSelector>()) {
    const auto& vs = *ms->vector_selector->As<parser::VectorSelector>();
    src.range_ms = Duration(ms->range_ms, ms->range_expr, false);
    src.offset_ms = Offset(vs);
    src.at_ms = At(vs);
    src.anchored = vs.anchored;
    src.smoothed = vs.smoothed;
    if (vs.anchored || vs.smoothed) src.extend_back = ctx_->lookback;
    if (vs.smoothed) src.extend_fwd = ctx_->lookback;
    const int64_t min_ref = (src.at_ms ? *src.at_ms : start_) - src.offset_ms;
    const int64_t max_ref = (src.at_ms ? *src.at_ms : end_) - src.offset_ms;
    src.mint = min_ref - src.range_ms - src.extend_back + 1;
    src.maxt = max_ref + src.extend_fwd;
    if (stream) {
      storage::SelectHints hints;
      hints.start_ms = src.mint;
      hints.end_ms = src.maxt;
      src.set = ctx_->querier->Select(false, &hints, vs.matchers);
    } else {
      src.series = Load(vs, src.mint, src.maxt, /*keep_stale=*/false);
    }
    return src;
  }
  if (auto* sq = arg->As<parser::SubqueryExpr>()) {
    src.range_ms = Duration(sq->range_ms, sq->range_expr, false);
    int64_t step = Duration(sq->step_ms, sq->step_expr, false);
    if (step <= 0) step = ctx_->opts.default_subquery_step_ms;
    src.offset_ms = Duration(sq->offset_ms, sq->offset_expr, true);
    src.at_ms = ResolveAt(*ctx_, sq->timestamp_ms, sq->start_or_end);
    const int64_t outer_start = (src.at_ms ? *src.at_ms : start_);
    const int64_t outer_end = (src.at_ms ? *src.at_ms : end_);
    const int64_t lo = outer_start - src.offset_ms - src.range_ms;
    int64_t inner_start = step * (lo / step);  // truncating division, as Go
    if (inner_start <= lo) inner_start += step;
    const int64_t inner_end = outer_end - src.offset_ms;
    if (inner_start > inner_end) return src;
    // A subquery evaluates at least one point per inner step; refuse what
    // could never fit instead of allocating it.
    if ((inner_end - inner_start) / step + 1 > ctx_->opts.max_samples) {
      ThrowExec("query processing would load too many samples into memory in query execution");
    }
    Evaluator sub(ctx_, inner_start, inner_end, step);
    EvalValue v = sub.Eval(*sq->expr);
    if (v.type == ValueType::kString) ThrowExec("subquery over a string is not allowed");
    src.series = std::move(v.mat);
    if (ctx_->opts.delayed_name_removal) {
      for (Series& s : src.series) {
        if (s.drop_name) {
          s.metric = DropMetricName(s.metric);
          s.drop_name = false;
        }
      }
    }
    return src;
  }
  throw EvalError{Status::Internal("expected a range vector argument")};
}

namespace {
// Appends the points of `pts` in (ref - range, ref] to `out`.
void Window(const std::vector<FPoint>& pts, int64_t ref, int64_t range, std::vector<FPoint>* out) {
  auto lo = std::upper_bound(pts.begin(), pts.end(), ref - range,
                             [](int64_t t, const FPoint& p) { return t < p.t; });
  auto hi =
      std::upper_bound(lo, pts.end(), ref, [](int64_t t, const FPoint& p) { return t < p.t; });
  out->insert(out->end(), lo, hi);
}
}  // namespace

EvalValue Evaluator::EvalMatrixSelectorRaw(const Expr& e, const parser::MatrixSelector& ms) {
  RangeSource src = LoadRange(e);
  EvalValue r;
  r.type = ValueType::kMatrix;
  const int64_t ref = RefTime(src, start_);
  std::vector<FPoint> w;
  for (Series& s : src.series) {
    Series out;
    if (src.anchored || src.smoothed) {
      w.clear();
      Window(s.floats, ref + src.extend_fwd, src.range_ms + src.extend_back + src.extend_fwd, &w);
      out.floats = ExtendFloats(w, ref - src.range_ms, ref, src.smoothed);
    } else {
      Window(s.floats, ref, src.range_ms, &out.floats);
    }
    if (out.floats.empty()) continue;
    out.metric = std::move(s.metric);
    r.mat.push_back(std::move(out));
  }
  return r;
}

EvalValue Evaluator::EvalSubqueryRaw(const Expr& e, const parser::SubqueryExpr& sq) {
  RangeSource src = LoadRange(e);
  EvalValue r;
  r.type = ValueType::kMatrix;
  const int64_t ref = RefTime(src, start_);
  for (Series& s : src.series) {
    Series out;
    Window(s.floats, ref, src.range_ms, &out.floats);
    if (out.floats.empty()) continue;
    out.metric = std::move(s.metric);
    r.mat.push_back(std::move(out));
  }
  return r;
}

void SeriesCollector::Add(const StepSample& s, int64_t ts) {
  size_t idx;
  auto pit = by_ptr_.find(s.metric);
  if (pit != by_ptr_.end()) {
    idx = pit->second;
  } else {
    const uint64_t h = s.metric->Hash();
    std::vector<size_t>& cands = by_hash_[h];
    idx = SIZE_MAX;
    for (size_t c : cands) {
      if (result_[c].metric == *s.metric) {
        idx = c;
        break;
      }
    }
    if (idx == SIZE_MAX) {
      idx = result_.size();
      Series ns;
      ns.metric = *s.metric;
      result_.push_back(std::move(ns));
      last_ts_.push_back(std::numeric_limits<int64_t>::min());
      cands.push_back(idx);
    }
    by_ptr_.emplace(s.metric, idx);
  }
  if (last_ts_[idx] == ts) ThrowExec("vector cannot contain metrics with the same labelset");
  last_ts_[idx] = ts;
  result_[idx].floats.push_back({ts, s.f});
  if (s.drop_name) result_[idx].drop_name = true;
}

Matrix Evaluator::RangeEval(const std::vector<const Matrix*>& args, const StepFn& fn) {
  std::vector<std::vector<size_t>> cursors(args.size());
  for (size_t a = 0; a < args.size(); a++) cursors[a].assign(args[a]->size(), 0);
  std::vector<StepVector> in(args.size());
  StepVector out;
  SeriesCollector result;
  int64_t total = 0;
  int step = 0;
  for (int64_t ts = start_; ts <= end_; ts += interval_, step++) {
    CheckDeadline();
    for (size_t a = 0; a < args.size(); a++) {
      in[a].clear();
      const Matrix& m = *args[a];
      for (size_t i = 0; i < m.size(); i++) {
        size_t& c = cursors[a][i];
        const std::vector<FPoint>& pts = m[i].floats;
        while (c < pts.size() && pts[c].t < ts) c++;
        if (c < pts.size() && pts[c].t == ts) {
          in[a].push_back(
              StepSample{&m[i].metric, pts[c].f, ts, m[i].drop_name, static_cast<int32_t>(i)});
        }
      }
    }
    out.clear();
    fn(step, ts, std::span<StepVector>(in), &out);
    for (const StepSample& s : out) result.Add(s, ts);
    total += out.size();
  }
  CountSamples(total);
  return result.Take();
}

EvalValue Evaluator::EvalUnary(const Expr& e, const parser::UnaryExpr& u) {
  EvalValue v = Eval(*u.expr);
  if (u.op != parser::ItemType::SUB) return v;
  for (Series& s : v.mat) {
    for (FPoint& p : s.floats) p.f = -p.f;
    if (v.type == ValueType::kVector) {
      if (ctx_->opts.delayed_name_removal) {
        s.drop_name = true;
      } else {
        s.metric = DropMetricName(s.metric);
      }
    }
  }
  if (v.type == ValueType::kVector && !ctx_->opts.delayed_name_removal) {
    // Dropping names may merge series: that is a duplicate labelset error
    // only if two of them have a point at the same step.
    absl::flat_hash_map<uint64_t, std::vector<size_t>> seen;
    Matrix merged;
    for (Series& s : v.mat) {
      std::vector<size_t>& c = seen[s.metric.Hash()];
      size_t idx = SIZE_MAX;
      for (size_t i : c)
        if (merged[i].metric == s.metric) idx = i;
      if (idx == SIZE_MAX) {
        c.push_back(merged.size());
        merged.push_back(std::move(s));
        continue;
      }
      std::vector<FPoint> pts;
      std::merge(merged[idx].floats.begin(), merged[idx].floats.end(), s.floats.begin(),
                 s.floats.end(), std::back_inserter(pts),
                 [](const FPoint& a, const FPoint& b) { return a.t < b.t; });
      for (size_t i = 1; i < pts.size(); i++) {
        if (pts[i].t == pts[i - 1].t) {
          ThrowExec("vector cannot contain metrics with the same labelset");
        }
      }
      merged[idx].floats = std::move(pts);
    }
    v.mat = std::move(merged);
  }
  return v;
}

}  // namespace ward::promql
