// PromQL parser entry points: query text -> AST (ast.h), metric selectors
// for the API's match[], and the series descriptions of promqltest scripts.
// A hand-written lexer (lex.h) plus a precedence-climbing parser; errors
// carry Prometheus's wording and `line:col: parse error: ...` prefix.
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels/labels.h"
#include "model/labels/matcher.h"
#include "promql/parser/ast.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::promql::parser {

// Language features that Prometheus hides behind feature flags.
struct ParseOptions {
  // promql-experimental-functions: functions marked experimental, limitk,
  // limit_ratio. Default: off (as Prometheus).
  bool experimental_functions = false;
  // `[5m+1m]`, `offset step()`, ... Default: on (Prometheus 3.14).
  bool duration_expressions = true;
  // `anchored` / `smoothed` after selectors. Default: off.
  bool extended_range_selectors = false;
  // fill(v), fill_left(v), fill_right(v) after binary operators. Default: off.
  bool binop_fill_modifiers = false;
  // Options with every feature on (the conformance suite's profile).
  static ParseOptions All() { return ParseOptions{true, true, true, true}; }
};

// Parses a PromQL expression. Errors are InvalidArgument with Prometheus's
// text, e.g. `1:5: parse error: unexpected <EOF>`; several errors are joined
// with "; " as Prometheus's ParseErrors does.
Result<ExprPtr> ParseExpr(std::string_view input, const ParseOptions& opts = {});

// Parses `foo{a="b"}` / `{a=~"x"}` (the API's match[] parameter).
Result<std::vector<labels::Matcher>> ParseMetricSelector(std::string_view input);

// Evaluates a duration expression in seconds for a query with the given step
// and range (end - start), both in ms. Prometheus's rules: the result must
// be > 0 unless allow_negative (offsets); division/modulo by zero fails.
// Returns milliseconds.
Result<int64_t> EvalDuration(const DurationExpr& d, int64_t step_ms, int64_t range_ms,
                             bool allow_negative);

// Native histogram literal of a series description: `{{schema:0 sum:5
// count:4 buckets:[1 2 1]}}` (a float histogram; FORMAT.md section 4.4).
struct HistogramLiteral {
  int32_t schema = 0;
  double sum = 0, count = 0;
  double zero_count = 0, zero_threshold = 0;
  int32_t offset = 0, n_offset = 0;
  std::vector<double> buckets, n_buckets;  // absolute counts
  std::vector<double> custom_values;       // schema -53 bounds
  // 0 unknown, 1 reset, 2 not_reset, 3 gauge (Prometheus's CounterResetHint).
  uint8_t counter_reset_hint = 0;
  bool hint_given = false;  // `counter_reset_hint:` was written
};

// One slot of a series description: a float, a histogram, or nothing (`_`).
struct SequenceValue {
  double value = 0;
  bool omitted = false;                               // `_`
  std::shared_ptr<const HistogramLiteral> histogram;  // null for floats
};

// Parses `metric{l="v"} 1+1x3 _ stale 2x2` into its labels and values
// (FORMAT.md section 4.3). `stale` yields the stale-marker NaN.
Status ParseSeriesDesc(std::string_view input, labels::Labels* lset,
                       std::vector<SequenceValue>* values);

}  // namespace ward::promql::parser
