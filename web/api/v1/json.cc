#include "web/api/v1/json.h"

#include <charconv>
#include <cmath>
#include <ctime>

namespace ward::web::api::v1 {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence starting at s[i] (2-4), or 0 when the
// bytes there are not valid UTF-8 (overlong, surrogate, truncated, > U+10FFFF).
size_t ValidUtf8Len(std::string_view s, size_t i) {
  auto c0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  if (c0 >= 0xC2 && c0 <= 0xDF) return cont(1) ? 2 : 0;
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c0 == 0xE0 && c1 < 0xA0) return 0;   // overlong
    if (c0 == 0xED && c1 >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c0 == 0xF0 && c1 < 0x90) return 0;   // overlong
    if (c0 == 0xF4 && c1 >= 0x90) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

// Shortest round-trip digits of `f` in Go's 'e' form ("1e-07", "1.5e+21").
void AppendExp(std::string* out, double f) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  out->append(buf, r.ptr);
}

void AppendFixed(std::string* out, double f) {
  char buf[400];  // fixed form of values < 1e21 and >= 1e-6 is short
  auto r = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::fixed);
  out->append(buf, r.ptr);
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t start = 0;  // first byte not yet copied
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
      i++;
      continue;
    }
    if (c < 0x80) {
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
        default:
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
      }
      start = ++i;
      continue;
    }
    size_t n = ValidUtf8Len(s, i);
    if (n == 0) {
      out->append(s.data() + start, i - start);
      out->append("\\ufffd");
      start = ++i;
      continue;
    }
    // U+2028 and U+2029 (E2 80 A8/A9) are escaped, as Go does for JSONP.
    if (n == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8) {
      out->append(s.data() + start, i - start);
      out->append(static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
      i += 3;
      start = i;
      continue;
    }
    i += n;
  }
  out->append(s.data() + start, s.size() - start);
  out->push_back('"');
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      i++;
      continue;
    }
    size_t n = ValidUtf8Len(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void AppendSampleValue(std::string* out, double f) {
  out->push_back('"');
  if (std::isnan(f)) {
    out->append("NaN");
  } else if (std::isinf(f)) {
    out->append(f > 0 ? "+Inf" : "-Inf");
  } else {
    double a = std::fabs(f);
    if (a != 0 && (a < 1e-6 || a >= 1e21)) {
      AppendExp(out, f);
    } else {
      AppendFixed(out, f);
    }
  }
  out->push_back('"');
}

void AppendTimestamp(std::string* out, int64_t t_ms) {
  char buf[32];
  uint64_t u = static_cast<uint64_t>(t_ms);
  if (t_ms < 0) {
    out->push_back('-');
    u = ~u + 1;  // also right for INT64_MIN
  }
  auto r = std::to_chars(buf, buf + sizeof(buf), u / 1000);
  out->append(buf, r.ptr);
  unsigned frac = static_cast<unsigned>(u % 1000);
  if (frac != 0) {
    out->push_back('.');
    out->push_back(static_cast<char>('0' + frac / 100));
    out->push_back(static_cast<char>('0' + frac / 10 % 10));
    out->push_back(static_cast<char>('0' + frac % 10));
  }
}

std::string FormatRFC3339Millis(int64_t t_ms) {
  if (t_ms == 0) return "0001-01-01T00:00:00Z";
  int64_t secs = t_ms / 1000;
  int64_t ms = t_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs--;
  }
  time_t tt = static_cast<time_t>(secs);
  struct tm tm;
  if (gmtime_r(&tt, &tm) == nullptr) return "0001-01-01T00:00:00Z";
  char buf[64];
  size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (ms != 0) {
    char frac[5] = {'.', static_cast<char>('0' + ms / 100), static_cast<char>('0' + ms / 10 % 10),
                    static_cast<char>('0' + ms % 10), 0};
    size_t len = 4;
    while (frac[len - 1] == '0') len--;
    out.append(frac, len);
  }
  out.push_back('Z');
  return out;
}

void JsonWriter::Int(int64_t v) {
  Value();
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out_->append(buf, r.ptr);
}

void JsonWriter::Double(double v) {
  Value();
  if (!std::isfinite(v)) {
    out_->push_back('0');
    return;
  }
  double a = std::fabs(v);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    size_t at = out_->size();
    AppendExp(out_, v);
    // Go's encoding/json writes "1e-7", not "1e-07".
    size_t e = out_->find('e', at);
    if (e != std::string::npos && e + 3 < out_->size() + 1 && (*out_)[e + 1] == '-' &&
        (*out_)[e + 2] == '0') {
      out_->erase(e + 2, 1);
    }
    return;
  }
  AppendFixed(out_, v);
}

void JsonWriter::LabelSet(const labels::Labels& ls) {
  BeginObject();
  for (const auto& l : ls) {
    Key(l.name);
    String(l.value);
  }
  EndObject();
}

}  // namespace ward::web::api::v1
