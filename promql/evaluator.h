// Evaluator: the per-query state of one PromQL evaluation (private to the
// engine). It evaluates an AST over all steps [start, end] at once, like
// Prometheus's evaluator: instant-vector and scalar nodes produce a Matrix
// with at most one point per step and series; range nodes produce raw
// windows. Selectors decode each series once per query and slide across
// steps. Evaluation errors are thrown as EvalError and turned into a Status
// once by Engine. Not thread-safe: one Evaluator per query.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "promql/engine.h"
#include "promql/parser/ast.h"
#include "promql/value.h"
#include "storage/interface.h"

namespace ward::promql {

// Thrown inside the evaluator only; Engine converts it to a Status.
struct EvalError {
  Status status;
};
[[noreturn]] void ThrowExec(std::string msg);
// Throws "vector cannot contain metrics with the same labelset" when two
// series of `m` have the same labels (e.g. after a function dropped names).
void CheckUniqueLabelSets(const Matrix& m);

// One element of a per-step instant vector. `metric` points at labels that
// stay alive for the whole RangeEval call (input series or a label cache),
// so building a step vector allocates nothing per sample.
struct StepSample {
  const labels::Labels* metric = nullptr;
  double f = 0;
  int64_t t = 0;
  bool drop_name = false;
  // Index of the input series in the argument matrix (set by RangeEval for
  // input vectors; -1 for computed samples). Lets operators cache per
  // series in a flat array.
  int32_t src = -1;
};
using StepVector = std::vector<StepSample>;

// The value of a node over all steps.
struct EvalValue {
  parser::ValueType type = parser::ValueType::kNone;
  Matrix mat;       // vector/scalar: <= 1 point per step; matrix: raw windows
  std::string str;  // kString
};

// Shared by an evaluator and the sub-evaluators of its subqueries.
struct QueryContext {
  EngineOptions opts;
  storage::Querier* querier = nullptr;
  int64_t query_start = 0, query_end = 0, query_step = 0;  // for @ start()/end(), step()
  int64_t lookback = 300000;
  std::chrono::steady_clock::time_point deadline;
  Annotations annos;
  QueryStats stats;
};

// The labels of a streamed series: a storage series, read through its
// LabelViews fast path by consumers that only look at labels, or labels
// already built (series of a subquery). Valid while the series is current.
class SeriesLabels {
 public:
  explicit SeriesLabels(const storage::Series& s) : series_(&s) {}
  explicit SeriesLabels(const labels::Labels& l) : labels_(&l) {}
  // The labels as a Labels (built by the storage when it interns them).
  const labels::Labels& Labels() const { return labels_ ? *labels_ : series_->Labels(); }
  // Replaces *out with views of the labels, in order.
  void Views(std::vector<storage::LabelView>* out) const {
    if (series_ != nullptr) return series_->LabelViews(out);
    out->clear();
    for (const labels::Label& l : *labels_) out->push_back({l.name, l.value});
  }

 private:
  const storage::Series* series_ = nullptr;
  const labels::Labels* labels_ = nullptr;
};

// Receives the series of an instant-vector expression one at a time, as the
// evaluator produces them (Evaluator::StreamVector), so a consumer such as
// an aggregation never holds every input series at once.
class SeriesSink {
 public:
  virtual ~SeriesSink() = default;
  // One series with at least one point. `metric`: its labels as storage (or
  // a subquery) returned them, valid during the call only. `name_dropped`:
  // the expression's value is `metric` without __name__, __type__ and
  // __unit__ (a function dropped them). `drop_name`: marked for delayed name
  // removal. `pts`: at most one point per step, t = the step's time,
  // ascending; valid during the call only.
  virtual void Add(const SeriesLabels& metric, bool name_dropped, bool drop_name,
                   std::span<const FPoint> pts) = 0;
};

// Collects per-step outputs into series keyed by label set, in order of
// first appearance (the output side of RangeEval).
class SeriesCollector {
 public:
  // Adds `s` at time `ts` to the series with its labels. Throws "vector
  // cannot contain metrics with the same labelset" when that series already
  // has a point at `ts`. REQUIRES: *s.metric outlives the collector.
  void Add(const StepSample& s, int64_t ts);
  Matrix Take() { return std::move(result_); }

 private:
  Matrix result_;
  std::vector<int64_t> last_ts_;
  absl::flat_hash_map<const labels::Labels*, size_t> by_ptr_;
  absl::flat_hash_map<uint64_t, std::vector<size_t>> by_hash_;
};

// A stable home for labels computed during one RangeEval (group labels,
// result labels of binary operators and functions).
class LabelArena {
 public:
  const labels::Labels* Add(labels::Labels l) {
    store_.push_back(std::move(l));
    return &store_.back();
  }

 private:
  std::deque<labels::Labels> store_;
};

class Evaluator {
 public:
  Evaluator(QueryContext* ctx, int64_t start, int64_t end, int64_t interval)
      : ctx_(ctx), start_(start), end_(end), interval_(interval) {}

  EvalValue Eval(const parser::Expr& e);

  int64_t start() const { return start_; }
  int64_t end() const { return end_; }
  int64_t interval() const { return interval_; }
  int64_t NumSteps() const { return interval_ > 0 ? (end_ - start_) / interval_ + 1 : 1; }
  QueryContext* ctx() { return ctx_; }

  // Calls fn(step_index, ts, args_at_step, out) for every step, with each
  // argument matrix turned into the step's instant vector, and collects the
  // outputs into series keyed by label set. Fails with "vector cannot
  // contain metrics with the same labelset" on duplicates within a step.
  using StepFn =
      std::function<void(int step, int64_t ts, std::span<StepVector> args, StepVector* out)>;
  Matrix RangeEval(const std::vector<const Matrix*>& args, const StepFn& fn);

  void CheckDeadline();
  void CountSamples(int64_t n);

  // Evaluates `e` series by series into `sink` when `e` is a form that
  // streams from storage: a vector selector (not smoothed) or a function
  // over a range vector (except absent_over_time). Returns false, having
  // evaluated nothing, for any other form. Errors, warnings and sample
  // counts are the same as Eval's.
  bool StreamVector(const parser::Expr& e, SeriesSink* sink);

 private:
  EvalValue EvalVectorSelector(const parser::Expr& e, const parser::VectorSelector& vs);
  EvalValue EvalMatrixSelectorRaw(const parser::Expr& e, const parser::MatrixSelector& ms);
  EvalValue EvalSubqueryRaw(const parser::Expr& e, const parser::SubqueryExpr& sq);
  EvalValue EvalCall(const parser::Expr& e, const parser::Call& c);
  // Functions with a range-vector argument (range_call.cc); `vals` holds the
  // other arguments, already evaluated.
  EvalValue EvalRangeCall(const parser::Expr& e, const parser::Call& c, int matrix_arg,
                          std::vector<EvalValue>* vals);
  // The streaming part of EvalRangeCall: checks, then every output series
  // into `sink`. REQUIRES: the function is not absent_over_time.
  void StreamRangeCall(const parser::Call& c, int matrix_arg, std::vector<EvalValue>* vals,
                       SeriesSink* sink);
  // Vector selector (not smoothed) series by series into `sink`.
  void StreamSelector(const parser::VectorSelector& vs, SeriesSink* sink);
  // Fused aggregation over a streamed input (aggregate.cc); false when the
  // operator or the input cannot be fused (nothing evaluated then).
  bool FusedAggregate(const parser::AggregateExpr& a, const EvalValue& param, EvalValue* r);
  EvalValue EvalInfo(const parser::Expr& e, const parser::Call& c);  // info.cc
  bool InfoRefPath(const parser::Expr& e, std::optional<int64_t>* pinned, int64_t* offset);
  EvalValue EvalAggregate(const parser::Expr& e, const parser::AggregateExpr& a);
  EvalValue EvalBinary(const parser::Expr& e, const parser::BinaryExpr& b);
  EvalValue EvalUnary(const parser::Expr& e, const parser::UnaryExpr& u);
  EvalValue ScalarConst(double v);

 public:
  // Range-vector source: per series all points needed for every step, with
  // the window parameters. Used by functions over range vectors.
  struct RangeSource {
    Matrix series;  // raw points (stale markers removed), sorted by time
    // Streaming mode (LoadRange with stream=true over a matrix selector):
    // `series` stays empty and Next() reads one series at a time from
    // `set` over [mint, maxt].
    std::unique_ptr<storage::SeriesSet> set;
    int64_t mint = 0, maxt = 0;
    size_t next_index = 0;  // materialized mode: the next element of `series`
    int64_t range_ms = 0;
    int64_t offset_ms = 0;
    std::optional<int64_t> at_ms;
    const parser::Expr* arg = nullptr;  // the matrix argument (for positions)
    // Extended range selectors: windows reach one lookback delta further
    // back (anchored, smoothed) and forward (smoothed).
    bool anchored = false, smoothed = false;
    int64_t extend_back = 0, extend_fwd = 0;
    std::string metric_name_hint;
  };
  // `stream`: for a matrix selector, do not load every series up front;
  // read them one by one with NextRangeSeries (subqueries are evaluated
  // whole either way).
  RangeSource LoadRange(const parser::Expr& arg, bool stream = false);
  // The next series of `src`: *metric refers to its labels (valid until
  // the next call), *pts receives its samples (moved out of src.series, or
  // read from storage in streaming mode); false at the end. Series without
  // samples in range are skipped.
  bool NextRangeSeries(RangeSource* src, std::optional<SeriesLabels>* metric,
                       std::vector<FPoint>* pts);
  // The window end for step ts.
  int64_t RefTime(const RangeSource& src, int64_t ts) const {
    return (src.at_ms ? *src.at_ms : ts) - src.offset_ms;
  }

  // Selector helpers.
  int64_t Offset(const parser::VectorSelector& vs) const;
  std::optional<int64_t> At(const parser::VectorSelector& vs) const;
  int64_t Duration(int64_t folded, const parser::DurationExprPtr& d, bool allow_negative) const;
  // Loads every series matching `vs` with samples in [mint, maxt].
  // Histograms fail with a "not supported" error.
  Matrix Load(const parser::VectorSelector& vs, int64_t mint, int64_t maxt, bool keep_stale);
  // Reads one series' samples in [mint, maxt] into *out (replacing them).
  void LoadPoints(const storage::Series& s, int64_t mint, int64_t maxt, bool keep_stale,
                  std::vector<FPoint>* out);

 private:
  QueryContext* ctx_;
  const int64_t start_, end_, interval_;
  int deadline_counter_ = 0;
};

// The value of a scalar argument at a step (NaN when missing).
inline double ScalarAt(const EvalValue& v, int step) {
  if (v.mat.empty() || v.mat[0].floats.empty()) return std::numeric_limits<double>::quiet_NaN();
  if (step < static_cast<int>(v.mat[0].floats.size())) return v.mat[0].floats[step].f;
  return v.mat[0].floats.back().f;
}

// Labels for absent()/absent_over_time(): the equality matchers of the
// selector in `arg`, except __name__ and names matched more than once.
labels::Labels AbsentLabels(const parser::Expr* arg);

// A label name Prometheus 3.x accepts: non-empty valid UTF-8.
bool IsValidLabelName(std::string_view s);
// Go's %q quoting of a string.
std::string GoQuote(std::string_view s);

// Drops __name__ (or marks it for delayed removal).
labels::Labels DropMetricName(const labels::Labels& l);

}  // namespace ward::promql
