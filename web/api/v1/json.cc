#include "web/api/v1/json.h"

#include <charconv>
#include <cmath>
#include <ctime>

#include "util/gostr.h"

namespace ward::web::api::v1 {

void AppendJsonString(std::string* out, std::string_view s) { gostr::AppendJsonString(out, s); }

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      i++;
      continue;
    }
    size_t n = gostr::ValidUtf8Len(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void AppendSampleValue(std::string* out, double f) {
  out->push_back('"');
  double a = std::fabs(f);
  if (std::isfinite(f) && a != 0 && (a < 1e-6 || a >= 1e21)) {
    gostr::AppendFloatE(out, f);
  } else {
    gostr::AppendFloatF(out, f);  // also "NaN", "+Inf", "-Inf"
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
    gostr::AppendFloatE(out_, v);
    // Go's encoding/json writes "1e-7", not "1e-07".
    size_t e = out_->find('e', at);
    if (e != std::string::npos && e + 3 < out_->size() + 1 && (*out_)[e + 1] == '-' &&
        (*out_)[e + 2] == '0') {
      out_->erase(e + 2, 1);
    }
    return;
  }
  gostr::AppendFloatF(out_, v);
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
