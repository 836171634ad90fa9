// Result comparison of the promqltest runner (FORMAT.md 7.4-7.7).
#include "promql/promqltest/compare.h"

#include <cfloat>
#include <cmath>
#include <limits>

#include "promql/parser/lex.h"
#include "promql/promqltest/str_util.h"
#include "storage/interface.h"

namespace ward::promql::promqltest {

namespace {

std::string F(double v) {
  if (storage::IsStaleNaN(v)) return "stale";
  return parser::FormatGoFloat(v);
}

const EvalCmd::Expected* FindExpected(const EvalCmd& cmd, const labels::Labels& ls) {
  for (const auto& e : cmd.expected) {
    if (e.series.labels == ls) return &e;
  }
  return nullptr;
}

std::string DescribeSeries(const Series& s) {
  std::string out = Cat(s.floats.size(), " float point", s.floats.size() == 1 ? "" : "s", " [");
  for (size_t i = 0; i < s.floats.size(); ++i) {
    if (i == 8) {
      out += Cat(" ...");
      break;
    }
    out += Cat(i ? " " : "", F(s.floats[i].f), " @", s.floats[i].t);
  }
  out += "]";
  return out;
}

std::string ExpectedValues(const SeriesLine& s) {
  std::string out;
  for (size_t i = 0; i < s.values.size(); ++i) {
    if (i == 8) {
      out += Cat(" ...");
      break;
    }
    const auto& v = s.values[i];
    out += Cat(i ? " " : "", v.omitted ? "_" : v.histogram ? "{{histogram}}" : F(v.value));
  }
  return out;
}

Mismatch CompareMatrix(const EvalCmd& cmd, const Matrix& m) {
  if (cmd.ordered) return "expected ordered result, but query returned a matrix";
  if (cmd.scalar) return Cat("expected scalar result, but got matrix of ", m.size(), " series");
  if (auto e = CheckMatrixSorted(m)) return e;
  std::vector<bool> seen(cmd.expected.size(), false);
  for (const Series& s : m) {
    const EvalCmd::Expected* exp = FindExpected(cmd, s.metric);
    if (exp == nullptr) {
      return Cat("unexpected metric ", s.metric.ToString(), " in result, has ", DescribeSeries(s));
    }
    seen[exp - cmd.expected.data()] = true;
    std::vector<FPoint> want;
    size_t want_hist = 0;
    for (size_t k = 0; k < exp->series.values.size(); ++k) {
      int64_t t = cmd.start_ms + static_cast<int64_t>(k) * cmd.step_ms;
      if (t > cmd.end_ms) {
        return Cat("expected ", exp->series.values.size(), " points for ", s.metric.ToString(),
                   ", but query time range cannot return this many points");
      }
      const auto& v = exp->series.values[k];
      if (v.histogram) {
        ++want_hist;
      } else if (!v.omitted) {
        want.push_back(FPoint{t, v.value});
      }
    }
    if (want.size() != s.floats.size() || want_hist != 0) {
      return Cat("expected ", want.size(), " float points and ", want_hist,
                 " histogram points for ", s.metric.ToString(), ", but got ", DescribeSeries(s));
    }
    for (size_t k = 0; k < want.size(); ++k) {
      if (want[k].t != s.floats[k].t) {
        return Cat("expected float value at index ", k, " for ", s.metric.ToString(),
                   " to have timestamp ", want[k].t, ", but it had timestamp ", s.floats[k].t,
                   " (result has ", DescribeSeries(s), ")");
      }
      if (!AlmostEqual(s.floats[k].f, want[k].f)) {
        return Cat("expected float value at index ", k, " (t=", s.floats[k].t, ") for ",
                   s.metric.ToString(), " to be ", F(want[k].f), ", but got ", F(s.floats[k].f));
      }
    }
  }
  for (size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) {
      return Cat("expected metric ", cmd.expected[i].series.labels.ToString(), " not found");
    }
  }
  return std::nullopt;
}

Mismatch CompareVector(const EvalCmd& cmd, const Vector& vec) {
  if (cmd.scalar) return Cat("expected scalar result, but got vector of ", vec.size(), " samples");
  std::vector<bool> seen(cmd.expected.size(), false);
  for (size_t pos = 0; pos < vec.size(); ++pos) {
    const Sample& s = vec[pos];
    const EvalCmd::Expected* exp = FindExpected(cmd, s.metric);
    if (exp == nullptr) {
      return Cat("unexpected metric ", s.metric.ToString(), " in result, has value ", F(s.f));
    }
    if (cmd.ordered && exp->pos != static_cast<int>(pos) + 1) {
      return Cat("expected metric ", s.metric.ToString(), " at position ", exp->pos, " but was at ",
                 pos + 1);
    }
    if (exp->series.values.empty()) {
      return Cat("expected line for ", s.metric.ToString(), " has no value");
    }
    const auto& v = exp->series.values[0];
    if (v.histogram) {
      return Cat("expected a histogram for ", s.metric.ToString(), " but got float value ", F(s.f));
    }
    if (!AlmostEqual(s.f, v.value)) {
      return Cat("expected ", F(v.value), " for ", s.metric.ToString(), " but got ", F(s.f));
    }
    seen[exp - cmd.expected.data()] = true;
  }
  for (size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) {
      return Cat("expected metric ", cmd.expected[i].series.labels.ToString(), " with ",
                 ExpectedValues(cmd.expected[i].series), " not found");
    }
  }
  return std::nullopt;
}

}  // namespace

bool AlmostEqual(double a, double e, double epsilon) {
  const bool sa = storage::IsStaleNaN(a), se = storage::IsStaleNaN(e);
  if (sa || se) return sa && se;
  if (std::isnan(a) && std::isnan(e)) return true;
  if (a == e) return true;
  const double abs_sum = std::fabs(a) + std::fabs(e);
  const double diff = std::fabs(a - e);
  if (a == 0 || e == 0 || abs_sum < DBL_MIN) return diff < epsilon * DBL_MIN;
  return diff / std::fmin(abs_sum, DBL_MAX) < epsilon;
}

Mismatch CheckFailure(const EvalCmd& cmd, std::string_view err) {
  for (const auto& m : cmd.fail_checks) {
    if (!m.Matches(err)) {
      return Cat("expected error ", m.kind == MessageMatch::Kind::kRegex ? "matching pattern " : "",
                 "\"", m.text, "\", but got: ", err);
    }
  }
  return std::nullopt;
}

namespace {

Mismatch CheckClass(std::string_view what, const std::vector<MessageMatch>& want,
                    const std::vector<std::string>& got) {
  if (want.empty()) return std::nullopt;
  if (got.empty()) return Cat("expected ", what, " annotations but none were found");
  for (const auto& w : want) {
    bool found = false;
    for (const auto& g : got) found = found || w.Matches(g);
    if (!found) {
      std::string all;
      for (const auto& g : got) all += Cat(all.empty() ? "" : "; ", g);
      return Cat("expected ", what, " annotation matching ",
                 w.kind == MessageMatch::Kind::kRegex ? "pattern" : "message", " \"", w.text,
                 "\" but found: ", all);
    }
  }
  for (const auto& g : got) {
    bool found = false;
    for (const auto& w : want) found = found || w.Matches(g);
    if (!found) return Cat("unexpected ", what, " annotation \"", g, "\"");
  }
  return std::nullopt;
}

}  // namespace

Mismatch CheckAnnotations(const EvalCmd& cmd, const std::vector<std::string>& warnings,
                          const std::vector<std::string>& infos) {
  if (cmd.legacy_warn && warnings.empty()) return "expected warnings but got none";
  if (cmd.legacy_info && infos.empty()) return "expected info annotations but got none";
  if (auto m = CheckClass("warn", cmd.warn, warnings)) return m;
  if (auto m = CheckClass("info", cmd.info, infos)) return m;
  if (cmd.no_warn && !warnings.empty()) {
    return Cat("unexpected warning annotations: ", warnings[0]);
  }
  if (cmd.no_info && !infos.empty()) {
    return Cat("unexpected info annotations: ", infos[0]);
  }
  return std::nullopt;
}

Mismatch CheckMatrixSorted(const Matrix& m) {
  for (size_t i = 1; i < m.size(); ++i) {
    if (labels::Labels::Compare(m[i - 1].metric, m[i].metric) > 0) {
      return Cat("matrix results should always be sorted by labels, but ", m[i].metric.ToString(),
                 " comes after ", m[i - 1].metric.ToString());
    }
  }
  return std::nullopt;
}

Mismatch CompareResult(const EvalCmd& cmd, const Value& result) {
  if (const auto* m = std::get_if<Matrix>(&result)) return CompareMatrix(cmd, *m);
  if (const auto* v = std::get_if<Vector>(&result)) return CompareVector(cmd, *v);
  if (const auto* s = std::get_if<Scalar>(&result)) {
    if (!cmd.scalar) return Cat("expected vector or matrix result, but got scalar ", F(s->v));
    if (cmd.scalar_is_histogram) return "expected a histogram but got a scalar";
    if (!AlmostEqual(s->v, *cmd.scalar)) {
      return Cat("expected scalar ", F(*cmd.scalar), " but got ", F(s->v));
    }
    return std::nullopt;
  }
  const auto& str = std::get<String>(result);
  std::string want = cmd.expect_string.value_or("");
  if (str.v != want) return Cat("expected string \"", want, "\" but got \"", str.v, "\"");
  return std::nullopt;
}

std::string DescribeValue(const Value& v) {
  if (const auto* m = std::get_if<Matrix>(&v)) return Cat("matrix of ", m->size(), " series");
  if (const auto* vec = std::get_if<Vector>(&v)) {
    return Cat("vector of ", vec->size(), " samples");
  }
  if (const auto* s = std::get_if<Scalar>(&v)) return Cat("scalar ", F(s->v));
  return Cat("string \"", std::get<String>(v).v, "\"");
}

}  // namespace ward::promql::promqltest
