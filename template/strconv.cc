// strconv-like helpers for template values: UTF-8 runes, Go's shortest
// float formatting, Go quoting, ParseFloat, time and duration strings,
// url.QueryEscape. Written from Go's strconv/time/net/url documentation.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "template/gofmt.h"
#include "util/gostr.h"

namespace ward::tmpl::gofmt {
namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";

}  // namespace

bool IsPrintRune(int32_t r) { return gostr::GoIsPrint(r, gostr::GoPrintable::kWide); }

int32_t DecodeRune(std::string_view s, size_t i, int* width) {
  if (i >= s.size()) {
    *width = 0;
    return -1;
  }
  size_t w;
  int32_t r = gostr::DecodeRune(s, i, &w);
  *width = static_cast<int>(w);
  return r;
}

void AppendRune(std::string* out, int32_t r) { gostr::AppendRune(out, r); }

void AppendFloatShortest(std::string* out, double f) { gostr::AppendFloatG(out, f); }

void AppendQuote(std::string* out, std::string_view s) {
  gostr::AppendGoQuoted(out, s, gostr::GoPrintable::kWide);
}

bool CanBackquote(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    int w;
    int32_t r = DecodeRune(s, i, &w);
    if (r == 0xfffd && w == 1) return false;
    i += w;
    if (r == '`' || r == 0xfeff) return false;
    if (r < ' ' && r != '\t') return false;
    if (r == 0x7f) return false;
  }
  return true;
}

Result<double> ParseFloat(std::string_view s) {
  auto syntax_error = [&](std::string_view what) {
    std::string msg = "strconv.ParseFloat: parsing ";
    AppendQuote(&msg, s);
    msg += ": ";
    msg += what;
    return Status::InvalidArgument(msg);
  };
  std::string_view t = s;
  bool neg = false;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    neg = t[0] == '-';
    t.remove_prefix(1);
  }
  auto ieq = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
    }
    return true;
  };
  if (ieq(t, "inf") || ieq(t, "infinity")) return neg ? -HUGE_VAL : HUGE_VAL;
  if (ieq(t, "nan")) return std::nan("");
  if (t.empty() || t[0] == '+' || t[0] == '-') return syntax_error("invalid syntax");
  double v = 0;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    // Hex float: requires a 'p' exponent, as in Go.
    if (t.find_first_of("pP") == std::string_view::npos) return syntax_error("invalid syntax");
    for (char c : t.substr(2)) {
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'p' || c == 'P' ||
            c == '+' || c == '-')) {
        return syntax_error("invalid syntax");
      }
    }
    std::string tmp(t);
    char* end = nullptr;
    errno = 0;
    v = strtod(tmp.c_str(), &end);
    if (end != tmp.c_str() + tmp.size()) return syntax_error("invalid syntax");
    if (errno == ERANGE && std::isinf(v)) return syntax_error("value out of range");
  } else {
    // Go accepts "5.", ".5", "1e5"; from_chars does too.
    for (char c : t) {
      if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
            c == '+' || c == '-')) {
        return syntax_error("invalid syntax");
      }
    }
    auto res = std::from_chars(t.data(), t.data() + t.size(), v, std::chars_format::general);
    if (res.ec == std::errc::result_out_of_range) {
      // Underflow rounds to zero in Go; overflow is an error.
      bool big = false;
      size_t e = t.find_first_of("eE");
      if (e == std::string_view::npos || t.substr(e + 1).find('-') == std::string_view::npos)
        big = true;
      if (big) return syntax_error("value out of range");
      v = 0;
    } else if (res.ec != std::errc() || res.ptr != t.data() + t.size()) {
      return syntax_error("invalid syntax");
    }
  }
  return neg ? -v : v;
}

std::string TimeString(TimeValue t) {
  int64_t days = t.sec / 86400;
  int64_t secs = t.sec % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[96];
  snprintf(buf, sizeof(buf), "%s%04lld-%02lld-%02lld %02lld:%02lld:%02lld", y < 0 ? "-" : "",
           static_cast<long long>(y < 0 ? -y : y), static_cast<long long>(m),
           static_cast<long long>(d), static_cast<long long>(secs / 3600),
           static_cast<long long>((secs / 60) % 60), static_cast<long long>(secs % 60));
  std::string s = buf;
  if (t.nsec != 0) {
    char frac[16];
    snprintf(frac, sizeof(frac), ".%09lld", static_cast<long long>(t.nsec));
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    s += f;
  }
  s += " +0000 UTC";
  return s;
}

std::string DurationString(int64_t ns) {
  bool neg = ns < 0;
  uint64_t u = neg ? (~static_cast<uint64_t>(ns) + 1) : static_cast<uint64_t>(ns);
  if (u == 0) return "0s";
  // Fraction of u / 10^prec without trailing zeros; returns the integer part.
  auto frac = [](uint64_t v, int prec, std::string* f) {
    std::string digits;
    bool print = false;
    for (int i = 0; i < prec; ++i) {
      int digit = v % 10;
      print = print || digit != 0;
      if (print) digits.insert(digits.begin(), static_cast<char>('0' + digit));
      v /= 10;
    }
    if (print) *f = "." + digits;
    return v;
  };
  std::string s;
  std::string f;
  if (u < 1000000000ull) {
    int prec;
    const char* unit;
    if (u < 1000) {
      prec = 0;
      unit = "ns";
    } else if (u < 1000000) {
      prec = 3;
      unit = "\xc2\xb5s";
    } else {
      prec = 6;
      unit = "ms";
    }
    uint64_t ip = frac(u, prec, &f);
    s = std::to_string(ip) + f + unit;
  } else {
    uint64_t secs = frac(u, 9, &f);
    s = std::to_string(secs % 60) + f + "s";
    uint64_t mins = secs / 60;
    if (mins > 0) {
      s = std::to_string(mins % 60) + "m" + s;
      uint64_t hours = mins / 60;
      if (hours > 0) s = std::to_string(hours) + "h" + s;
    }
  }
  if (neg) s.insert(0, 1, '-');
  return s;
}

std::string QueryEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHexUpper[c >> 4]);
      out.push_back(kHexUpper[c & 0xf]);
    }
  }
  return out;
}

}  // namespace ward::tmpl::gofmt
