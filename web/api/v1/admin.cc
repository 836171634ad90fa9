// The admin TSDB endpoints under /api/v1/admin/tsdb/ (snapshot,
// delete_series, clean_tombstones), served only with
// --web.enable-admin-api. Without it each answers as Prometheus does: 503,
// errorType "unavailable", error "admin APIs disabled".
#include <time.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "web/api/v1/handlers.h"
#include "web/api/v1/params.h"

namespace ward::web::api::v1 {

namespace {

void WriteNoContent(Response& resp) {
  resp.status = 204;
  resp.body.clear();
}

}  // namespace

std::string SnapshotName(int64_t now_ms, uint64_t rnd) {
  time_t secs = static_cast<time_t>(now_ms >= 0 ? now_ms / 1000 : (now_ms - 999) / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[64];
  snprintf(buf, sizeof(buf), "%04d%02d%02dT%02d%02d%02dZ-%016llx", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           static_cast<unsigned long long>(rnd));
  return buf;
}

uint64_t SnapshotRandom() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen() >> 1;  // as Go's rand.Int63: 63 bits
}

bool API::AdminEnabled(Response& resp) const {
  if (opts_.enable_admin) return true;
  WriteError(resp, ErrorType::kUnavailable, "admin APIs disabled");
  return false;
}

void API::AdminSnapshot(const Request& req, Response& resp) const {
  if (!AdminEnabled(resp)) return;
  bool skip_head = false;
  std::string_view v = req.FormValue("skip_head");
  if (!v.empty() && !ParseGoBool(v, &skip_head)) {
    WriteInvalidParam(resp, "skip_head",
                      "unable to parse boolean: strconv.ParseBool: parsing " + GoQuote(v) +
                          ": invalid syntax");
    return;
  }
  if (!opts_.snapshot) {
    WriteError(resp, ErrorType::kInternal, "create snapshot: no TSDB to snapshot");
    return;
  }
  Result<std::string> name = opts_.snapshot(skip_head);
  if (!name.ok()) {
    WriteError(resp, ErrorType::kInternal,
               "create snapshot: " + std::string(name.status().message()));
    return;
  }
  WriteSuccess(resp, [&](JsonWriter& w) {
    w.BeginObject();
    w.Key("name");
    w.String(name.value());
    w.EndObject();
  });
}

void API::AdminDeleteSeries(const Request& req, Response& resp) const {
  if (!AdminEnabled(resp)) return;
  if (!req.param_error.ok()) {
    WriteError(resp, ErrorType::kBadData,
               "error parsing form values: " + std::string(req.param_error.message()));
    return;
  }
  std::vector<std::string_view> selectors = req.FormValues("match[]");
  if (selectors.empty()) {
    WriteError(resp, ErrorType::kBadData, "no match[] parameter provided");
    return;
  }
  auto start = ParseTimeParam("start", req.FormValue("start"), kMinTimeMs);
  if (!start.ok()) {
    WriteInvalidParam(resp, "start", start.status().message());
    return;
  }
  auto end = ParseTimeParam("end", req.FormValue("end"), kMaxTimeMs);
  if (!end.ok()) {
    WriteInvalidParam(resp, "end", end.status().message());
    return;
  }
  auto sets = ParseMatchers(selectors);
  if (!sets.ok()) {
    WriteInvalidParam(resp, "match[]", sets.status().message());
    return;
  }
  if (!opts_.delete_series) {
    WriteError(resp, ErrorType::kInternal, "deleting series is not supported by this storage");
    return;
  }
  for (const auto& ms : sets.value()) {
    Status s = opts_.delete_series(start.value(), end.value(), ms);
    if (!s.ok()) {
      WriteError(resp, ErrorType::kInternal, std::string(s.message()));
      return;
    }
  }
  WriteNoContent(resp);
}

void API::AdminCleanTombstones(const Request& req, Response& resp) const {
  if (!AdminEnabled(resp)) return;
  if (!opts_.clean_tombstones) {
    WriteError(resp, ErrorType::kInternal, "clean tombstones: not supported by this storage");
    return;
  }
  Status s = opts_.clean_tombstones();
  if (!s.ok()) {
    WriteError(resp, ErrorType::kInternal, "clean tombstones: " + std::string(s.message()));
    return;
  }
  WriteNoContent(resp);
}

}  // namespace ward::web::api::v1
