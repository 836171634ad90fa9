// Engine: evaluates PromQL queries (instant and range) over a
// storage::Queryable, as Prometheus 3.x's promql.Engine does. The HTTP API,
// the rule manager and the promqltest runner call it. Each query parses its
// text (promql/parser), opens one Querier, and runs a per-query Evaluator
// (evaluator.h) that decodes every selected series once and slides windows
// across all steps. Errors come back as Status: InvalidArgument for bad
// queries, Execution for evaluation errors, Timeout when the deadline passes.
// Thread safety: Engine is immutable after construction and thread-safe;
// any number of queries may run on it concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "promql/parser/ast.h"
#include "promql/parser/parse.h"
#include "promql/value.h"
#include "storage/interface.h"
#include "util/result.h"

namespace ward::promql {

struct EngineOptions {
  // Instant selectors look back this far for the newest sample
  // (--query.lookback-delta). Default: 5m.
  int64_t lookback_delta_ms = 300000;
  // Step of subqueries written without one (`[5m:]`). Default: 1m (the
  // global evaluation_interval).
  int64_t default_subquery_step_ms = 60000;
  // Queries loading more samples than this at once fail
  // (--query.max-samples). Default: 50M.
  int64_t max_samples = 50000000;
  // Per-query deadline (--query.timeout). Default: 2m.
  int64_t timeout_ms = 120000;
  // Feature flags of Prometheus's --enable-feature. Default: all off.
  bool experimental_functions = false;
  bool extended_range_selectors = false;
  bool binop_fill_modifiers = false;
  bool delayed_name_removal = false;
  // Aggregations over a selector or a range function fold each series as
  // it is read instead of loading them all first (same results). Off only
  // to compare the two paths in tests. Default: true.
  bool fuse_aggregations = true;
  // Queries evaluated at once (--query.max-concurrency); more wait in a
  // queue, and the wait counts against the timeout. <= 0: no limit.
  // Default: 20.
  int max_concurrency = 20;
};

struct QueryStats {
  int64_t total_samples = 0;  // samples read from storage
  int64_t peak_samples = 0;   // largest intermediate result, in samples
  // Phases, as Prometheus's stats=true timings name them: exec = queue +
  // the rest; eval = preparation (opening the querier) + inner evaluation +
  // result sorting.
  double exec_seconds = 0;
  double queue_seconds = 0;
  double eval_seconds = 0;
  double prepare_seconds = 0;
  double inner_eval_seconds = 0;
  double sort_seconds = 0;
};

struct QueryResult {
  Value value;
  Annotations annotations;
  QueryStats stats;
};

class Engine {
 public:
  explicit Engine(EngineOptions opts);
  ~Engine();

  const EngineOptions& options() const { return opts_; }

  // Evaluates `q` at ts_ms. The result is a Vector, Scalar, String, or a
  // Matrix when the expression is a range vector.
  Result<QueryResult> InstantQuery(storage::Queryable& db, std::string_view q, int64_t ts_ms);
  // Evaluates `q` at start, start+step, ... <= end. The result is a Matrix
  // sorted by labels. REQUIRES nothing: bad ranges come back as errors.
  Result<QueryResult> RangeQuery(storage::Queryable& db, std::string_view q, int64_t start_ms,
                                 int64_t end_ms, int64_t step_ms);

  // The same over an already parsed expression. `lookback_delta_ms` > 0
  // overrides the engine's lookback delta for this query; `timeout_ms` > 0
  // shortens the deadline for this query (the request's `timeout`; the
  // engine's own timeout still applies when it is shorter).
  Result<QueryResult> InstantQuery(storage::Queryable& db, const parser::Expr& e, int64_t ts_ms,
                                   int64_t lookback_delta_ms = 0, int64_t timeout_ms = 0);
  Result<QueryResult> RangeQuery(storage::Queryable& db, const parser::Expr& e, int64_t start_ms,
                                 int64_t end_ms, int64_t step_ms, int64_t lookback_delta_ms = 0,
                                 int64_t timeout_ms = 0);

  // The parse options matching this engine's feature flags.
  parser::ParseOptions ParseOpts() const;

 private:
  Result<QueryResult> Exec(storage::Queryable& db, const parser::Expr& e, int64_t start,
                           int64_t end, int64_t step, int64_t lookback, int64_t timeout_ms);

  class Gate;  // bounds concurrent evaluations (max_concurrency)

  const EngineOptions opts_;
  const std::unique_ptr<Gate> gate_;
};

}  // namespace ward::promql
