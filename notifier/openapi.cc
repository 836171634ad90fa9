// Alertmanager API v2 JSON encoding; see openapi.h.
#include "notifier/openapi.h"

#include <ctime>

#include "util/gostr.h"

namespace ward::notifier {
namespace {

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

void AppendJSONString(std::string_view s, std::string* out) { gostr::AppendJsonString(out, s); }

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
