#include "promql/engine.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <iterator>
#include <limits>
#include <mutex>
#include <new>

#include "absl/container/flat_hash_map.h"
#include "promql/evaluator.h"
#include "promql/parser/parse.h"

namespace ward::promql {

using parser::ValueType;

parser::ParseOptions Engine::ParseOpts() const {
  parser::ParseOptions o;
  o.experimental_functions = opts_.experimental_functions;
  o.duration_expressions = true;
  o.extended_range_selectors = opts_.extended_range_selectors;
  o.binop_fill_modifiers = opts_.binop_fill_modifiers;
  return o;
}

Result<QueryResult> Engine::InstantQuery(storage::Queryable& db, std::string_view q,
                                         int64_t ts_ms) {
  WARD_ASSIGN_OR_RETURN(parser::ExprPtr e, parser::ParseExpr(q, ParseOpts()));
  return InstantQuery(db, *e, ts_ms);
}

Result<QueryResult> Engine::RangeQuery(storage::Queryable& db, std::string_view q, int64_t start_ms,
                                       int64_t end_ms, int64_t step_ms) {
  WARD_ASSIGN_OR_RETURN(parser::ExprPtr e, parser::ParseExpr(q, ParseOpts()));
  return RangeQuery(db, *e, start_ms, end_ms, step_ms);
}

Result<QueryResult> Engine::InstantQuery(storage::Queryable& db, const parser::Expr& e,
                                         int64_t ts_ms, int64_t lookback_delta_ms,
                                         int64_t timeout_ms) {
  return Exec(db, e, ts_ms, ts_ms, 0, lookback_delta_ms, timeout_ms);
}

Result<QueryResult> Engine::RangeQuery(storage::Queryable& db, const parser::Expr& e,
                                       int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                       int64_t lookback_delta_ms, int64_t timeout_ms) {
  if (step_ms <= 0) {
    return Status::InvalidArgument(
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  if (end_ms < start_ms) {
    return Status::InvalidArgument("end timestamp must not be before start time");
  }
  const ValueType t = e.Type();
  if (t != ValueType::kScalar && t != ValueType::kVector) {
    return Status::InvalidArgument(std::string("invalid expression type \"") +
                                   std::string(parser::ValueTypeName(t)) +
                                   "\" for range query, must be Scalar or instant Vector");
  }
  return Exec(db, e, start_ms, end_ms, step_ms, lookback_delta_ms, timeout_ms);
}

namespace {

// Delayed name removal: drop the names marked for it. Series that end up
// with the same labels are merged when their points do not overlap in
// time (Prometheus's mergeSeriesWithSameLabelset); overlap is an error.
void CleanupNames(Matrix* m) {
  bool any = false;
  for (Series& s : *m) {
    if (s.drop_name) {
      s.metric = DropMetricName(s.metric);
      s.drop_name = false;
      any = true;
    }
  }
  if (!any) return;
  absl::flat_hash_map<uint64_t, std::vector<size_t>> seen;
  Matrix merged;
  for (Series& s : *m) {
    std::vector<size_t>& cands = seen[s.metric.Hash()];
    size_t idx = SIZE_MAX;
    for (size_t j : cands)
      if (merged[j].metric == s.metric) idx = j;
    if (idx == SIZE_MAX) {
      cands.push_back(merged.size());
      merged.push_back(std::move(s));
      continue;
    }
    std::vector<FPoint> pts;
    pts.reserve(merged[idx].floats.size() + s.floats.size());
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
  *m = std::move(merged);
}

}  // namespace

// A counting semaphore with a deadline: the query queue of
// --query.max-concurrency. Thread-safe.
class Engine::Gate {
 public:
  explicit Gate(int limit) : limit_(limit) {}
  // False when the deadline passed before a slot was free.
  bool Acquire(std::chrono::steady_clock::time_point deadline) {
    if (limit_ <= 0) return true;
    std::unique_lock<std::mutex> l(mu_);
    if (!cv_.wait_until(l, deadline, [this] { return active_ < limit_; })) return false;
    active_++;
    return true;
  }
  void Release() {
    if (limit_ <= 0) return;
    {
      std::lock_guard<std::mutex> l(mu_);
      active_--;
    }
    cv_.notify_one();
  }

 private:
  const int limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  int active_ = 0;  // guarded by mu_
};

Engine::Engine(EngineOptions opts) : opts_(opts), gate_(std::make_unique<Gate>(opts.max_concurrency)) {}
Engine::~Engine() = default;

Result<QueryResult> Engine::Exec(storage::Queryable& db, const parser::Expr& e, int64_t start,
                                 int64_t end, int64_t step, int64_t lookback,
                                 int64_t timeout_ms) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  QueryContext ctx;
  ctx.opts = opts_;
  ctx.query_start = start;
  ctx.query_end = end;
  ctx.query_step = step;
  ctx.lookback = lookback > 0 ? lookback : opts_.lookback_delta_ms;
  int64_t budget_ms = opts_.timeout_ms;
  if (timeout_ms > 0 && timeout_ms < budget_ms) budget_ms = timeout_ms;
  ctx.deadline = t0 + std::chrono::milliseconds(budget_ms);
  if (!gate_->Acquire(ctx.deadline)) return Status::Timeout("query timed out in query queue");
  QueryStats phases;
  phases.queue_seconds = seconds_since(t0);
  const auto t_eval = Clock::now();
  struct Releaser {
    Gate* g;
    ~Releaser() { g->Release(); }
  } releaser{gate_.get()};
  WARD_ASSIGN_OR_RETURN(std::unique_ptr<storage::Querier> querier,
                        db.NewQuerier(std::numeric_limits<int64_t>::min() / 4,
                                      std::numeric_limits<int64_t>::max() / 4));
  ctx.querier = querier.get();
  phases.prepare_seconds = seconds_since(t_eval);

  if (step > 0 && (end - start) / step + 1 > opts_.max_samples) {
    return Status::Execution(
        "query processing would load too many samples into memory in query execution");
  }
  QueryResult res;
  try {
    const bool instant = step == 0;
    Evaluator ev(&ctx, start, end, instant ? 1 : step);
    const auto t_inner = Clock::now();
    EvalValue v = ev.Eval(e);
    phases.inner_eval_seconds = seconds_since(t_inner);
    const auto t_sort = Clock::now();
    switch (v.type) {
      case ValueType::kString:
        res.value = String{start, std::move(v.str)};
        break;
      case ValueType::kScalar:
        if (instant) {
          double f = std::numeric_limits<double>::quiet_NaN();
          if (!v.mat.empty() && !v.mat[0].floats.empty()) f = v.mat[0].floats[0].f;
          res.value = Scalar{start, f};
        } else {
          res.value = std::move(v.mat);
        }
        break;
      case ValueType::kVector:
        if (opts_.delayed_name_removal) CleanupNames(&v.mat);
        if (instant) {
          Vector vec;
          vec.reserve(v.mat.size());
          for (Series& s : v.mat) {
            if (s.floats.empty()) continue;
            vec.push_back(Sample{std::move(s.metric), s.floats[0].t, s.floats[0].f, false});
          }
          res.value = std::move(vec);
        } else {
          SortMatrix(&v.mat);
          res.value = std::move(v.mat);
        }
        break;
      case ValueType::kMatrix:
        if (opts_.delayed_name_removal) CleanupNames(&v.mat);
        SortMatrix(&v.mat);
        res.value = std::move(v.mat);
        break;
      default:
        return Status::Internal("expression has no value");
    }
    phases.sort_seconds = seconds_since(t_sort);
  } catch (EvalError& err) {
    return std::move(err.status);
  } catch (const std::bad_alloc&) {
    return Status::Execution("query ran out of memory in expression evaluation");
  }
  res.annotations = std::move(ctx.annos);
  phases.total_samples = ctx.stats.total_samples;
  phases.peak_samples = ctx.stats.peak_samples;
  phases.eval_seconds = seconds_since(t_eval);
  phases.exec_seconds = seconds_since(t0);
  res.stats = phases;
  return res;
}

}  // namespace ward::promql
