// Comparison of query results with an eval's expectations, exactly as the
// reference runner does (FORMAT.md sections 7.4-7.7): the float tolerance
// with its NaN/stale/zero rules, sorted-matrix checks, ordered vectors,
// failure messages and the two-way annotation rules. Each check returns
// nullopt when the result agrees, else a short text saying what differed.
// Thread safety: pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "promql/promqltest/script.h"
#include "promql/value.h"

namespace ward::promql::promqltest {

// Relative tolerance of the reference runner.
inline constexpr double kDefaultEpsilon = 1e-6;

// Float equality of FORMAT.md 7.7: stale markers equal only each other, NaN
// equals NaN, exact equality, then zero/subnormal needs an (almost) exact
// match, otherwise |a-e| / min(|a|+|e|, DBL_MAX) < epsilon.
bool AlmostEqual(double actual, double expected, double epsilon = kDefaultEpsilon);

using Mismatch = std::optional<std::string>;

// `err` is the query's error text; REQUIRES cmd.expect_fail.
Mismatch CheckFailure(const EvalCmd& cmd, std::string_view err);

// Annotation rules of FORMAT.md 7.5 over rendered "<msg> (line:col)" texts.
Mismatch CheckAnnotations(const EvalCmd& cmd, const std::vector<std::string>& warnings,
                          const std::vector<std::string>& infos);

// Result comparison of FORMAT.md 7.6.
Mismatch CompareResult(const EvalCmd& cmd, const Value& result);

// Range-mode result must be sorted by labels.
Mismatch CheckMatrixSorted(const Matrix& m);

// Short printable form of a value ("vector{...}", "scalar 3") for messages;
// long results are cut.
std::string DescribeValue(const Value& v);

}  // namespace ward::promql::promqltest
