// GET /federate: the latest sample of every series matching match[] within
// the lookback delta before now, in the text exposition format 0.0.4, as
// Prometheus's web/federate.go serves it: series sorted by metric name, one
// `# TYPE <name> untyped` line per name, the configuration's external labels
// appended to series that lack them, millisecond timestamps, stale markers
// and series without a metric name skipped. A series matched by several
// selectors is written once. Clients asking for protobuf get text too.
#include <algorithm>
#include <charconv>
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

// A label value escaped for the text format (\\, \", \n).
void AppendEscaped(std::string* out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '"':
        out->append("\\\"");
        break;
      case '\n':
        out->append("\\n");
        break;
      default:
        out->push_back(c);
    }
  }
}

void AppendLabel(std::string* out, bool* first, const labels::Label& l) {
  out->push_back(*first ? '{' : ',');
  *first = false;
  out->append(l.name);
  out->append("=\"");
  AppendEscaped(out, l.value);
  out->push_back('"');
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
