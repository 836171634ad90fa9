// Function calls: dispatch, the functions over instant vectors (math,
// dates, labels, sorting, histogram_quantile/fraction over classic buckets)
// run per step through Evaluator::RangeEval; range-vector functions are in
// range_call.cc, info() in info.cc.
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
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

// Go's math.Max / math.Min: NaN wins.
double GoMax(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  return std::max(a, b);
}
double GoMin(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  return std::min(a, b);
}

bool ParseGoFloat(std::string_view s, double* out) {
  if (s.empty()) return false;
  std::string str(s);
  std::string low = str;
  for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view l = low;
  bool neg = false;
  if (!l.empty() && (l[0] == '+' || l[0] == '-')) {
    neg = l[0] == '-';
    l.remove_prefix(1);
  }
  if (l == "inf" || l == "infinity") {
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (l == "nan") {
    *out = kNaN;
    return true;
  }
  if (std::isspace(static_cast<unsigned char>(str[0]))) return false;
  char* end = nullptr;
  *out = std::strtod(str.c_str(), &end);
  return end == str.c_str() + str.size();
}

// Go's Regexp.Expand for label_replace templates: $1, ${1}, $name, ${name}, $$.
std::string ExpandTemplate(std::string_view tmpl, const re2::RE2& re,
                           const std::vector<re2::StringPiece>& groups) {
  std::string out;
  const auto& names = re.NamedCapturingGroups();
  size_t i = 0;
  while (i < tmpl.size()) {
    char c = tmpl[i];
    if (c != '$' || i + 1 >= tmpl.size()) {
      out.push_back(c);
      i++;
      continue;
    }
    i++;
    if (tmpl[i] == '$') {
      out.push_back('$');
      i++;
      continue;
    }
    std::string name;
    bool brace = false;
    size_t j = i;
    if (tmpl[j] == '{') {
      brace = true;
      j++;
    }
    size_t k = j;
    while (k < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[k])) || tmpl[k] == '_'))
      k++;
    if (k == j || (brace && (k >= tmpl.size() || tmpl[k] != '}'))) {
      out.push_back('$');  // malformed: keep literally
      continue;
    }
    name = std::string(tmpl.substr(j, k - j));
    i = brace ? k + 1 : k;
    int idx = -1;
    bool numeric =
        std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (numeric) {
      if (name.size() < 9) idx = std::stoi(name);
    } else {
      auto it = names.find(name);
      if (it != names.end()) idx = it->second;
    }
    if (idx >= 0 && idx < static_cast<int>(groups.size()) && groups[idx].data() != nullptr) {
      out.append(groups[idx].data(), groups[idx].size());
    }
  }
  return out;
}

bool NatLess(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = std::isdigit(static_cast<unsigned char>(a[i]));
    const bool db = std::isdigit(static_cast<unsigned char>(b[j]));
    if (da && db) {
      size_t i2 = i, j2 = j;
      while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2]))) i2++;
      while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2]))) j2++;
      std::string_view na = a.substr(i, i2 - i), nb = b.substr(j, j2 - j);
      std::string_view ta = na, tb = nb;
      while (ta.size() > 1 && ta[0] == '0') ta.remove_prefix(1);
      while (tb.size() > 1 && tb[0] == '0') tb.remove_prefix(1);
      if (ta.size() != tb.size()) return ta.size() < tb.size();
      if (ta != tb) return ta < tb;
      if (na.size() != nb.size()) return na.size() < nb.size();
      i = i2;
      j = j2;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    i++;
    j++;
  }
  return a.size() - i < b.size() - j;
}

}  // namespace

// Labels for absent()/absent_over_time(): the equality matchers of the
// selector, except __name__ and names matched more than once.
labels::Labels AbsentLabels(const Expr* arg) {
  arg = Unwrap(arg);
  const parser::VectorSelector* vs = arg->As<parser::VectorSelector>();
  if (auto* ms = arg->As<parser::MatrixSelector>()) {
    vs = ms->vector_selector->As<parser::VectorSelector>();
  }
  if (vs == nullptr) return {};
  labels::Builder b;
  std::vector<std::string> seen;
  for (const labels::Matcher& m : vs->matchers) {
    if (m.name() == labels::kMetricName) continue;
    const bool dup = std::find(seen.begin(), seen.end(), m.name()) != seen.end();
    seen.push_back(m.name());
    if (m.type() == labels::MatchType::kEqual && !dup) {
      b.Set(m.name(), m.value());
    } else {
      b.Del(m.name());
    }
  }
  return b.Build();
}

bool IsValidLabelName(std::string_view s) {
  // UTF-8 names are valid in Prometheus 3.x; only empty or invalid UTF-8 fails.
  if (s.empty()) return false;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (int k = 1; k < n; k++)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += n;
  }
  return true;
}

std::string GoQuote(std::string_view s) {
  // Go's strconv.Quote: escapes quotes, backslashes and control bytes;
  // bytes that are not valid UTF-8 become \xNN.
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    if (c >= 0x80) {
      int n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      bool ok = n > 0 && i + n <= s.size();
      for (int k = 1; ok && k < n; k++) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
      if (ok) {
        out.append(s.substr(i, n));
        i += n;
      } else {
        out += "\\x";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
        i++;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    i++;
  }
  out.push_back('"');
  return out;
}

EvalValue Evaluator::EvalCall(const Expr& e, const parser::Call& c) {
  const std::string& name = c.func->name;
  QueryContext& ctx = *ctx_;
  const bool delayed = ctx.opts.delayed_name_removal;

  if (name == "info") return EvalInfo(e, c);

  // Find the range-vector argument, if any.
  int matrix_arg = -1;
  for (size_t i = 0; i < c.args.size(); i++) {
    if (c.args[i]->Type() == ValueType::kMatrix) matrix_arg = static_cast<int>(i);
  }

  // Evaluate the scalar / string / vector arguments.
  std::vector<EvalValue> vals(c.args.size());
  for (size_t i = 0; i < c.args.size(); i++) {
    if (static_cast<int>(i) == matrix_arg) continue;
    if (name == "timestamp") break;
    vals[i] = Eval(*c.args[i]);
  }
  auto scalar_at = [&](size_t arg, int step) { return ScalarAt(vals[arg], step); };

  EvalValue r;
  r.type = ValueType::kVector;

  if (matrix_arg >= 0) return EvalRangeCall(e, c, matrix_arg, &vals);

  // timestamp(selector): the timestamps of the samples themselves.
  if (name == "timestamp") {
    const Expr* arg = Unwrap(c.args[0].get());
    if (auto* vs = arg->As<parser::VectorSelector>()) {
      const int64_t offset = Offset(*vs);
      const std::optional<int64_t> at = At(*vs);
      const int64_t lookback = ctx.lookback;
      const int64_t min_ref = (at ? *at : start_) - offset;
      const int64_t max_ref = (at ? *at : end_) - offset;
      Matrix loaded = Load(*vs, min_ref - lookback + 1, max_ref, true);
      for (Series& s : loaded) {
        Series out;
        size_t j = 0;
        for (int64_t ts = start_; ts <= end_; ts += interval_) {
          const int64_t ref = (at ? *at : ts) - offset;
          while (j < s.floats.size() && s.floats[j].t <= ref) j++;
          if (j == 0) continue;
          const FPoint& p = s.floats[j - 1];
          if (p.t <= ref - lookback || storage::IsStaleNaN(p.f)) continue;
          out.floats.push_back({ts, static_cast<double>(p.t) / 1000});
        }
        if (out.floats.empty()) continue;
        out.metric = std::move(s.metric);
        if (delayed) {
          out.drop_name = true;
        } else {
          out.metric = DropMetricName(out.metric);
        }
        r.mat.push_back(std::move(out));
      }
      if (!delayed) CheckUniqueLabelSets(r.mat);
      return r;
    }
    vals[0] = Eval(*c.args[0]);
  }

  // Scalar-returning and no-argument functions.
  if (name == "time" || name == "pi" || name == "step" || name == "range" || name == "start" ||
      name == "end" || name == "min_of" || name == "max_of") {
    EvalValue s;
    s.type = ValueType::kScalar;
    Series ser;
    int step = 0;
    for (int64_t ts = start_; ts <= end_; ts += interval_, step++) {
      double v;
      if (name == "pi") {
        v = M_PI;
      } else if (name == "step") {
        v = static_cast<double>(ctx.query_step) / 1000;
      } else if (name == "range") {
        v = static_cast<double>(ctx.query_end - ctx.query_start) / 1000;
      } else if (name == "start") {
        v = static_cast<double>(ctx.query_start) / 1000;
      } else if (name == "end") {
        v = static_cast<double>(ctx.query_end) / 1000;
      } else if (name == "min_of") {
        v = GoMin(scalar_at(0, step), scalar_at(1, step));
      } else if (name == "max_of") {
        v = GoMax(scalar_at(0, step), scalar_at(1, step));
      } else {
        v = static_cast<double>(ts) / 1000;
      }
      ser.floats.push_back({ts, v});
    }
    s.mat.push_back(std::move(ser));
    return s;
  }
  if (name == "scalar") {
    EvalValue s;
    s.type = ValueType::kScalar;
    Series ser;
    const Matrix& m = vals[0].mat;
    std::vector<size_t> cur(m.size(), 0);
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      int found = 0;
      double v = kNaN;
      for (size_t i = 0; i < m.size(); i++) {
        while (cur[i] < m[i].floats.size() && m[i].floats[cur[i]].t < ts) cur[i]++;
        if (cur[i] < m[i].floats.size() && m[i].floats[cur[i]].t == ts) {
          found++;
          v = m[i].floats[cur[i]].f;
        }
      }
      ser.floats.push_back({ts, found == 1 ? v : kNaN});
    }
    s.mat.push_back(std::move(ser));
    return s;
  }

  // Per-step functions over instant vectors.
  LabelArena arena;
  absl::flat_hash_map<const labels::Labels*, const labels::Labels*> drop_cache;
  auto drop = [&](const StepSample& in) -> StepSample {
    StepSample o = in;
    if (delayed) {
      o.drop_name = true;
      return o;
    }
    auto it = drop_cache.find(in.metric);
    if (it != drop_cache.end()) {
      o.metric = it->second;
      return o;
    }
    const labels::Labels* l = arena.Add(DropMetricName(*in.metric));
    drop_cache.emplace(in.metric, l);
    o.metric = l;
    return o;
  };

  std::vector<const Matrix*> margs;
  int vec_arg = -1;
  for (size_t i = 0; i < c.args.size(); i++) {
    if (c.args[i]->Type() == ValueType::kVector) {
      vec_arg = static_cast<int>(i);
      margs.push_back(&vals[i].mat);
      break;
    }
  }
  static const labels::Labels kEmpty;

  using MathFn = double (*)(double);
  MathFn math = nullptr;
  static const std::vector<std::pair<std::string_view, MathFn>> kMath = {
      {"abs", [](double x) { return std::fabs(x); }},
      {"ceil", [](double x) { return std::ceil(x); }},
      {"floor", [](double x) { return std::floor(x); }},
      {"exp", [](double x) { return std::exp(x); }},
      {"sqrt", [](double x) { return std::sqrt(x); }},
      {"ln", [](double x) { return std::log(x); }},
      {"log2", [](double x) { return std::log2(x); }},
      {"log10", [](double x) { return std::log10(x); }},
      {"sin", [](double x) { return std::sin(x); }},
      {"cos", [](double x) { return std::cos(x); }},
      {"tan", [](double x) { return std::tan(x); }},
      {"asin", [](double x) { return std::asin(x); }},
      {"acos", [](double x) { return std::acos(x); }},
      {"atan", [](double x) { return std::atan(x); }},
      {"sinh", [](double x) { return std::sinh(x); }},
      {"cosh", [](double x) { return std::cosh(x); }},
      {"tanh", [](double x) { return std::tanh(x); }},
      {"asinh", [](double x) { return std::asinh(x); }},
      {"acosh", [](double x) { return std::acosh(x); }},
      {"atanh", [](double x) { return std::atanh(x); }},
      {"deg", [](double x) { return x * 180 / M_PI; }},
      {"rad", [](double x) { return x * M_PI / 180; }},
      {"sgn",
       [](double x) {
         if (x < 0) return -1.0;
         if (x > 0) return 1.0;
         return x;  // 0 or NaN
       }},
  };
  for (const auto& [n, f] : kMath)
    if (n == name) math = f;

  using DateFn = double (*)(const std::tm&);
  DateFn date = nullptr;
  static const std::vector<std::pair<std::string_view, DateFn>> kDate = {
      {"minute", [](const std::tm& t) { return double(t.tm_min); }},
      {"hour", [](const std::tm& t) { return double(t.tm_hour); }},
      {"day_of_month", [](const std::tm& t) { return double(t.tm_mday); }},
      {"day_of_week", [](const std::tm& t) { return double(t.tm_wday); }},
      {"day_of_year", [](const std::tm& t) { return double(t.tm_yday + 1); }},
      {"month", [](const std::tm& t) { return double(t.tm_mon + 1); }},
      {"year", [](const std::tm& t) { return double(t.tm_year + 1900); }},
      {"days_in_month",
       [](const std::tm& t) {
         static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
         int y = t.tm_year + 1900;
         bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
         return double(t.tm_mon == 1 && leap ? 29 : kDays[t.tm_mon]);
       }},
  };
  for (const auto& [n, f] : kDate)
    if (n == name) date = f;
  auto date_of = [&](double secs) -> double {
    if (std::isnan(secs) || std::isinf(secs)) return kNaN;
    std::time_t tt = static_cast<std::time_t>(static_cast<int64_t>(secs));
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return date(tm);
  };

  if (date != nullptr && c.args.empty()) {
    Series ser;
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      ser.floats.push_back({ts, date_of(static_cast<double>(ts) / 1000)});
    }
    r.mat.push_back(std::move(ser));
    return r;
  }
  if (name == "vector") {
    Series ser;
    ser.floats = vals[0].mat.empty() ? std::vector<FPoint>{} : vals[0].mat[0].floats;
    r.mat.push_back(std::move(ser));
    return r;
  }

  if (name == "absent") {
    labels::Labels lset = AbsentLabels(c.args[0].get());
    const labels::Labels* lp = arena.Add(lset);
    r.mat = RangeEval(margs, [&](int, int64_t ts, std::span<StepVector> in, StepVector* out) {
      if (in[0].empty()) out->push_back(StepSample{lp, 1, ts, false});
    });
    return r;
  }

  if (name == "sort" || name == "sort_desc" || name == "sort_by_label" ||
      name == "sort_by_label_desc") {
    if (start_ != end_) {
      ctx.annos.AddWarning(
          "sort is ineffective for range queries since results are always ordered by labels",
          e.pos.start);
      return std::move(vals[0]);
    }
    std::vector<std::string> by;
    for (size_t i = 1; i < c.args.size(); i++) by.push_back(vals[i].str);
    const bool desc = name == "sort_desc" || name == "sort_by_label_desc";
    const bool by_label = name.rfind("sort_by_label", 0) == 0;
    Matrix m = std::move(vals[0].mat);
    std::stable_sort(m.begin(), m.end(), [&](const Series& a, const Series& b) {
      if (by_label) {
        for (const std::string& l : by) {
          std::string_view va = a.metric.Get(l), vb = b.metric.Get(l);
          if (va == vb) continue;
          return desc ? NatLess(vb, va) : NatLess(va, vb);
        }
        const int cmp = labels::Labels::Compare(a.metric, b.metric);
        return desc ? cmp > 0 : cmp < 0;
      }
      const double x = a.floats[0].f, y = b.floats[0].f;
      if (std::isnan(x)) return false;
      if (std::isnan(y)) return true;
      return desc ? x > y : x < y;
    });
    r.mat = std::move(m);
    return r;
  }

  if (name == "label_replace") {
    const std::string& dst = vals[1].str;
    const std::string& repl = vals[2].str;
    const std::string& srcl = vals[3].str;
    const std::string& regex = vals[4].str;
    re2::RE2::Options o;
    o.set_log_errors(false);
    re2::RE2 re("^(?s:" + regex + ")$", o);
    if (!re.ok()) {
      ThrowExec("invalid regular expression in label_replace(): " + regex);
    }
    if (!IsValidLabelName(dst)) {
      ThrowExec("invalid destination label name in label_replace(): " + dst);
    }
    absl::flat_hash_map<const labels::Labels*, const labels::Labels*> cache;
    std::vector<re2::StringPiece> groups(re.NumberOfCapturingGroups() + 1);
    r.mat = RangeEval(margs, [&](int, int64_t, std::span<StepVector> in, StepVector* out) {
      for (const StepSample& s : in[0]) {
        StepSample o = s;
        auto it = cache.find(s.metric);
        if (it == cache.end()) {
          std::string_view v = s.metric->Get(srcl);
          const labels::Labels* res = s.metric;
          re2::StringPiece input(v.data(), v.size());
          if (re.Match(input, 0, v.size(), re2::RE2::UNANCHORED, groups.data(),
                       static_cast<int>(groups.size()))) {
            std::string nv = ExpandTemplate(repl, re, groups);
            labels::Builder b(*s.metric);
            b.Set(dst, nv);
            res = arena.Add(b.Build());
          }
          it = cache.emplace(s.metric, res).first;
        }
        o.metric = it->second;
        if (dst == labels::kMetricName) o.drop_name = false;
        out->push_back(o);
      }
    });
    return r;
  }

  if (name == "label_join") {
    const std::string& dst = vals[1].str;
    const std::string& sep = vals[2].str;
    if (!IsValidLabelName(dst)) ThrowExec("invalid destination label name in label_join(): " + dst);
    std::vector<std::string> srcs;
    for (size_t i = 3; i < c.args.size(); i++) {
      if (!IsValidLabelName(vals[i].str)) {
        ThrowExec("invalid source label name in label_join(): " + vals[i].str);
      }
      srcs.push_back(vals[i].str);
    }
    absl::flat_hash_map<const labels::Labels*, const labels::Labels*> cache;
    r.mat = RangeEval(margs, [&](int, int64_t, std::span<StepVector> in, StepVector* out) {
      for (const StepSample& s : in[0]) {
        StepSample o = s;
        auto it = cache.find(s.metric);
        if (it == cache.end()) {
          std::string v;
          for (size_t i = 0; i < srcs.size(); i++) {
            if (i > 0) v += sep;
            v += s.metric->Get(srcs[i]);
          }
          labels::Builder b(*s.metric);
          b.Set(dst, v);
          it = cache.emplace(s.metric, arena.Add(b.Build())).first;
        }
        o.metric = it->second;
        if (dst == labels::kMetricName) o.drop_name = false;
        out->push_back(o);
      }
    });
    return r;
  }

  if (name == "histogram_quantile" || name == "histogram_fraction" ||
      name == "histogram_quantiles") {
    const bool fraction = name == "histogram_fraction";
    const bool multi = name == "histogram_quantiles";
    const size_t vec_idx = fraction ? 2 : multi ? 0 : 1;
    margs.assign(1, &vals[vec_idx].mat);
    // histogram_quantiles(v, "label", q1, q2, ...): one series per group
    // and quantile, labelled with the quantile.
    std::vector<size_t> q_args;
    if (multi) {
      for (size_t i = 2; i < c.args.size(); i++) q_args.push_back(i);
    } else {
      q_args.push_back(0);
    }
    std::vector<std::string> q_text(q_args.size());
    if (multi) {
      for (size_t k = 0; k < q_args.size(); k++) {
        std::string t = FormatFloatFixed(scalar_at(q_args[k], 0));
        if (t.find_first_of(".IN") == std::string::npos) t += ".0";
        q_text[k] = std::move(t);
      }
    }
    absl::flat_hash_map<std::pair<const labels::Labels*, size_t>, const labels::Labels*> q_labels;
    struct Group {
      const labels::Labels* metric;
      std::vector<Bucket> buckets;
    };
    absl::flat_hash_map<const labels::Labels*, std::pair<uint64_t, const labels::Labels*>> keycache;
    absl::flat_hash_map<uint64_t, size_t> gidx;
    std::vector<Group> groups;
    const int pos = c.args[vec_idx]->pos.start;
    r.mat = RangeEval(margs, [&](int step, int64_t ts, std::span<StepVector> in, StepVector* out) {
      if (!fraction) {
        for (size_t qa : q_args) {
          const double q = scalar_at(qa, step);
          if (std::isnan(q) || q < 0 || q > 1) {
            ctx.annos.AddWarning("quantile value should be between 0 and 1, got " + FormatFloatG(q),
                                 c.args[qa]->pos.start);
          }
        }
      }
      gidx.clear();
      groups.clear();
      for (const StepSample& s : in[0]) {
        double ub;
        std::string_view le = s.metric->Get("le");
        if (!ParseGoFloat(le, &ub)) {
          ctx.annos.AddWarning("bucket label \"le\" is missing or has a malformed value of " +
                                   GoQuote(le) + " for metric name " +
                                   GoQuote(s.metric->MetricName()),
                               pos);
          continue;
        }
        auto kit = keycache.find(s.metric);
        if (kit == keycache.end()) {
          labels::Builder b(*s.metric);
          b.Del("le");
          labels::Labels without_le = b.Build();
          uint64_t h = without_le.Hash();
          if (!delayed) without_le = DropMetricName(without_le);
          kit =
              keycache.emplace(s.metric, std::make_pair(h, arena.Add(std::move(without_le)))).first;
        }
        auto [it, inserted] = gidx.emplace(kit->second.first, groups.size());
        if (inserted) groups.push_back(Group{kit->second.second, {}});
        groups[it->second].buckets.push_back(Bucket{ub, s.f});
      }
      for (Group& g : groups) {
        for (size_t k = 0; k < q_args.size(); k++) {
          bool forced = false;
          const double q = scalar_at(q_args[k], step);
          std::vector<Bucket> scratch;
          std::vector<Bucket>* bk = &g.buckets;
          if (q_args.size() > 1) {
            scratch = g.buckets;
            bk = &scratch;
          }
          const double v =
              fraction ? BucketFraction(q, scalar_at(1, step), bk) : BucketQuantile(q, bk, &forced);
          if (forced) {
            ctx.annos.AddInfo(
                "input to histogram_quantile needed to be fixed for monotonicity (see "
                "https://prometheus.io/docs/prometheus/latest/querying/functions/"
                "#histogram_quantile) "
                "for metric name " +
                    GoQuote(g.metric->MetricName()),
                pos);
          }
          const labels::Labels* metric = g.metric;
          if (multi) {
            auto key = std::make_pair(g.metric, k);
            auto it = q_labels.find(key);
            if (it == q_labels.end()) {
              labels::Builder b(*g.metric);
              b.Set(vals[1].str, q_text[k]);
              it = q_labels.emplace(key, arena.Add(b.Build())).first;
            }
            metric = it->second;
          }
          out->push_back(StepSample{metric, v, ts, true});
        }
      }
    });
    return r;
  }

  if (name.rfind("histogram_", 0) == 0) {
    // Only native histograms feed these; floats are ignored.
    return r;
  }

  if (vec_arg < 0) ThrowExec("function " + name + " is not supported yet");

  r.mat = RangeEval(margs, [&](int step, int64_t ts, std::span<StepVector> in, StepVector* out) {
    double a1 = 0, a2 = 0;
    if (name == "round") a1 = c.args.size() > 1 ? scalar_at(1, step) : 1;
    if (name == "clamp") {
      a1 = scalar_at(1, step);
      a2 = scalar_at(2, step);
      if (a2 < a1) return;
    }
    if (name == "clamp_min" || name == "clamp_max") a1 = scalar_at(1, step);
    for (const StepSample& s : in[0]) {
      StepSample o = drop(s);
      const double x = s.f;
      if (math != nullptr) {
        o.f = math(x);
      } else if (date != nullptr) {
        o.f = date_of(x);
      } else if (name == "round") {
        const double inv = 1.0 / a1;
        o.f = std::floor(x * inv + 0.5) / inv;
      } else if (name == "clamp") {
        o.f = GoMax(a1, GoMin(a2, x));
      } else if (name == "clamp_min") {
        o.f = GoMax(a1, x);
      } else if (name == "clamp_max") {
        o.f = GoMin(a1, x);
      } else if (name == "timestamp") {
        o.f = static_cast<double>(ts) / 1000;
      } else {
        ThrowExec("function " + name + " is not supported yet");
      }
      out->push_back(o);
    }
  });
  return r;
}

}  // namespace ward::promql
