#include "web/api/v1/api.h"

#include <chrono>
#include <memory>
#include <utility>

#include "web/api/v1/handlers.h"

namespace ward::web::api::v1 {

std::string_view ErrorTypeName(ErrorType t) {
  switch (t) {
    case ErrorType::kBadData:
      return "bad_data";
    case ErrorType::kExecution:
      return "execution";
    case ErrorType::kTimeout:
      return "timeout";
    case ErrorType::kCanceled:
      return "canceled";
    case ErrorType::kUnavailable:
      return "unavailable";
    case ErrorType::kNotFound:
      return "not_found";
    case ErrorType::kInternal:
      return "internal";
  }
  return "internal";
}

int HttpStatusFor(ErrorType t) {
  switch (t) {
    case ErrorType::kBadData:
      return 400;
    case ErrorType::kExecution:
      return 422;
    case ErrorType::kTimeout:
    case ErrorType::kCanceled:
    case ErrorType::kUnavailable:
      return 503;
    case ErrorType::kNotFound:
      return 404;
    case ErrorType::kInternal:
      return 500;
  }
  return 500;
}

ErrorType ErrorTypeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return ErrorType::kBadData;
    case StatusCode::kTimeout:
      return ErrorType::kTimeout;
    case StatusCode::kCanceled:
      return ErrorType::kCanceled;
    case StatusCode::kUnavailable:
      return ErrorType::kUnavailable;
    case StatusCode::kNotFound:
      return ErrorType::kNotFound;
    case StatusCode::kExecution:
    case StatusCode::kRejected:
      return ErrorType::kExecution;
    default:
      return ErrorType::kInternal;  // I/O, corruption, internal
  }
}

void AppendStringArray(std::string* out, std::string_view key,
                       const std::vector<std::string>& items) {
  if (items.empty()) return;
  out->push_back(',');
  AppendJsonString(out, key);
  out->append(":[");
  for (size_t i = 0; i < items.size(); i++) {
    if (i > 0) out->push_back(',');
    AppendJsonString(out, items[i]);
  }
  out->push_back(']');
}

void WriteError(Response& resp, ErrorType type, std::string_view msg,
                const std::vector<std::string>& warnings, const std::vector<std::string>& infos) {
  resp.status = HttpStatusFor(type);
  resp.SetContentType("application/json");
  std::string& b = resp.body;
  b.clear();
  b.append(R"({"status":"error","errorType":)");
  AppendJsonString(&b, ErrorTypeName(type));
  b.append(R"(,"error":)");
  AppendJsonString(&b, msg);
  AppendStringArray(&b, "warnings", warnings);
  AppendStringArray(&b, "infos", infos);
  b.push_back('}');
}

void WriteInvalidParam(Response& resp, std::string_view name, std::string_view msg) {
  std::string text = "invalid parameter \"";
  text.append(name);
  text.append("\": ");
  text.append(msg);
  WriteError(resp, ErrorType::kBadData, text);
}

API::API(APIOptions opts) : opts_(std::move(opts)) {}

int64_t API::NowMs() const {
  if (opts_.now_ms) return opts_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

// Prometheus's CORS headers (default --web.cors.origin '.*'), set only when
// the request carries an Origin header.
void SetCORS(const Request& req, Response& resp) {
  if (req.Header("Origin").empty()) return;
  resp.SetHeader("Access-Control-Allow-Headers", "Accept, Authorization, Content-Type, Origin");
  resp.SetHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  resp.SetHeader("Access-Control-Expose-Headers", "Date");
  resp.SetHeader("Vary", "Origin");
  resp.SetHeader("Access-Control-Allow-Origin", "*");
}

using Method = void (API::*)(const Request&, Response&) const;

}  // namespace

void RegisterAPI(web::Server& server, APIOptions opts) {
  const bool ready = opts.require_ready;
  auto api = std::make_shared<const API>(std::move(opts));
  auto add = [&](const char* method, const char* path, Method m, bool offload) {
    server.Handle(
        method, std::string("/api/v1") + path,
        [api, m](const Request& req, Response& resp) {
          SetCORS(req, resp);
          ((*api).*m)(req, resp);
        },
        RouteOptions{offload, ready});
  };
  // Both GET and POST (form-encoded bodies), as Prometheus allows.
  auto get_post = [&](const char* path, Method m, bool offload) {
    add("GET", path, m, offload);
    add("POST", path, m, offload);
  };
  get_post("/query", &API::Query, true);
  get_post("/query_range", &API::QueryRange, true);
  get_post("/query_exemplars", &API::QueryExemplars, true);
  get_post("/format_query", &API::FormatQuery, true);
  get_post("/parse_query", &API::ParseQuery, true);
  get_post("/series", &API::Series, true);
  get_post("/labels", &API::LabelNames, true);
  add("GET", "/label/:name/values", &API::LabelValues, true);

  add("GET", "/targets", &API::Targets, false);
  add("GET", "/scrape_pools", &API::ScrapePools, false);
  add("GET", "/targets/metadata", &API::TargetsMetadata, false);
  add("GET", "/metadata", &API::Metadata, false);
  add("GET", "/rules", &API::Rules, false);
  add("GET", "/alerts", &API::Alerts, false);
  add("GET", "/alertmanagers", &API::Alertmanagers, false);
  add("GET", "/status/config", &API::StatusConfig, true);
  add("GET", "/status/flags", &API::StatusFlags, false);
  add("GET", "/status/runtimeinfo", &API::StatusRuntimeInfo, false);
  add("GET", "/status/buildinfo", &API::StatusBuildInfo, false);
  add("GET", "/status/tsdb", &API::StatusTSDB, true);
  add("GET", "/status/walreplay", &API::StatusWALReplay, false);

  // Admin TSDB actions: POST and PUT, as Prometheus registers them.
  for (const char* m : {"POST", "PUT"}) {
    add(m, "/admin/tsdb/snapshot", &API::AdminSnapshot, true);
    add(m, "/admin/tsdb/delete_series", &API::AdminDeleteSeries, true);
    add(m, "/admin/tsdb/clean_tombstones", &API::AdminCleanTombstones, true);
  }

  // Federation lives beside the API, not under /api/v1 (and without CORS).
  server.Handle(
      "GET", "/federate", [api](const Request& req, Response& resp) { api->Federate(req, resp); },
      RouteOptions{true, ready});

  // CORS preflight: 204 with the CORS headers.
  server.Handle(
      "OPTIONS", "/api/v1/*path",
      [](const Request& req, Response& resp) {
        SetCORS(req, resp);
        resp.status = 204;
        resp.body.clear();
      },
      RouteOptions{false, ready});
}

}  // namespace ward::web::api::v1
