// ParseSeriesDesc: the series notation of promqltest scripts and rule unit
// tests (`metric{l="v"} 1+2x3 _ stale {{schema:0 count:1}}x2`), following
// the series-description grammar of Prometheus's parser. See
// FORMAT.md section 4 of the conformance suite for the notation.
#include <bit>
#include <cctype>
#include <cmath>
#include <map>

#include "absl/strings/str_format.h"
#include "promql/parser/lex.h"
#include "promql/parser/parse.h"

namespace ward::promql::parser {

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

Status Bad(std::string_view what, std::string_view item) {
  return Status::InvalidArgument(absl::StrFormat("parse error: %s: \"%s\"", what, item));
}

// Scans a signed decimal number (or Inf/NaN) at s[*i]; no hex.
bool ScanNumber(std::string_view s, size_t* i, double* out) {
  size_t start = *i, j = *i;
  if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
  auto word = [&](std::string_view w) {
    if (s.size() - j < w.size()) return false;
    for (size_t k = 0; k < w.size(); ++k) {
      if (std::tolower(static_cast<unsigned char>(s[j + k])) != w[k]) return false;
    }
    return true;
  };
  if (word("inf")) {
    j += 3;
  } else if (word("nan")) {
    j += 3;
  } else {
    size_t digits = 0;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '_')) {
      ++j;
      ++digits;
    }
    if (j < s.size() && s[j] == '.') {
      ++j;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
        ++j;
        ++digits;
      }
    }
    if (digits == 0) return false;
    if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
      size_t k = j + 1;
      if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
      if (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) {
        while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) ++k;
        j = k;
      }
    }
  }
  auto v = ParseGoNumber(s.substr(start, j - start));
  if (!v.ok()) return false;
  *out = *v;
  *i = j;
  return true;
}

// Largest K accepted in `xK` (the suite uses at most a few thousand).
constexpr uint64_t kMaxRepeat = 1000000;
// Largest number of values one series line may expand to.
constexpr size_t kMaxValues = 5000000;

bool ScanUint(std::string_view s, size_t* i, uint64_t* out) {
  size_t j = *i;
  uint64_t v = 0;
  while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
    v = v * 10 + (s[j] - '0');
    if (v > kMaxRepeat) return false;  // bounds memory on hostile input
    ++j;
  }
  if (j == *i) return false;
  *out = v;
  *i = j;
  return true;
}

// ---- histograms ----

Status ParseHistogram(std::string_view body, HistogramLiteral* h) {
  // body is the text between {{ and }}.
  size_t i = 0;
  std::map<std::string, bool> seen;
  auto skip = [&] {
    while (i < body.size() && IsSpace(body[i])) ++i;
  };
  while (true) {
    skip();
    if (i >= body.size()) break;
    size_t k = i;
    while (k < body.size() && body[k] != ':' && !IsSpace(body[k])) ++k;
    std::string key(body.substr(i, k - i));
    if (k >= body.size() || body[k] != ':') return Bad("bad histogram descriptor", body);
    if (seen[key]) return Bad("duplicate key in histogram", key);
    seen[key] = true;
    i = k + 1;
    skip();
    if (key == "buckets" || key == "n_buckets" || key == "custom_values") {
      if (i >= body.size() || body[i] != '[') return Bad("expected [ in histogram", body);
      ++i;
      std::vector<double> list;
      while (true) {
        skip();
        if (i < body.size() && body[i] == ']') {
          ++i;
          break;
        }
        double v;
        if (!ScanNumber(body, &i, &v)) return Bad("bad bucket value", body);
        list.push_back(v);
      }
      (key == "buckets"     ? h->buckets
       : key == "n_buckets" ? h->n_buckets
                            : h->custom_values) = std::move(list);
      continue;
    }
    if (key == "counter_reset_hint") {
      size_t e = i;
      while (e < body.size() && !IsSpace(body[e])) ++e;
      std::string_view w = body.substr(i, e - i);
      i = e;
      if (w == "unknown")
        h->counter_reset_hint = 0;
      else if (w == "reset")
        h->counter_reset_hint = 1;
      else if (w == "not_reset")
        h->counter_reset_hint = 2;
      else if (w == "gauge")
        h->counter_reset_hint = 3;
      else
        return Bad("bad counter_reset_hint", w);
      h->hint_given = true;
      continue;
    }
    double v;
    if (!ScanNumber(body, &i, &v)) return Bad("bad histogram value", body);
    if (key == "schema")
      h->schema = static_cast<int32_t>(v);
    else if (key == "sum")
      h->sum = v;
    else if (key == "count")
      h->count = v;
    else if (key == "z_bucket")
      h->zero_count = v;
    else if (key == "z_bucket_w")
      h->zero_threshold = v;
    else if (key == "offset")
      h->offset = static_cast<int32_t>(v);
    else if (key == "n_offset")
      h->n_offset = static_cast<int32_t>(v);
    else
      return Bad("unknown histogram key", key);
  }
  return Status::OK();
}

// Bucket index at a lower schema (Prometheus's reduction formula).
int32_t ReduceIndex(int32_t idx, int32_t from, int32_t to, bool custom) {
  if (custom || from <= to) return idx;
  return ((idx - 1) >> (from - to)) + 1;
}

void Combine(std::vector<double>* a_buckets, int32_t* a_off, const std::vector<double>& b_buckets,
             int32_t b_off, int32_t b_schema, int32_t a_schema, bool custom, double sign) {
  std::map<int32_t, double> m;
  for (size_t k = 0; k < a_buckets->size(); ++k)
    m[*a_off + static_cast<int32_t>(k)] += (*a_buckets)[k];
  for (size_t k = 0; k < b_buckets.size(); ++k) {
    m[ReduceIndex(b_off + static_cast<int32_t>(k), b_schema, a_schema, custom)] +=
        sign * b_buckets[k];
  }
  a_buckets->clear();
  if (m.empty()) return;
  *a_off = m.begin()->first;
  a_buckets->assign(m.rbegin()->first - m.begin()->first + 1, 0);
  for (const auto& [idx, v] : m) (*a_buckets)[idx - *a_off] = v;
}

Result<HistogramLiteral> CombineHistograms(const HistogramLiteral& a, const HistogramLiteral& b,
                                           double sign) {
  if (a.schema > b.schema) {
    return Status::InvalidArgument(absl::StrFormat(
        "error combining histograms: cannot merge from schema %d to %d", b.schema, a.schema));
  }
  HistogramLiteral r = a;
  bool custom = a.schema == -53;
  r.count += sign * b.count;
  r.sum += sign * b.sum;
  r.zero_count += sign * b.zero_count;
  r.zero_threshold = std::max(a.zero_threshold, b.zero_threshold);
  Combine(&r.buckets, &r.offset, b.buckets, b.offset, b.schema, a.schema, custom, sign);
  Combine(&r.n_buckets, &r.n_offset, b.n_buckets, b.n_offset, b.schema, a.schema, custom, sign);
  // Counter-reset hint of the sum, as FloatHistogram.Add decides it.
  if (a.counter_reset_hint != b.counter_reset_hint) {
    if (a.counter_reset_hint == 3) {
    } else if (b.counter_reset_hint == 3) {
      r.counter_reset_hint = 3;
    } else {
      r.counter_reset_hint = 0;
    }
  }
  r.hint_given = b.hint_given;
  return r;
}

// ---- items ----

Status ParseItem(std::string_view item, std::vector<SequenceValue>* out) {
  size_t i = 0;
  auto expect_end = [&]() -> Status {
    if (i != item.size()) return Bad("unexpected characters in series value", item);
    return Status::OK();
  };
  auto parse_times = [&](uint64_t* k) -> Status {
    if (i >= item.size() || item[i] != 'x') return Bad("expected x in series value", item);
    ++i;
    if (!ScanUint(item, &i, k)) return Bad("bad repetition count", item);
    return expect_end();
  };
  if (item[0] == '_') {
    i = 1;
    if (i == item.size()) {
      out->push_back(SequenceValue{0, true, nullptr});
      return Status::OK();
    }
    uint64_t k = 0;
    WARD_RETURN_IF_ERROR(parse_times(&k));
    for (uint64_t n = 0; n < k; ++n) out->push_back(SequenceValue{0, true, nullptr});
    return Status::OK();
  }
  if (item == "stale") {
    out->push_back(
        SequenceValue{std::bit_cast<double>(uint64_t{0x7ff0000000000002}), false, nullptr});
    return Status::OK();
  }
  if (item.substr(0, 2) == "{{") {
    auto read_hist = [&](HistogramLiteral* h) -> Status {
      size_t end = item.find("}}", i);
      if (item.substr(i, 2) != "{{" || end == std::string_view::npos) {
        return Bad("bad histogram", item);
      }
      WARD_RETURN_IF_ERROR(ParseHistogram(item.substr(i + 2, end - i - 2), h));
      i = end + 2;
      return Status::OK();
    };
    HistogramLiteral base;
    WARD_RETURN_IF_ERROR(read_hist(&base));
    if (i == item.size()) {
      out->push_back(SequenceValue{0, false, std::make_shared<HistogramLiteral>(base)});
      return Status::OK();
    }
    if (item[i] == 'x') {
      uint64_t k = 0;
      WARD_RETURN_IF_ERROR(parse_times(&k));
      auto h = std::make_shared<HistogramLiteral>(base);
      for (uint64_t n = 0; n <= k; ++n) out->push_back(SequenceValue{0, false, h});
      return Status::OK();
    }
    if (item[i] != '+' && item[i] != '-') return Bad("bad histogram series", item);
    double sign = item[i] == '+' ? 1 : -1;
    ++i;
    HistogramLiteral inc;
    WARD_RETURN_IF_ERROR(read_hist(&inc));
    uint64_t k = 0;
    WARD_RETURN_IF_ERROR(parse_times(&k));
    auto cur = std::make_shared<HistogramLiteral>(base);
    out->push_back(SequenceValue{0, false, cur});
    for (uint64_t n = 0; n < k; ++n) {
      WARD_ASSIGN_OR_RETURN(HistogramLiteral next, CombineHistograms(*cur, inc, sign));
      cur = std::make_shared<HistogramLiteral>(std::move(next));
      out->push_back(SequenceValue{0, false, cur});
    }
    return Status::OK();
  }
  double a;
  if (!ScanNumber(item, &i, &a)) return Bad("bad series value", item);
  if (i == item.size()) {
    out->push_back(SequenceValue{a, false, nullptr});
    return Status::OK();
  }
  if (item[i] == 'x') {
    uint64_t k = 0;
    WARD_RETURN_IF_ERROR(parse_times(&k));
    for (uint64_t n = 0; n <= k; ++n) out->push_back(SequenceValue{a, false, nullptr});
    return Status::OK();
  }
  if (item[i] != '+' && item[i] != '-') return Bad("bad series value", item);
  double b;
  if (!ScanNumber(item, &i, &b)) return Bad("bad series increment", item);
  uint64_t k = 0;
  WARD_RETURN_IF_ERROR(parse_times(&k));
  double cur = a;
  out->push_back(SequenceValue{cur, false, nullptr});
  for (uint64_t n = 0; n < k; ++n) {
    cur += b;  // repeated addition, as Prometheus does
    out->push_back(SequenceValue{cur, false, nullptr});
  }
  return Status::OK();
}

// Parses `name`, `name{...}` or `{...}` (tokens of lex.h) into labels.
Status ParseMetric(std::string_view text, labels::Labels* lset) {
  std::vector<Token> toks = Lex(text);
  size_t i = 0;
  std::vector<labels::Label> ls;
  if (toks[i].type == Tok::kIdent || toks[i].type == Tok::kMetricIdent) {
    ls.push_back({std::string(labels::kMetricName), std::string(toks[i].text)});
    ++i;
  }
  if (toks[i].type == Tok::kLBrace) {
    ++i;
    while (toks[i].type != Tok::kRBrace) {
      std::string name;
      if (toks[i].type == Tok::kIdent) {
        name = std::string(toks[i].text);
      } else if (toks[i].type == Tok::kString) {
        WARD_ASSIGN_OR_RETURN(name, GoUnquote(toks[i].text));
      } else {
        return Bad(toks[i].type == Tok::kError ? toks[i].error : "unexpected token in label set",
                   text);
      }
      ++i;
      if (toks[i].type == Tok::kComma || toks[i].type == Tok::kRBrace) {
        ls.push_back({std::string(labels::kMetricName), name});  // {"metric"}
      } else {
        if (toks[i].type != Tok::kEql) return Bad("expected = in label set", text);
        ++i;
        if (toks[i].type != Tok::kString) return Bad("expected string in label set", text);
        WARD_ASSIGN_OR_RETURN(std::string val, GoUnquote(toks[i].text));
        ls.push_back({std::move(name), std::move(val)});
        ++i;
      }
      if (toks[i].type == Tok::kComma)
        ++i;
      else if (toks[i].type != Tok::kRBrace)
        return Bad("expected , or } in label set", text);
    }
    ++i;
  }
  if (toks[i].type != Tok::kEOF || (ls.empty() && text.find('{') == std::string_view::npos)) {
    return Bad("bad metric", text);
  }
  *lset = labels::Labels(std::move(ls));
  if (lset->HasDuplicateNames()) return Bad("duplicate label name", text);
  return Status::OK();
}

}  // namespace

Status ParseSeriesDesc(std::string_view input, labels::Labels* lset,
                       std::vector<SequenceValue>* values) {
  size_t i = 0;
  while (i < input.size() && IsSpace(input[i])) ++i;
  size_t start = i;
  // Metric name, then an optional {...} label set (quotes respected).
  while (i < input.size() && !IsSpace(input[i]) && input[i] != '{') ++i;
  if (i < input.size() && input[i] == '{') {
    char quote = 0;
    for (; i < input.size(); ++i) {
      char c = input[i];
      if (quote) {
        if (c == '\\' && quote != '`')
          ++i;
        else if (c == quote)
          quote = 0;
      } else if (c == '"' || c == '\'' || c == '`') {
        quote = c;
      } else if (c == '}') {
        ++i;
        break;
      }
    }
  }
  WARD_RETURN_IF_ERROR(ParseMetric(input.substr(start, i - start), lset));
  values->clear();
  while (true) {
    while (i < input.size() && IsSpace(input[i])) ++i;
    if (i >= input.size()) break;
    size_t b = i;
    while (i < input.size() && !IsSpace(input[i])) {
      if (input.substr(i, 2) == "{{") {
        size_t e = input.find("}}", i);
        i = e == std::string_view::npos ? input.size() : e + 2;
      } else {
        ++i;
      }
    }
    WARD_RETURN_IF_ERROR(ParseItem(input.substr(b, i - b), values));
    if (values->size() > kMaxValues) {
      return Status::InvalidArgument("parse error: too many values in series description");
    }
  }
  return Status::OK();
}

}  // namespace ward::promql::parser
