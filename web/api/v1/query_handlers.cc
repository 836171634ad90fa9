// /api/v1/query, /query_range, /format_query and /query_exemplars.
#include <algorithm>
#include <string>
#include <variant>

#include "promql/parser/parse.h"
#include "web/api/v1/handlers.h"
#include "web/api/v1/params.h"

namespace ward::web::api::v1 {

namespace {

// Prometheus caps a range query at this many steps per series.
constexpr int64_t kMaxPoints = 11000;

// Writes {"resultType":...,"result":...}, keeping at most `limit` series of
// a vector or matrix (0: all). Sets *truncated when it dropped some.
void WriteQueryData(JsonWriter& w, const promql::Value& v, int64_t limit, bool* truncated,
                    const promql::QueryStats* stats) {
  w.BeginObject();
  w.Key("resultType");
  w.String(promql::ValueTypeName(v));
  w.Key("result");
  if (const auto* vec = std::get_if<promql::Vector>(&v)) {
    size_t n = vec->size();
    if (limit > 0 && n > static_cast<size_t>(limit)) {
      n = static_cast<size_t>(limit);
      *truncated = true;
    }
    w.BeginArray();
    for (size_t i = 0; i < n; i++) {
      const promql::Sample& s = (*vec)[i];
      w.BeginObject();
      w.Key("metric");
      w.LabelSet(s.metric);
      w.Key("value");
      w.BeginArray();
      w.Timestamp(s.t);
      w.SampleValue(s.f);
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
  } else if (const auto* mat = std::get_if<promql::Matrix>(&v)) {
    size_t n = mat->size();
    if (limit > 0 && n > static_cast<size_t>(limit)) {
      n = static_cast<size_t>(limit);
      *truncated = true;
    }
    w.BeginArray();
    for (size_t i = 0; i < n; i++) {
      const promql::Series& s = (*mat)[i];
      w.BeginObject();
      w.Key("metric");
      w.LabelSet(s.metric);
      w.Key("values");
      w.BeginArray();
      for (const promql::FPoint& p : s.floats) {
        w.BeginArray();
        w.Timestamp(p.t);
        w.SampleValue(p.f);
        w.EndArray();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
  } else if (const auto* sc = std::get_if<promql::Scalar>(&v)) {
    w.BeginArray();
    w.Timestamp(sc->t);
    w.SampleValue(sc->v);
    w.EndArray();
  } else if (const auto* str = std::get_if<promql::String>(&v)) {
    w.BeginArray();
    w.Timestamp(str->t);
    w.String(str->v);
    w.EndArray();
  }
  if (stats != nullptr) {
    // Prometheus's basic stats (stats=true).
    w.Key("stats");
    w.BeginObject();
    w.Key("timings");
    w.BeginObject();
    w.Key("evalTotalTime");
    w.Double(stats->eval_seconds);
    w.Key("resultSortTime");
    w.Double(stats->sort_seconds);
    w.Key("queryPreparationTime");
    w.Double(stats->prepare_seconds);
    w.Key("innerEvalTime");
    w.Double(stats->inner_eval_seconds);
    w.Key("execQueueTime");
    w.Double(stats->queue_seconds);
    w.Key("execTotalTime");
    w.Double(stats->exec_seconds);
    w.EndObject();
    w.Key("samples");
    w.BeginObject();
    w.Key("totalQueryableSamples");
    w.Int(stats->total_samples);
    w.Key("peakSamples");
    w.Int(stats->peak_samples);
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
}

// A rough size of the JSON for `v`, to reserve the body once.
size_t EstimateSize(const promql::Value& v) {
  size_t n = 128;
  if (const auto* vec = std::get_if<promql::Vector>(&v)) {
    for (const auto& s : *vec) n += s.metric.ByteSize() + 64;
  } else if (const auto* mat = std::get_if<promql::Matrix>(&v)) {
    for (const auto& s : *mat) n += s.metric.ByteSize() + 48 + s.floats.size() * 28;
  }
  return n;
}

// The parameters both query endpoints share; false after writing the error.
struct CommonQueryParams {
  int64_t limit = 0;
  int64_t lookback_ms = 0;
  int64_t timeout_ms = 0;  // 0: the engine's --query.timeout only
};

bool ParseTimeoutAndLookback(const Request& req, Response& resp, CommonQueryParams* p,
                             int64_t default_lookback_ms) {
  // `timeout` shortens this query's deadline (the engine's --query.timeout
  // still bounds it), as a Go context deadline does in Prometheus.
  if (std::string_view to = req.FormValue("timeout"); !to.empty()) {
    auto d = ParseDurationNs(to);
    if (!d.ok()) {
      WriteInvalidParam(resp, "timeout", d.status().message());
      return false;
    }
    // A zero or negative timeout is already past: the query times out.
    p->timeout_ms = d.value() > 0 ? std::max<int64_t>(1, d.value() / 1000000) : 1;
  }
  p->lookback_ms = default_lookback_ms;
  if (std::string_view lb = req.FormValue("lookback_delta"); !lb.empty()) {
    auto d = ParseDurationNs(lb);
    if (!d.ok()) {
      WriteError(resp, ErrorType::kBadData,
                 "error parsing lookback delta duration: " + std::string(d.status().message()));
      return false;
    }
    if (d.value() > 0) p->lookback_ms = d.value() / 1000000;
  }
  return true;
}

void WriteEngineResult(Response& resp, const std::string& query, Result<promql::QueryResult>& r,
                       int64_t limit, bool with_stats) {
  if (!r.ok()) {
    const Status& st = r.status();
    ErrorType t = ErrorTypeFor(st);
    if (t == ErrorType::kBadData) {
      WriteInvalidParam(resp, "query", st.message());
    } else {
      WriteError(resp, t, st.message());
    }
    return;
  }
  const promql::QueryResult& qr = r.value();
  std::vector<std::string> warnings = qr.annotations.Warnings(query);
  std::vector<std::string> infos = qr.annotations.Infos(query);
  bool truncated = false;
  resp.body.reserve(EstimateSize(qr.value));
  std::string& body = resp.body;
  resp.status = 200;
  resp.SetContentType("application/json");
  body.clear();
  body.append(R"({"status":"success","data":)");
  JsonWriter w(&body);
  WriteQueryData(w, qr.value, limit, &truncated, with_stats ? &qr.stats : nullptr);
  if (truncated) warnings.emplace_back(kTruncatedWarning);
  AppendStringArray(&body, "warnings", warnings);
  AppendStringArray(&body, "infos", infos);
  body.push_back('}');
}

}  // namespace

void API::Query(const Request& req, Response& resp) const {
  CommonQueryParams p;
  auto limit = ParseLimit(req.FormValue("limit"));
  if (!limit.ok()) return WriteInvalidParam(resp, "limit", limit.status().message());
  p.limit = limit.value();
  auto time = ParseTimeParam("time", req.FormValue("time"), 0);
  if (!time.ok()) return WriteInvalidParam(resp, "time", time.status().message());
  const int64_t ts = req.FormValue("time").empty() ? NowMs() : time.value();
  if (!ParseTimeoutAndLookback(req, resp, &p, opts_.lookback_delta_ms)) return;

  std::string query(req.FormValue("query"));
  auto expr = promql::parser::ParseExpr(query, opts_.engine->ParseOpts());
  if (!expr.ok()) return WriteInvalidParam(resp, "query", expr.status().message());
  auto r = opts_.engine->InstantQuery(*opts_.db, *expr.value(), ts, p.lookback_ms,
                                      p.timeout_ms);
  WriteEngineResult(resp, query, r, p.limit, !req.FormValue("stats").empty());
}

void API::QueryRange(const Request& req, Response& resp) const {
  CommonQueryParams p;
  auto limit = ParseLimit(req.FormValue("limit"));
  if (!limit.ok()) return WriteInvalidParam(resp, "limit", limit.status().message());
  p.limit = limit.value();
  auto start = ParseTime(req.FormValue("start"));
  if (!start.ok()) return WriteInvalidParam(resp, "start", start.status().message());
  auto end = ParseTime(req.FormValue("end"));
  if (!end.ok()) return WriteInvalidParam(resp, "end", end.status().message());
  if (end.value() < start.value()) {
    return WriteInvalidParam(resp, "end", "end timestamp must not be before start time");
  }
  auto step = ParseDurationNs(req.FormValue("step"));
  if (!step.ok()) return WriteInvalidParam(resp, "step", step.status().message());
  // Steps under a millisecond cannot be evaluated (the engine works in ms).
  if (step.value() < 1000000) {
    return WriteInvalidParam(resp, "step",
                             "zero or negative query resolution step widths "
                             "are not accepted. Try a positive integer");
  }
  // (end - start) / step in nanoseconds, as Go's Duration division.
  const __int128 range_ns =
      (static_cast<__int128>(end.value()) - static_cast<__int128>(start.value())) * 1000000;
  if (range_ns / step.value() > kMaxPoints) {
    return WriteError(resp, ErrorType::kBadData,
                      "exceeded maximum resolution of 11,000 points per timeseries. Try "
                      "decreasing the query resolution (?step=XX)");
  }
  if (!ParseTimeoutAndLookback(req, resp, &p, opts_.lookback_delta_ms)) return;

  std::string query(req.FormValue("query"));
  auto expr = promql::parser::ParseExpr(query, opts_.engine->ParseOpts());
  if (!expr.ok()) return WriteInvalidParam(resp, "query", expr.status().message());
  auto r = opts_.engine->RangeQuery(*opts_.db, *expr.value(), start.value(), end.value(),
                                    step.value() / 1000000, p.lookback_ms, p.timeout_ms);
  WriteEngineResult(resp, query, r, p.limit, !req.FormValue("stats").empty());
}

void API::FormatQuery(const Request& req, Response& resp) const {
  auto expr = promql::parser::ParseExpr(req.FormValue("query"), opts_.engine->ParseOpts());
  if (!expr.ok()) return WriteInvalidParam(resp, "query", expr.status().message());
  std::string pretty = promql::parser::Prettify(*expr.value());
  WriteSuccess(resp, [&](JsonWriter& w) { w.String(pretty); });
}

void API::QueryExemplars(const Request& req, Response& resp) const {
  auto start = ParseTimeParam("start", req.FormValue("start"), kMinTimeMs);
  if (!start.ok()) return WriteInvalidParam(resp, "start", start.status().message());
  auto end = ParseTimeParam("end", req.FormValue("end"), kMaxTimeMs);
  if (!end.ok()) return WriteInvalidParam(resp, "end", end.status().message());
  if (end.value() < start.value()) {
    return WriteError(resp, ErrorType::kBadData,
                      "end timestamp must not be before start timestamp");
  }
  auto expr = promql::parser::ParseExpr(req.FormValue("query"), opts_.engine->ParseOpts());
  if (!expr.ok()) return WriteError(resp, ErrorType::kBadData, expr.status().message());
  // ward stores no exemplars yet.
  WriteSuccess(resp, [](JsonWriter& w) { w.Raw("[]"); });
}

}  // namespace ward::web::api::v1
