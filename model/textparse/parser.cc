#include "model/textparse/parser.h"

#include <cctype>

#include "model/textparse/openmetricsparse.h"
#include "model/textparse/promparse.h"

namespace ward::textparse {

std::string_view MetricTypeName(MetricType t) {
  switch (t) {
    case MetricType::kUnknown:
      return "unknown";
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kGaugeHistogram:
      return "gaugehistogram";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kInfo:
      return "info";
    case MetricType::kStateset:
      return "stateset";
  }
  return "unknown";
}

std::unique_ptr<Parser> NewPromParser(std::string_view body) {
  return std::make_unique<PromParser>(body);
}

std::unique_ptr<Parser> NewOpenMetricsParser(std::string_view body) {
  return std::make_unique<OpenMetricsParser>(body);
}

namespace {

constexpr std::string_view kOpenMetricsMediaType = "application/openmetrics-text";
constexpr std::string_view kTextMediaType = "text/plain";
constexpr std::string_view kProtobufMediaType = "application/vnd.google.protobuf";

bool IsTokenChar(char c) {
  if (c <= ' ' || c >= 0x7f) return false;
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Extracts the lower-cased media type of a Content-Type the way Go's
// mime.ParseMediaType accepts it: `type[/subtype]` of token characters, then
// `; name=value` parameters (token or quoted-string values). Returns false
// with *err set for malformed input.
bool ParseMediaType(std::string_view v, std::string* media_type, std::string* err) {
  size_t semi = v.find(';');
  std::string_view base = TrimSpace(v.substr(0, semi));
  size_t slash = base.find('/');
  std::string_view type = base.substr(0, slash);
  std::string_view sub =
      slash == std::string_view::npos ? std::string_view() : base.substr(slash + 1);
  auto all_token = [](std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
      if (!IsTokenChar(c)) return false;
    }
    return true;
  };
  if (!all_token(type) || (slash != std::string_view::npos && !all_token(sub))) {
    *err = slash == std::string_view::npos || !all_token(type) ? "mime: no media type"
                                                               : "mime: expected token after slash";
    if (type.empty()) *err = "mime: no media type";
    return false;
  }
  media_type->clear();
  for (char c : base)
    media_type->push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  // Parameters.
  std::string_view rest = semi == std::string_view::npos ? std::string_view() : v.substr(semi);
  std::vector<std::string> seen;
  while (!rest.empty()) {
    rest = TrimSpace(rest);
    if (rest.empty()) break;
    if (rest.front() != ';') {
      *err = "mime: invalid media parameter";
      return false;
    }
    rest.remove_prefix(1);
    rest = TrimSpace(rest);
    if (rest.empty()) break;  // a trailing semicolon is ignored
    size_t k = 0;
    while (k < rest.size() && IsTokenChar(rest[k])) k++;
    std::string_view key = rest.substr(0, k);
    rest.remove_prefix(k);
    rest = TrimSpace(rest);
    if (key.empty() || rest.empty() || rest.front() != '=') {
      *err = "mime: invalid media parameter";
      return false;
    }
    rest.remove_prefix(1);
    rest = TrimSpace(rest);
    if (!rest.empty() && rest.front() == '"') {
      size_t j = 1;
      bool closed = false;
      while (j < rest.size()) {
        if (rest[j] == '\\' && j + 1 < rest.size()) {
          j += 2;
          continue;
        }
        if (rest[j] == '"') {
          closed = true;
          j++;
          break;
        }
        j++;
      }
      if (!closed) {
        *err = "mime: invalid media parameter";
        return false;
      }
      rest.remove_prefix(j);
    } else {
      size_t j = 0;
      while (j < rest.size() && IsTokenChar(rest[j])) j++;
      if (j == 0) {
        *err = "mime: invalid media parameter";
        return false;
      }
      rest.remove_prefix(j);
    }
    std::string lkey;
    for (char c : key)
      lkey.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    for (const std::string& s : seen) {
      if (s == lkey) {
        *err = "mime: duplicate parameter name";
        return false;
      }
    }
    seen.push_back(std::move(lkey));
  }
  return true;
}

std::string Quoted(std::string_view s) { return internal::GoQuote(s); }

}  // namespace

std::string_view ScrapeProtocolHeader(std::string_view protocol) {
  if (protocol == kPrometheusProto) {
    return "application/"
           "vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";
  }
  if (protocol == kPrometheusText0_0_4) return "text/plain;version=0.0.4";
  if (protocol == kPrometheusText1_0_0) return "text/plain;version=1.0.0";
  if (protocol == kOpenMetricsText0_0_1) return "application/openmetrics-text;version=0.0.1";
  if (protocol == kOpenMetricsText1_0_0) return "application/openmetrics-text;version=1.0.0";
  return "";
}

bool IsValidScrapeProtocol(std::string_view protocol) {
  return !ScrapeProtocolHeader(protocol).empty();
}

std::string AcceptHeader(const std::vector<std::string>& scrape_protocols,
                         std::string_view escaping) {
  std::string out;
  int weight = 6;  // number of known protocols + 1, as in Prometheus
  for (const std::string& p : scrape_protocols) {
    std::string_view h = ScrapeProtocolHeader(p);
    if (h.empty()) continue;
    if (!out.empty()) out.push_back(',');
    out.append(h);
    if (!escaping.empty() && (p == kPrometheusText1_0_0 || p == kOpenMetricsText1_0_0)) {
      out.append(";escaping=");
      out.append(escaping);
    }
    out.append(";q=0.");
    out.append(std::to_string(weight > 0 ? weight : 0));
    if (weight > 1) weight--;
  }
  if (!out.empty()) out.push_back(',');
  out.append("*/*;q=0.");
  out.append(std::to_string(weight > 0 ? weight : 0));
  return out;
}

Result<std::unique_ptr<Parser>> NewParser(std::string_view body, std::string_view content_type,
                                          std::string_view fallback_protocol,
                                          std::string* warning) {
  if (warning) warning->clear();
  std::string fallback_type;
  if (!fallback_protocol.empty()) {
    std::string_view h = ScrapeProtocolHeader(fallback_protocol);
    if (h.empty()) {
      return Status::InvalidArgument("unknown fallback_scrape_protocol " +
                                     Quoted(fallback_protocol));
    }
    std::string err;
    if (!ParseMediaType(h, &fallback_type, &err)) {
      return Status::Internal("bad fallback media type: " + err);
    }
  }
  std::string media_type;
  std::string note;
  if (content_type.empty()) {
    if (fallback_type.empty()) {
      return Status::InvalidArgument(
          "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol "
          "specified for target");
    }
    media_type = fallback_type;
    note =
        "non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol " +
        Quoted(fallback_protocol);
  } else {
    std::string err;
    if (!ParseMediaType(content_type, &media_type, &err)) {
      if (fallback_type.empty()) {
        return Status::InvalidArgument("cannot parse Content-Type " + Quoted(content_type) +
                                       " and no fallback_scrape_protocol for target: " + err);
      }
      media_type = fallback_type;
      note = "could not parse received Content-Type " + Quoted(content_type) +
             ", using fallback_scrape_protocol " + Quoted(fallback_protocol) + ": " + err;
    } else if (media_type != kOpenMetricsMediaType && media_type != kTextMediaType &&
               media_type != kProtobufMediaType) {
      if (fallback_type.empty()) {
        return Status::InvalidArgument("received unsupported Content-Type " + Quoted(content_type) +
                                       " and no fallback_scrape_protocol specified for target");
      }
      media_type = fallback_type;
      note = "received unsupported Content-Type " + Quoted(content_type) +
             ", using fallback_scrape_protocol " + Quoted(fallback_protocol);
    }
  }
  if (warning) *warning = std::move(note);
  if (media_type == kOpenMetricsMediaType) return NewOpenMetricsParser(body);
  if (media_type == kTextMediaType) return NewPromParser(body);
  return Status::InvalidArgument("the protobuf exposition format (Content-Type " +
                                 Quoted(content_type) +
                                 ") is not supported; drop PrometheusProto from scrape_protocols");
}

}  // namespace ward::textparse
