// Go formatting helpers (see format.h).
#include "rules/unittest/format.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "promql/parser/lex.h"

namespace ward::rules::unittest {

namespace {

// Appends `v` / 10^prec with trailing fractional zeros (and a bare '.')
// removed, as Go's fmtFrac + fmtInt do.
void AppendFrac(std::string* out, uint64_t v, int prec) {
  uint64_t scale = 1;
  for (int i = 0; i < prec; ++i) scale *= 10;
  out->append(std::to_string(v / scale));
  uint64_t frac = v % scale;
  if (frac == 0) return;
  std::string digits = std::to_string(frac);
  digits.insert(0, static_cast<size_t>(prec) - digits.size(), '0');
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  out->push_back('.');
  out->append(digits);
}

}  // namespace

std::string GoDurationString(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  uint64_t u = ms < 0 ? static_cast<uint64_t>(-(ms + 1)) + 1 : static_cast<uint64_t>(ms);
  if (ms < 0) out.push_back('-');
  if (u < 1000) {
    out.append(std::to_string(u));
    out.append("ms");
    return out;
  }
  uint64_t secs_ms = u % 60000;  // seconds part in ms
  uint64_t mins = u / 60000;
  std::string secs;
  AppendFrac(&secs, secs_ms, 3);
  secs.push_back('s');
  if (mins == 0) return out + secs;
  uint64_t hours = mins / 60;
  mins %= 60;
  if (hours > 0) out.append(std::to_string(hours) + "h");
  out.append(std::to_string(mins) + "m");
  out.append(secs);
  return out;
}

std::string FormatFloatE(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, r.ptr);
  for (char& c : s) {
    if (c == 'e') c = 'E';
  }
  return s;
}

std::string IndentLines(std::string_view lines, std::string_view indent) {
  std::string out;
  size_t start = 0;
  bool first = true;
  while (true) {
    size_t nl = lines.find('\n', start);
    if (!first) out.append(indent);
    first = false;
    if (nl == std::string_view::npos) {
      out.append(lines.substr(start));
      break;
    }
    out.append(lines.substr(start, nl - start));
    out.push_back('\n');
    start = nl + 1;
  }
  return out;
}

std::string GoQuote(std::string_view s) {
  std::string out;
  promql::parser::AppendGoQuoted(&out, s);
  return out;
}

}  // namespace ward::rules::unittest
