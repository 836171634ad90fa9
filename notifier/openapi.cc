// Alertmanager API v2 JSON encoding; see openapi.h.
#include "notifier/openapi.h"

#include <ctime>

namespace ward::notifier {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendUnicodeEscape(unsigned cp, std::string* out) {
  out->append("\\u");
  out->push_back(kHex[(cp >> 12) & 0xf]);
  out->push_back(kHex[(cp >> 8) & 0xf]);
  out->push_back(kHex[(cp >> 4) & 0xf]);
  out->push_back(kHex[cp & 0xf]);
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
size_t ValidUTF8Len(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned c = b(i);
  size_t n;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  }
  return n;
}

void AppendLabelSet(const labels::Labels& ls, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const auto& l : ls) {
    if (!first) out->push_back(',');
    first = false;
    AppendJSONString(l.name, out);
    out->push_back(':');
    AppendJSONString(l.value, out);
  }
  out->push_back('}');
}

}  // namespace

void AppendJSONString(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
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
        case '<':
        case '>':
        case '&':
          AppendUnicodeEscape(c, out);
          break;
        default:
          if (c < 0x20) {
            AppendUnicodeEscape(c, out);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    size_t n = ValidUTF8Len(s, i);
    if (n == 0) {
      out->append("\\ufffd");
      ++i;
      continue;
    }
    // U+2028 and U+2029 break JavaScript string literals; Go escapes them.
    if (n == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8) {
      AppendUnicodeEscape(0x2028 + (static_cast<unsigned char>(s[i + 2]) & 1), out);
    } else {
      out->append(s.data() + i, n);
    }
    i += n;
  }
  out->push_back('"');
}

void AppendRFC3339Millis(int64_t ms, std::string* out) {
  int64_t secs = ms / 1000;
  int64_t frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    secs -= 1;
  }
  time_t t = static_cast<time_t>(secs);
  struct tm tm;
  if (gmtime_r(&t, &tm) == nullptr) {
    out->append("1970-01-01T00:00:00.000Z");
    return;
  }
  char buf[64];
  int n = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                   tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac));
  if (n > 0) out->append(buf, static_cast<size_t>(n) < sizeof(buf) ? n : sizeof(buf) - 1);
}

void EncodeAlerts(std::span<const Alert> alerts, std::string* out) {
  out->push_back('[');
  bool first = true;
  for (const Alert& a : alerts) {
    if (!first) out->push_back(',');
    first = false;
    out->push_back('{');
    bool need_comma = false;
    auto key = [&](std::string_view k) {
      if (need_comma) out->push_back(',');
      need_comma = true;
      out->push_back('"');
      out->append(k);
      out->append("\":");
    };
    if (!a.annotations.empty()) {
      key("annotations");
      AppendLabelSet(a.annotations, out);
    }
    if (a.ends_at_ms != 0) {
      key("endsAt");
      out->push_back('"');
      AppendRFC3339Millis(a.ends_at_ms, out);
      out->push_back('"');
    }
    if (a.starts_at_ms != 0) {
      key("startsAt");
      out->push_back('"');
      AppendRFC3339Millis(a.starts_at_ms, out);
      out->push_back('"');
    }
    if (!a.generator_url.empty()) {
      key("generatorURL");
      AppendJSONString(a.generator_url, out);
    }
    key("labels");
    AppendLabelSet(a.labels, out);
    out->push_back('}');
  }
  out->push_back(']');
}

}  // namespace ward::notifier
