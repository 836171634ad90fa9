// Go string and float text forms; see gostr.h. Written from the behaviour
// described in Go's encoding/json, strconv, fmt and unicode/utf8 docs.
#include "util/gostr.h"

#include <array>
#include <charconv>
#include <cmath>

namespace ward::gostr {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Bytes AppendJsonString copies without a second look, one table per
// (escape_html, check_utf8) pair.
using ByteTable = std::array<bool, 256>;
constexpr ByteTable MakeJsonSafe(bool html, bool check_utf8) {
  ByteTable t{};
  for (int c = 0; c < 256; ++c) {
    bool safe = c >= 0x20 && c != '"' && c != '\\';
    if (html && (c == '<' || c == '>' || c == '&')) safe = false;
    if (c >= 0x80 && check_utf8) safe = false;
    t[c] = safe;
  }
  return t;
}
constexpr ByteTable kJsonSafe[4] = {MakeJsonSafe(false, false), MakeJsonSafe(false, true),
                                    MakeJsonSafe(true, false), MakeJsonSafe(true, true)};

void AppendHex2(std::string* out, const char* prefix, unsigned v) {
  out->append(prefix);
  out->push_back(kHex[(v >> 4) & 0xf]);
  out->push_back(kHex[v & 0xf]);
}

// \uNNNN for r <= U+FFFF, else \UNNNNNNNN.
void AppendRuneEscape(std::string* out, uint32_t r) {
  int digits = r <= 0xffff ? 4 : 8;
  out->append(digits == 4 ? "\\u" : "\\U");
  for (int k = digits - 1; k >= 0; --k) out->push_back(kHex[(r >> (4 * k)) & 0xf]);
}

// The escape for an ASCII byte in strconv.Quote, or nullptr for \xNN.
const char* QuoteEscape(unsigned char c) {
  switch (c) {
    case '\a':
      return "\\a";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    case '\v':
      return "\\v";
    case '\\':
      return "\\\\";
    default:
      return nullptr;
  }
}

// Shortest round-trip digits in scientific form ("-1.25e+06"), which is
// already the text of strconv's 'e' with precision -1. Returns the length
// and sets *exp to the decimal exponent. REQUIRES: f finite.
size_t Scientific(double f, char* buf, size_t cap, int* exp) {
  auto r = std::to_chars(buf, buf + cap, f, std::chars_format::scientific);
  size_t len = static_cast<size_t>(r.ptr - buf);
  size_t e = 0;
  while (buf[e] != 'e') ++e;
  const char* p = buf + e + 1;
  if (*p == '+') ++p;
  int x = 0;
  std::from_chars(p, r.ptr, x);
  *exp = x;
  return len;
}

bool AppendNonFinite(std::string* out, double f) {
  if (std::isnan(f)) {
    out->append("NaN");
    return true;
  }
  if (std::isinf(f)) {
    out->append(f > 0 ? "+Inf" : "-Inf");
    return true;
  }
  return false;
}

}  // namespace

size_t ValidUtf8Len(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  }
  return n;
}

int32_t DecodeRune(std::string_view s, size_t i, size_t* width) {
  size_t n = ValidUtf8Len(s, i);
  auto c = static_cast<unsigned char>(s[i]);
  if (n == 0) {
    *width = 1;
    return 0xFFFD;
  }
  *width = n;
  if (n == 1) return c;
  int32_t r = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < n; ++k) r = (r << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return r;
}

void AppendRune(std::string* out, int32_t r) {
  if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = 0xFFFD;
  if (r < 0x80) {
    out->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (r >> 6)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (r >> 12)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (r >> 18)));
    out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

void AppendJsonString(std::string* out, std::string_view s, JsonStringOptions opts) {
  const ByteTable& safe = kJsonSafe[(opts.escape_html ? 2 : 0) + (opts.check_utf8 ? 1 : 0)];
  out->push_back('"');
  size_t start = 0;  // first byte not yet copied
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (safe[c]) {
      ++i;
      continue;
    }
    if (c >= 0x80) {  // only reached with check_utf8
      size_t len = ValidUtf8Len(s, i);
      bool line_sep = len == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                      (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8;
      if (len != 0 && !line_sep) {
        i += len;
        continue;
      }
      out->append(s.data() + start, i - start);
      if (len == 0) {
        out->append("\\ufffd");
        ++i;
      } else {  // U+2028 / U+2029 end a line in JavaScript; Go escapes them
        out->append(static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
        i += 3;
      }
      start = i;
      continue;
    }
    out->append(s.data() + start, i - start);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:  // other controls, and < > & when escaping HTML
        AppendHex2(out, "\\u00", c);
    }
    start = ++i;
  }
  out->append(s.data() + start, n - start);
  out->push_back('"');
}

bool GoIsPrint(int32_t r, GoPrintable p) {
  if (r < 0x80) return r >= 0x20 && r != 0x7F;
  if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return false;
  switch (p) {
    case GoPrintable::kAscii:
      return true;
    case GoPrintable::kNarrow:
      return !(r <= 0x9F || r == 0xAD || r == 0x2028 || r == 0x2029 || r == 0xFEFF);
    case GoPrintable::kWide:
      if (r <= 0xA0 || r == 0xAD) return false;      // C1 controls, no-break space, soft hyphen
      if (r >= 0x2000 && r <= 0x200F) return false;  // spaces and format characters
      if (r >= 0x2028 && r <= 0x202F) return false;
      if (r >= 0x2060 && r <= 0x206F) return false;
      return r != 0x3000 && r != 0xFEFF && r != 0xFFFE && r != 0xFFFF;
  }
  return true;
}

void AppendGoQuoted(std::string* out, std::string_view s, GoPrintable p) {
  out->push_back('"');
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      if (c == '"' || c == '\\') out->push_back('\\');
      out->push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (c < 0x80) {
      const char* esc = QuoteEscape(c);
      if (esc != nullptr) {
        out->append(esc);
      } else {
        AppendHex2(out, "\\x", c);
      }
      ++i;
      continue;
    }
    size_t w;
    int32_t r = DecodeRune(s, i, &w);
    if (w == 1) {  // invalid byte (a valid non-ASCII rune is >= 2 bytes)
      AppendHex2(out, "\\x", c);
    } else if (GoIsPrint(r, p)) {
      out->append(s.data() + i, w);
    } else {
      AppendRuneEscape(out, static_cast<uint32_t>(r));
    }
    i += w;
  }
  out->push_back('"');
}

void AppendGoQuotedRune(std::string* out, int32_t r, GoPrintable p) {
  if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = 0xFFFD;
  out->push_back('\'');
  const char* esc = r < 0x80 ? QuoteEscape(static_cast<unsigned char>(r)) : nullptr;
  if (r == '\'') {
    out->append("\\'");
  } else if (esc != nullptr) {
    out->append(esc);
  } else if (GoIsPrint(r, p)) {
    AppendRune(out, r);
  } else if (r < 0x80) {
    AppendHex2(out, "\\x", static_cast<unsigned>(r));
  } else {
    AppendRuneEscape(out, static_cast<uint32_t>(r));
  }
  out->push_back('\'');
}

void AppendFloatG(std::string* out, double f) {
  if (AppendNonFinite(out, f)) return;
  if (f == 0) {
    out->append(std::signbit(f) ? "-0" : "0");
    return;
  }
  char buf[64];
  int exp;
  size_t len = Scientific(f, buf, sizeof(buf), &exp);
  if (exp < -4 || exp >= 6) {
    out->append(buf, len);
    return;
  }
  // Plain form of the same digits: [-]d.ddd laid out around the point.
  const char* p = buf;
  if (*p == '-') {
    out->push_back('-');
    ++p;
  }
  char digits[32];
  size_t nd = 0;
  for (; *p != 'e'; ++p) {
    if (*p != '.') digits[nd++] = *p;
  }
  if (exp < 0) {
    out->append("0.");
    out->append(static_cast<size_t>(-exp - 1), '0');
    out->append(digits, nd);
    return;
  }
  size_t int_digits = static_cast<size_t>(exp) + 1;
  if (nd <= int_digits) {
    out->append(digits, nd);
    out->append(int_digits - nd, '0');
  } else {
    out->append(digits, int_digits);
    out->push_back('.');
    out->append(digits + int_digits, nd - int_digits);
  }
}

void AppendFloatV(std::string* out, double f) {
  if (AppendNonFinite(out, f)) return;
  char buf[64];
  int exp;
  size_t len = Scientific(f, buf, sizeof(buf), &exp);
  if (exp < -4 || exp >= 21) {
    out->append(buf, len);
    return;
  }
  auto r = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::fixed);
  out->append(buf, r.ptr);
}

void AppendFloatF(std::string* out, double f) {
  if (AppendNonFinite(out, f)) return;
  char buf[512];  // the longest fixed form (a subnormal) is under 330 bytes
  auto r = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::fixed);
  out->append(buf, r.ptr);
}

void AppendFloatE(std::string* out, double f) {
  if (AppendNonFinite(out, f)) return;
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  out->append(buf, r.ptr);
}

}  // namespace ward::gostr
