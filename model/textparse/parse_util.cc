#include "model/textparse/parse_util.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <system_error>

#include "util/gostr.h"

namespace ward::textparse::internal {

std::string_view TokenName(Token t) {
  switch (t) {
    case Token::kInvalid:
      return "INVALID";
    case Token::kEOF:
      return "EOF";
    case Token::kLinebreak:
      return "LINEBREAK";
    case Token::kWhitespace:
      return "WHITESPACE";
    case Token::kHelp:
      return "HELP";
    case Token::kType:
      return "TYPE";
    case Token::kUnit:
      return "UNIT";
    case Token::kEOFWord:
      return "EOFWORD";
    case Token::kText:
      return "TEXT";
    case Token::kComment:
      return "COMMENT";
    case Token::kMName:
      return "MNAME";
    case Token::kQString:
      return "QSTRING";
    case Token::kBraceOpen:
      return "BOPEN";
    case Token::kBraceClose:
      return "BCLOSE";
    case Token::kLName:
      return "LNAME";
    case Token::kLValue:
      return "LVALUE";
    case Token::kComma:
      return "COMMA";
    case Token::kEqual:
      return "EQUAL";
    case Token::kTimestamp:
      return "TIMESTAMP";
    case Token::kValue:
      return "VALUE";
  }
  return "UNKNOWN";
}

double NormalNaN() {
  double d;
  uint64_t bits = kNormalNaNBits;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Decodes one UTF-8 sequence at p (n > 0 bytes available) with Go's rules.
// Returns false for an invalid byte (then *w = 1).
bool DecodeRune(const unsigned char* p, size_t n, uint32_t* r, size_t* w) {
  unsigned char c0 = p[0];
  *w = 1;
  if (c0 < 0x80) {
    *r = c0;
    return true;
  }
  auto cont = [](unsigned char c) { return c >= 0x80 && c <= 0xBF; };
  if (c0 < 0xC2) return false;
  if (c0 < 0xE0) {
    if (n < 2 || !cont(p[1])) return false;
    *r = (uint32_t(c0 & 0x1F) << 6) | (p[1] & 0x3F);
    *w = 2;
    return true;
  }
  if (c0 < 0xF0) {
    if (n < 3) return false;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c0 == 0xE0) lo = 0xA0;
    if (c0 == 0xED) hi = 0x9F;  // no surrogates
    if (p[1] < lo || p[1] > hi || !cont(p[2])) return false;
    *r = (uint32_t(c0 & 0x0F) << 12) | (uint32_t(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    *w = 3;
    return true;
  }
  if (c0 < 0xF5) {
    if (n < 4) return false;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c0 == 0xF0) lo = 0x90;
    if (c0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    if (p[1] < lo || p[1] > hi || !cont(p[2]) || !cont(p[3])) return false;
    *r = (uint32_t(c0 & 0x07) << 18) | (uint32_t(p[1] & 0x3F) << 12) |
         (uint32_t(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    *w = 4;
    return true;
  }
  return false;
}

}  // namespace

bool ParseGoFloat(std::string_view s, double* out, std::string* err) {
  for (char c : s) {
    if (c == 'p' || c == 'P' || c == '_') {
      *err = "unsupported character in float";
      return false;
    }
  }
  auto syntax = [&]() {
    *err = "strconv.ParseFloat: parsing " + GoQuote(s) + ": invalid syntax";
    return false;
  };
  const size_t n = s.size();
  if (n == 0) return syntax();
  size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  std::string_view rest = s.substr(i);
  if (!rest.empty() && (rest[0] == 'i' || rest[0] == 'I')) {
    if (EqualsIgnoreCase(rest, "inf") || EqualsIgnoreCase(rest, "infinity")) {
      *out =
          neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
      return true;
    }
    return syntax();
  }
  if (i == 0 && EqualsIgnoreCase(rest, "nan")) {
    *out = NormalNaN();
    return true;
  }
  // Decimal: digits [. digits] [e [+-] digits], at least one mantissa digit.
  size_t j = i, digits = 0, frac = 0;
  uint64_t mant = 0;  // exact while digits <= 19
  while (j < n && IsDigit(s[j])) mant = mant * 10 + (s[j++] - '0'), digits++;
  if (j < n && s[j] == '.') {
    j++;
    while (j < n && IsDigit(s[j])) mant = mant * 10 + (s[j++] - '0'), digits++, frac++;
  }
  if (digits == 0) return syntax();
  if (j == n && digits <= 15) {
    // Plain decimal with at most 15 digits: the mantissa and 10^frac
    // (frac <= 15) are exact doubles, and one IEEE division rounds
    // correctly, so this equals the full conversion.
    static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    double v = static_cast<double>(mant);
    if (frac > 0) v /= kPow10[frac];
    *out = neg ? -v : v;
    return true;
  }
  if (j < n && (s[j] == 'e' || s[j] == 'E')) {
    j++;
    if (j < n && (s[j] == '+' || s[j] == '-')) j++;
    size_t ed = 0;
    while (j < n && IsDigit(s[j])) j++, ed++;
    if (ed == 0) return syntax();
  }
  if (j != n) return syntax();

  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data() + i, s.data() + n, v, std::chars_format::general);
  if (ec == std::errc() && ptr == s.data() + n) {
    *out = neg ? -v : v;
    return true;
  }
  // Out of range (or a libstdc++ corner): strtod tells overflow (error, as
  // in Go) from underflow (0 or a subnormal, accepted as in Go).
  std::string copy(s.substr(i));
  errno = 0;
  double r = std::strtod(copy.c_str(), nullptr);
  if (std::isinf(r)) {
    *err = "strconv.ParseFloat: parsing " + GoQuote(s) + ": value out of range";
    return false;
  }
  *out = neg ? -r : r;
  return true;
}

bool ParseGoInt64(std::string_view s, int64_t* out, std::string* err) {
  int64_t v = 0;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (b != e && *b == '+') b++;
  auto [ptr, ec] = std::from_chars(b, e, v, 10);
  if (ec == std::errc() && ptr == e && b != e) {
    *out = v;
    return true;
  }
  if (ec == std::errc::result_out_of_range) {
    *err = "strconv.ParseInt: parsing " + GoQuote(s) + ": value out of range";
  } else {
    *err = "strconv.ParseInt: parsing " + GoQuote(s) + ": invalid syntax";
  }
  return false;
}

void AppendGoQuoted(std::string* out, std::string_view s) {
  gostr::AppendGoQuoted(out, s, gostr::GoPrintable::kNarrow);
}

std::string GoQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendGoQuoted(&out, s);
  return out;
}

bool ValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  size_t i = 0;
  // ASCII fast path, 8 bytes at a time.
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    if (p[i] < 0x80) {
      i++;
      continue;
    }
    uint32_t r;
    size_t w;
    if (!DecodeRune(p + i, n - i, &r, &w)) return false;
    i += w;
  }
  return true;
}

void Unescape(std::string_view in, bool help, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); i++) {
    char c = in[i];
    if (c == '\\' && i + 1 < in.size()) {
      char d = in[i + 1];
      if (d == '\\') {
        out->push_back('\\');
        i++;
        continue;
      }
      if (d == 'n') {
        out->push_back('\n');
        i++;
        continue;
      }
      if (d == '"' && !help) {
        out->push_back('"');
        i++;
        continue;
      }
    }
    out->push_back(c);
  }
}

std::string FormatOpenMetricsFloat(double f) {
  std::string out;
  gostr::AppendFloatG(&out, f);
  if (std::isfinite(f) && out.find_first_of(".e") == std::string::npos) out.append(".0");
  return out;
}

void NormalizeFloatLabelValue(MetricType type, std::string_view name, std::string* value) {
  if (!((type == MetricType::kSummary && name == "quantile") ||
        (type == MetricType::kHistogram && name == "le"))) {
    return;
  }
  double f;
  std::string err;
  if (ParseGoFloat(*value, &f, &err)) *value = FormatOpenMetricsFloat(f);
}

Status TokenError(std::string_view expectation, std::string_view got_bytes, Token got,
                  std::string_view line) {
  std::string msg(expectation);
  msg.append(", got ");
  AppendGoQuoted(&msg, got_bytes);
  msg.append(" (");
  AppendGoQuoted(&msg, TokenName(got));
  msg.append(") while parsing: ");
  AppendGoQuoted(&msg, line);
  return Status::InvalidArgument(msg);
}

Status CheckDuplicateLabelNames(const char* b, const std::vector<size_t>& offsets,
                                std::string_view line) {
  const size_t n = offsets.size();
  for (size_t i = 0; i < n; i += 4) {
    std::string_view a(b + offsets[i], offsets[i + 1] - offsets[i]);
    bool dup = a == labels::kMetricName;
    for (size_t j = i + 4; !dup && j < n; j += 4) {
      std::string_view c(b + offsets[j], offsets[j + 1] - offsets[j]);
      dup = a == c;
    }
    if (dup) {
      std::string msg = "label name ";
      AppendGoQuoted(&msg, a);
      msg.append(" is not unique while parsing: ");
      AppendGoQuoted(&msg, line);
      return Status::InvalidArgument(msg);
    }
  }
  return Status::OK();
}

void BuildLabels(const char* b, size_t name_start, size_t name_end,
                 const std::vector<size_t>& offsets, MetricType type, labels::Labels* out) {
  std::vector<labels::Label> ls;
  ls.reserve(1 + offsets.size() / 4);
  labels::Label name_label;
  name_label.name = labels::kMetricName;
  Unescape(std::string_view(b + name_start, name_end - name_start), false, &name_label.value);
  ls.push_back(std::move(name_label));
  for (size_t i = 0; i + 3 < offsets.size(); i += 4) {
    labels::Label l;
    std::string_view n(b + offsets[i], offsets[i + 1] - offsets[i]);
    std::string_view v(b + offsets[i + 2], offsets[i + 3] - offsets[i + 2]);
    if (NeedsUnescape(n)) {
      Unescape(n, false, &l.name);
    } else {
      l.name.assign(n);
    }
    if (NeedsUnescape(v)) {
      Unescape(v, false, &l.value);
    } else {
      l.value.assign(v);
    }
    NormalizeFloatLabelValue(type, l.name, &l.value);
    ls.push_back(std::move(l));
  }
  *out = labels::Labels(std::move(ls));
}

}  // namespace ward::textparse::internal
