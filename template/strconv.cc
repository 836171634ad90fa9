// strconv-like helpers for template values: UTF-8 runes, Go's shortest
// float formatting, Go quoting, ParseFloat, time and duration strings,
// url.QueryEscape. Written from Go's strconv/time/net/url documentation.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "template/gofmt.h"

namespace ward::tmpl::gofmt {
namespace {

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

}  // namespace

bool IsPrintRune(int32_t r) {
  if (r < 0x20 || r == 0x7f) return false;
  if (r >= 0x80 && r < 0xa0) return false;  // C1 controls
  if (r == 0xad) return false;              // soft hyphen
  if (r == 0xa0) return false;              // no-break space (not IsPrint)
  if (r >= 0xd800 && r < 0xe000) return false;
  if (r == 0xfeff || r == 0xfffe || r == 0xffff) return false;
  if (r >= 0x2000 && r <= 0x200f) return false;  // spaces and format chars
  if (r >= 0x2028 && r <= 0x202f) return false;
  if (r >= 0x2060 && r <= 0x206f) return false;
  if (r == 0x3000) return false;
  if (r > 0x10ffff) return false;
  return true;
}

int32_t DecodeRune(std::string_view s, size_t i, int* width) {
  if (i >= s.size()) {
    *width = 0;
    return -1;
  }
  unsigned char c = s[i];
  if (c < 0x80) {
    *width = 1;
    return c;
  }
  int n;
  int32_t r;
  if ((c & 0xe0) == 0xc0) {
    n = 2;
    r = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3;
    r = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4;
    r = c & 0x07;
  } else {
    *width = 1;
    return 0xfffd;
  }
  if (i + n > s.size()) {
    *width = 1;
    return 0xfffd;
  }
  for (int k = 1; k < n; ++k) {
    unsigned char cc = s[i + k];
    if ((cc & 0xc0) != 0x80) {
      *width = 1;
      return 0xfffd;
    }
    r = (r << 6) | (cc & 0x3f);
  }
  static constexpr int32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (r < kMin[n] || r > 0x10ffff || (r >= 0xd800 && r < 0xe000)) {
    *width = 1;
    return 0xfffd;
  }
  *width = n;
  return r;
}

void AppendRune(std::string* out, int32_t r) {
  if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r < 0xe000)) r = 0xfffd;
  if (r < 0x80) {
    out->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (r >> 6)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3f)));
  } else if (r < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (r >> 12)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (r >> 18)));
    out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3f)));
  }
}

void AppendFloatShortest(std::string* out, double f) {
  if (std::isnan(f)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(f)) {
    out->append(f > 0 ? "+Inf" : "-Inf");
    return;
  }
  if (f == 0) {
    out->append(std::signbit(f) ? "-0" : "0");
    return;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  std::string_view sci(buf, res.ptr - buf);  // e.g. -1.234567e+06
  bool neg = sci[0] == '-';
  if (neg) sci.remove_prefix(1);
  size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos)) {
    if (c != '.') digits.push_back(c);
  }
  int exp = 0;
  std::from_chars(sci.data() + epos + 1 + (sci[epos + 1] == '+' ? 1 : 0), sci.data() + sci.size(),
                  exp);
  if (neg) out->push_back('-');
  if (exp < -4 || exp >= 6) {  // %e form, shortest digits
    out->push_back(digits[0]);
    if (digits.size() > 1) {
      out->push_back('.');
      out->append(digits, 1, std::string::npos);
    }
    out->push_back('e');
    out->push_back(exp < 0 ? '-' : '+');
    int ae = exp < 0 ? -exp : exp;
    if (ae < 10) out->push_back('0');
    out->append(std::to_string(ae));
    return;
  }
  int dp = exp + 1;  // digits before the decimal point
  if (dp <= 0) {
    out->append("0.");
    out->append(-dp, '0');
    out->append(digits);
  } else if (static_cast<size_t>(dp) >= digits.size()) {
    out->append(digits);
    out->append(dp - digits.size(), '0');
  } else {
    out->append(digits, 0, dp);
    out->push_back('.');
    out->append(digits, dp, std::string::npos);
  }
}

void AppendQuote(std::string* out, std::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    int w;
    int32_t r = DecodeRune(s, i, &w);
    if (r == 0xfffd && w == 1) {
      unsigned char c = s[i];
      out->append("\\x");
      out->push_back(kHexLower[c >> 4]);
      out->push_back(kHexLower[c & 0xf]);
      i += w;
      continue;
    }
    i += w;
    switch (r) {
      case '"':
        out->append("\\\"");
        continue;
      case '\\':
        out->append("\\\\");
        continue;
      case '\a':
        out->append("\\a");
        continue;
      case '\b':
        out->append("\\b");
        continue;
      case '\f':
        out->append("\\f");
        continue;
      case '\n':
        out->append("\\n");
        continue;
      case '\r':
        out->append("\\r");
        continue;
      case '\t':
        out->append("\\t");
        continue;
      case '\v':
        out->append("\\v");
        continue;
    }
    if (IsPrintRune(r)) {
      AppendRune(out, r);
    } else if (r < 0x80) {
      out->append("\\x");
      out->push_back(kHexLower[(r >> 4) & 0xf]);
      out->push_back(kHexLower[r & 0xf]);
    } else {
      char buf[16];
      snprintf(buf, sizeof(buf), r <= 0xffff ? "\\u%04x" : "\\U%08x", static_cast<unsigned>(r));
      out->append(buf);
    }
  }
  out->push_back('"');
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
