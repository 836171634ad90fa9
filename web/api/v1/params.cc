#include "web/api/v1/params.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "promql/parser/lex.h"
#include "promql/parser/parse.h"
#include "util/gostr.h"

namespace ward::web::api::v1 {

namespace {

// Go's strconv.ParseFloat for the decimal forms clients send: optional
// sign, digits, fraction, exponent, "Inf"/"NaN" in any case.
bool ParseGoFloat(std::string_view s, double* out) {
  if (s.empty()) return false;
  std::string_view body = s;
  bool neg = false;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
    if (body.empty() || body[0] == '+' || body[0] == '-') return false;
  }
  double v = 0;
  auto r = std::from_chars(body.data(), body.data() + body.size(), v, std::chars_format::general);
  if (r.ec == std::errc::result_out_of_range) {
    // Go returns ±Inf or 0 with an error for out-of-range; treat as invalid.
    return false;
  }
  if (r.ec != std::errc() || r.ptr != body.data() + body.size()) return false;
  *out = neg ? -v : v;
  return true;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// RFC 3339 as Go's time.Parse(time.RFC3339Nano, s) accepts it.
bool ParseRFC3339(std::string_view s, int64_t* out_ms) {
  int year, mon, day, hour, min, sec;
  if (!Digits(s, 0, 4, &year) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &mon) ||
      s[7] != '-' || !Digits(s, 8, 2, &day) || s[10] != 'T' || !Digits(s, 11, 2, &hour) ||
      s[13] != ':' || !Digits(s, 14, 2, &min) || s[16] != ':' || !Digits(s, 17, 2, &sec)) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mon < 1 || mon > 12 || hour > 23 || min > 59 || sec > 59 || day < 1) return false;
  int mdays = kDays[mon - 1] + (mon == 2 && IsLeap(year) ? 1 : 0);
  if (day > mdays) return false;
  size_t pos = 19;
  int64_t ms = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    pos++;
    size_t start = pos;
    int64_t scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += (s[pos] - '0') * scale;  // digits past ms are truncated
      scale /= 10;
      pos++;
    }
    if (pos == start || pos - start > 9) return false;
  }
  if (pos >= s.size()) return false;
  int64_t offset_s = 0;
  if (s[pos] == 'Z') {
    pos++;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  int64_t secs = DaysFromCivil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec - offset_s;
  *out_ms = secs * 1000 + ms;
  return true;
}

std::string CannotParse(std::string_view s, std::string_view what) {
  return "cannot parse " + GoQuote(s) + " to a valid " + std::string(what);
}

}  // namespace

bool ParseGoBool(std::string_view s, bool* out) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (s == t) return *out = true, true;
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (s == f) return *out = false, true;
  }
  return false;
}

bool MatchesAll(const labels::Labels& ls, const std::vector<labels::Matcher>& ms) {
  for (const labels::Matcher& m : ms) {
    if (!m.Matches(ls.Get(m.name()))) return false;
  }
  return true;
}

std::string GoQuote(std::string_view s) {
  std::string out;
  gostr::AppendGoQuoted(&out, s, gostr::GoPrintable::kAscii);  // as the PromQL parser quotes
  return out;
}

Result<int64_t> ParseTime(std::string_view s) {
  double f;
  if (ParseGoFloat(s, &f)) {
    // Seconds, with the fraction rounded to milliseconds (as Prometheus).
    // Beyond int64 milliseconds Go's result is garbage; refuse instead.
    if (!std::isfinite(f) || std::fabs(f) >= 9223372036854775.0) {
      return Status::InvalidArgument(CannotParse(s, "timestamp"));
    }
    double whole;
    double frac = std::modf(f, &whole);
    return static_cast<int64_t>(whole) * 1000 + static_cast<int64_t>(std::round(frac * 1000));
  }
  int64_t ms;
  if (ParseRFC3339(s, &ms)) return ms;
  if (s == kMinTimeFormatted) return kMinTimeMs;
  if (s == kMaxTimeFormatted) return kMaxTimeMs;
  return Status::InvalidArgument(CannotParse(s, "timestamp"));
}

Result<int64_t> ParseTimeParam(std::string_view name, std::string_view value, int64_t default_ms) {
  if (value.empty()) return default_ms;
  auto r = ParseTime(value);
  if (!r.ok()) {
    return Status::InvalidArgument("Invalid time value for '" + std::string(name) +
                                   "': " + std::string(r.status().message()));
  }
  return r;
}

Result<int64_t> ParseDurationNs(std::string_view s) {
  double f;
  if (ParseGoFloat(s, &f)) {
    double ns = f * 1e9;
    if (ns > 9.223372036854775807e18 || ns < -9.223372036854775808e18) {
      return Status::InvalidArgument(CannotParse(s, "duration") + ". It overflows int64");
    }
    if (std::isnan(ns)) return std::numeric_limits<int64_t>::min();  // as Go's conversion
    if (ns >= 9.223372036854775807e18) return std::numeric_limits<int64_t>::max();
    return static_cast<int64_t>(ns);
  }
  if (!s.empty()) {
    auto ms = promql::parser::ParsePromDuration(s);
    if (ms.ok() && ms.value() <= std::numeric_limits<int64_t>::max() / 1000000) {
      return ms.value() * 1000000;
    }
  }
  return Status::InvalidArgument(CannotParse(s, "duration"));
}

Result<int64_t> ParseLimit(std::string_view s) {
  if (s.empty()) return int64_t{0};
  std::string_view digits = s;
  bool neg = false;
  if (digits[0] == '+' || digits[0] == '-') {
    neg = digits[0] == '-';
    digits.remove_prefix(1);
  }
  int64_t v = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || r.ptr != digits.data() + digits.size() || digits[0] == '+' ||
      digits[0] == '-') {
    return Status::InvalidArgument("strconv.Atoi: parsing " + GoQuote(s) + ": invalid syntax");
  }
  if (r.ec == std::errc::result_out_of_range) {
    return Status::InvalidArgument("strconv.Atoi: parsing " + GoQuote(s) + ": value out of range");
  }
  if (neg && v != 0) return Status::InvalidArgument("limit must be non-negative");
  return v;
}

Result<std::vector<std::vector<labels::Matcher>>> ParseMatchers(
    const std::vector<std::string_view>& selectors) {
  std::vector<std::vector<labels::Matcher>> sets;
  sets.reserve(selectors.size());
  for (std::string_view sel : selectors) {
    WARD_ASSIGN_OR_RETURN(auto ms, promql::parser::ParseMetricSelector(sel));
    bool nonempty = false;
    for (const auto& m : ms) {
      if (!m.MatchesEmpty()) {
        nonempty = true;
        break;
      }
    }
    if (!nonempty) {
      return Status::InvalidArgument("match[] must contain at least one non-empty matcher");
    }
    sets.push_back(std::move(ms));
  }
  return sets;
}

std::string UnescapeLabelName(std::string_view s) {
  if (s.substr(0, 3) != "U__") return std::string(s);
  std::string out;
  std::string_view rest = s.substr(3);
  for (size_t i = 0; i < rest.size();) {
    char c = rest[i];
    if (c != '_') {
      out.push_back(c);
      i++;
      continue;
    }
    if (i + 1 < rest.size() && rest[i + 1] == '_') {
      out.push_back('_');
      i += 2;
      continue;
    }
    // _<hex code point>_
    size_t end = rest.find('_', i + 1);
    if (end == std::string_view::npos || end == i + 1) return std::string(s);
    uint32_t cp = 0;
    auto r = std::from_chars(rest.data() + i + 1, rest.data() + end, cp, 16);
    if (r.ptr != rest.data() + end || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return std::string(s);
    }
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    i = end + 1;
  }
  return out;
}

}  // namespace ward::web::api::v1
