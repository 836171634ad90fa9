// GET /federate: the latest sample of every series matching match[] within
// the lookback delta before now, in the text exposition format 0.0.4, as
// Prometheus's web/federate.go serves it: series sorted by metric name, one
// `# TYPE <name> untyped` line per name, the configuration's external labels
// appended to series that lack them, millisecond timestamps, stale markers
// and series without a metric name skipped. A series matched by several
// selectors is written once. A client whose Accept header asks for
// length-delimited protobuf (io.prometheus.client.MetricFamily) gets that
// encoding instead, with the same families, labels and timestamps.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "util/metrics.h"
#include "web/api/v1/handlers.h"
#include "web/api/v1/params.h"

namespace ward::web::api::v1 {

namespace {

constexpr int64_t kDefaultLookbackMs = 5 * 60 * 1000;

struct Latest {
  labels::Labels lset;
  int64_t t = 0;
  double v = 0;
};

// Go's http.Error: text/plain body ending in a newline.
void PlainError(Response& resp, int code, std::string_view msg) {
  resp.status = code;
  resp.SetContentType("text/plain; charset=utf-8");
  resp.SetHeader("X-Content-Type-Options", "nosniff");
  resp.body.assign(msg);
  resp.body.push_back('\n');
}

void AppendLabel(std::string* out, bool* first, const labels::Label& l) {
  out->push_back(*first ? '{' : ',');
  *first = false;
  out->append(l.name);
  out->append("=\"");
  metrics::AppendEscapedLabelValue(out, l.value);
  out->push_back('"');
}

// --- protobuf (io.prometheus.client.MetricFamily, length-delimited) ---

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// A length-delimited field (wire type 2).
void PutBytesField(std::string* out, int field, std::string_view b) {
  PutVarint(out, static_cast<uint64_t>(field) << 3 | 2);
  PutVarint(out, b.size());
  out->append(b);
}

void PutLabelPair(std::string* metric, std::string* scratch, const labels::Label& l) {
  scratch->clear();
  PutBytesField(scratch, 1, l.name);
  PutBytesField(scratch, 2, l.value);
  PutBytesField(metric, 1, *scratch);
}

// The Metric message of one sample: label pairs (1), untyped (5) holding
// the value (1, fixed64), timestamp_ms (6), in field order as Go's proto
// marshaller writes them.
void PutMetric(std::string* family, std::string* metric, std::string* scratch,
               const Latest& s, const labels::Labels& ext) {
  metric->clear();
  for (const labels::Label& l : s.lset) {
    if (l.name == labels::kMetricName) continue;
    PutLabelPair(metric, scratch, l);
  }
  for (const labels::Label& l : ext) {
    if (!s.lset.Has(l.name)) PutLabelPair(metric, scratch, l);
  }
  uint64_t bits;
  static_assert(sizeof(bits) == sizeof(s.v));
  std::memcpy(&bits, &s.v, sizeof(bits));
  char untyped[10];
  untyped[0] = 0x09;  // field 1, wire type 1 (64-bit)
  for (int i = 0; i < 8; ++i) untyped[1 + i] = static_cast<char>(bits >> (8 * i));
  PutBytesField(metric, 5, std::string_view(untyped, 9));
  PutVarint(metric, 6 << 3 | 0);
  PutVarint(metric, static_cast<uint64_t>(s.t));
  PutBytesField(family, 4, *metric);
}

// Writes one delimited MetricFamily: name (1), type UNTYPED (3), metrics.
void FlushFamily(std::string* out, std::string* family) {
  PutVarint(out, family->size());
  out->append(*family);
  family->clear();
}

void StartFamily(std::string* family, std::string_view name) {
  PutBytesField(family, 1, name);
  PutVarint(family, 3 << 3 | 0);
  PutVarint(family, 3);  // MetricType UNTYPED
}

// Whether the Accept header asks for delimited protobuf, as the Go client
// library's content negotiation decides it: a media range
// application/vnd.google.protobuf with proto=io.prometheus.client.MetricFamily
// and encoding=delimited, taken in the header's order against text/plain.
bool WantsProtobuf(std::string_view accept) {
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    auto trim = [](std::string_view v) {
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      return v;
    };
    size_t semi = range.find(';');
    std::string_view type = trim(range.substr(0, semi));
    std::string_view proto, encoding;
    while (semi != std::string_view::npos) {
      range = range.substr(semi + 1);
      semi = range.find(';');
      std::string_view param = trim(range.substr(0, semi));
      size_t eq = param.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view k = trim(param.substr(0, eq)), v = trim(param.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      if (k == "proto") proto = v;
      if (k == "encoding") encoding = v;
    }
    if (type == "application/vnd.google.protobuf" &&
        proto == "io.prometheus.client.MetricFamily") {
      if (encoding == "delimited") return true;
      continue;  // text/compact-text protobuf forms: not offered
    }
    if (type == "text/plain") return false;
  }
  return false;
}

}  // namespace

void API::Federate(const Request& req, Response& resp) const {
  if (!req.param_error.ok()) {
    PlainError(resp, 400, "error parsing form values: " + std::string(req.param_error.message()));
    return;
  }
  std::vector<std::string_view> selectors = req.FormValues("match[]");
  if (selectors.empty()) {
    PlainError(resp, 400, "no match[] parameter provided");
    return;
  }
  auto sets = ParseMatchers(selectors);
  if (!sets.ok()) {
    PlainError(resp, 400, sets.status().message());
    return;
  }
  const int64_t maxt = NowMs();
  const int64_t mint = maxt - (opts_.lookback_delta_ms > 0 ? opts_.lookback_delta_ms
                                                           : kDefaultLookbackMs);
  auto querier = opts_.db->NewQuerier(mint, maxt);
  if (!querier.ok()) {
    PlainError(resp, 500, querier.status().message());
    return;
  }
  storage::SelectHints hints;
  hints.start_ms = mint;
  hints.end_ms = maxt;
  std::vector<Latest> vec;
  for (const auto& ms : *sets) {
    auto set = (*querier)->Select(false, &hints, ms);
    while (set->Next()) {
      const storage::Series& s = set->At();
      if (s.Labels().MetricName().empty()) continue;  // nameless: ignored
      auto it = s.Iterator();
      bool found = false;
      int64_t t = 0;
      double v = 0;
      for (storage::ValueType vt = it->Seek(mint); vt != storage::ValueType::kNone;
           vt = it->Next()) {
        int64_t st = it->AtT();
        if (st > maxt) break;
        if (vt != storage::ValueType::kFloat) continue;  // histograms: not yet
        it->At(&t, &v);
        found = true;
      }
      if (Status err = it->Err(); !err.ok()) {
        PlainError(resp, 500, err.message());
        return;
      }
      if (!found || storage::IsStaleNaN(v)) continue;
      vec.push_back({s.Labels(), t, v});
    }
    if (Status err = set->Err(); !err.ok()) {
      PlainError(resp, 500, err.message());
      return;
    }
  }
  // By metric name, then labels; drop series matched twice.
  std::sort(vec.begin(), vec.end(), [](const Latest& a, const Latest& b) {
    int c = a.lset.MetricName().compare(b.lset.MetricName());
    if (c != 0) return c < 0;
    return a.lset < b.lset;
  });
  vec.erase(std::unique(vec.begin(), vec.end(),
                        [](const Latest& a, const Latest& b) { return a.lset == b.lset; }),
            vec.end());

  labels::Labels ext;
  if (opts_.external_labels) ext = opts_.external_labels();

  resp.status = 200;
  if (WantsProtobuf(req.Header("Accept"))) {
    resp.SetContentType(
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
        "encoding=delimited");
    std::string& b = resp.body;
    b.clear();
    b.reserve(vec.size() * 80);
    std::string family, metric, scratch;
    std::string_view name;
    for (const Latest& s : vec) {
      if (family.empty() || s.lset.MetricName() != name) {
        if (!family.empty()) FlushFamily(&b, &family);
        name = s.lset.MetricName();
        StartFamily(&family, name);
      }
      PutMetric(&family, &metric, &scratch, s, ext);
    }
    if (!family.empty()) FlushFamily(&b, &family);
    return;
  }
  resp.SetContentType("text/plain; version=0.0.4; charset=utf-8");
  std::string& b = resp.body;
  b.clear();
  b.reserve(vec.size() * 96);
  std::string_view family;
  bool have_family = false;
  for (const Latest& s : vec) {
    std::string_view name = s.lset.MetricName();
    if (!have_family || name != family) {
      b.append("# TYPE ");
      b.append(name);
      b.append(" untyped\n");
      family = name;
      have_family = true;
    }
    b.append(name);
    bool first = true;
    for (const labels::Label& l : s.lset) {
      if (l.name == labels::kMetricName) continue;
      AppendLabel(&b, &first, l);
    }
    for (const labels::Label& l : ext) {
      if (!s.lset.Has(l.name)) AppendLabel(&b, &first, l);
    }
    if (!first) b.push_back('}');
    b.push_back(' ');
    metrics::AppendFloat(&b, s.v);
    b.push_back(' ');
    char ts[24];
    auto [end, ec] = std::to_chars(ts, ts + sizeof(ts), s.t);
    b.append(ts, end);
    b.push_back('\n');
  }
}

}  // namespace ward::web::api::v1
