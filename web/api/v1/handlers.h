// Internal to web/api/v1: the API object whose methods serve each endpoint,
// and the helpers that frame a success response. Split by endpoint group:
// query_handlers.cc (query, query_range, format_query, exemplars),
// parse_query.cc (the query's syntax tree as JSON),
// series_handlers.cc (series, labels, label values), status_handlers.cc
// (targets, scrape pools, rules/alerts shapes, status/*), tsdb_status.cc
// (status/tsdb, status/walreplay), federate.cc (/federate), admin.cc
// (admin/tsdb/*).
// Thread safety: API is immutable after construction; methods are const
// and may run concurrently.
#pragma once

#include <string>
#include <vector>

#include "web/api/v1/api.h"
#include "web/api/v1/json.h"
#include "web/request.h"

namespace ward::web::api::v1 {

class API {
 public:
  explicit API(APIOptions opts);

  void Query(const Request& req, Response& resp) const;
  void QueryRange(const Request& req, Response& resp) const;
  void FormatQuery(const Request& req, Response& resp) const;
  void ParseQuery(const Request& req, Response& resp) const;
  void QueryExemplars(const Request& req, Response& resp) const;

  void Series(const Request& req, Response& resp) const;
  void LabelNames(const Request& req, Response& resp) const;
  void LabelValues(const Request& req, Response& resp) const;

  void Targets(const Request& req, Response& resp) const;
  void ScrapePools(const Request& req, Response& resp) const;
  void TargetsMetadata(const Request& req, Response& resp) const;
  void Metadata(const Request& req, Response& resp) const;
  void Rules(const Request& req, Response& resp) const;
  void Alerts(const Request& req, Response& resp) const;
  void Alertmanagers(const Request& req, Response& resp) const;
  void StatusConfig(const Request& req, Response& resp) const;
  void StatusFlags(const Request& req, Response& resp) const;
  void StatusRuntimeInfo(const Request& req, Response& resp) const;
  void StatusBuildInfo(const Request& req, Response& resp) const;
  void StatusTSDB(const Request& req, Response& resp) const;
  void StatusWALReplay(const Request& req, Response& resp) const;

  // GET /federate (federate.cc): text exposition, not JSON.
  void Federate(const Request& req, Response& resp) const;

  // POST|PUT /admin/tsdb/{snapshot,delete_series,clean_tombstones}
  // (admin.cc), each 503 "admin APIs disabled" unless opts.enable_admin.
  void AdminSnapshot(const Request& req, Response& resp) const;
  void AdminDeleteSeries(const Request& req, Response& resp) const;
  void AdminCleanTombstones(const Request& req, Response& resp) const;

  int64_t NowMs() const;
  // The targets' globalUrl for `scrape_url` (Prometheus's getGlobalURL).
  std::string GlobalURL(const std::string& scrape_url) const;

 private:
  // False, after writing the "admin APIs disabled" error, unless enabled.
  bool AdminEnabled(Response& resp) const;

  const APIOptions opts_;
};

// `invalid parameter "name": msg` as bad_data.
void WriteInvalidParam(Response& resp, std::string_view name, std::string_view msg);

// Appends `,"key":["a","b"]` when `items` is not empty.
void AppendStringArray(std::string* out, std::string_view key,
                       const std::vector<std::string>& items);

// Frames a success response: {"status":"success","data":<write_data>,
// "warnings":[...],"infos":[...]} with status 200 and application/json.
template <typename F>
void WriteSuccess(Response& resp, F&& write_data, const std::vector<std::string>& warnings = {},
                  const std::vector<std::string>& infos = {}) {
  resp.status = 200;
  resp.SetContentType("application/json");
  std::string& b = resp.body;
  b.clear();
  b.append(R"({"status":"success","data":)");
  JsonWriter w(&b);
  write_data(w);
  AppendStringArray(&b, "warnings", warnings);
  AppendStringArray(&b, "infos", infos);
  b.push_back('}');
}

inline constexpr std::string_view kTruncatedWarning = "results truncated due to limit";

}  // namespace ward::web::api::v1
