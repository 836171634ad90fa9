// /api/v1/series, /api/v1/labels and /api/v1/label/:name/values.
#include <algorithm>
#include <string>
#include <vector>

#include "web/api/v1/handlers.h"
#include "web/api/v1/params.h"

namespace ward::web::api::v1 {

namespace {

// The parameters /series, /labels and /label/.../values share. Returns
// false after writing the error response.
struct SelectParams {
  int64_t limit = 0;
  int64_t start = kMinTimeMs;
  int64_t end = kMaxTimeMs;
  std::vector<std::vector<labels::Matcher>> matcher_sets;
};

// Prometheus names the parameter in a bad match[] error for /series only;
// /labels and /label/<name>/values return the bare parse error.
bool ParseSelectParams(const Request& req, Response& resp, SelectParams* p,
                       bool name_match_param) {
  if (!req.param_error.ok()) {
    WriteError(resp, ErrorType::kBadData,
               "error parsing form values: " + std::string(req.param_error.message()));
    return false;
  }
  auto limit = ParseLimit(req.FormValue("limit"));
  if (!limit.ok()) {
    WriteInvalidParam(resp, "limit", limit.status().message());
    return false;
  }
  p->limit = limit.value();
  auto start = ParseTimeParam("start", req.FormValue("start"), kMinTimeMs);
  if (!start.ok()) {
    WriteInvalidParam(resp, "start", start.status().message());
    return false;
  }
  p->start = start.value();
  auto end = ParseTimeParam("end", req.FormValue("end"), kMaxTimeMs);
  if (!end.ok()) {
    WriteInvalidParam(resp, "end", end.status().message());
    return false;
  }
  p->end = end.value();
  auto sets = ParseMatchers(req.FormValues("match[]"));
  if (!sets.ok()) {
    if (name_match_param) {
      WriteInvalidParam(resp, "match[]", sets.status().message());
    } else {
      WriteError(resp, ErrorType::kBadData, sets.status().message());
    }
    return false;
  }
  p->matcher_sets = std::move(sets).value();
  return true;
}

// Sorts and de-duplicates, then keeps `limit` (0: all) and warns when that
// dropped some.
void SortUniqueLimit(std::vector<std::string>* v, int64_t limit,
                     std::vector<std::string>* warnings) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
  if (limit > 0 && v->size() > static_cast<size_t>(limit)) {
    v->resize(static_cast<size_t>(limit));
    warnings->emplace_back(kTruncatedWarning);
  }
}

void WriteStrings(Response& resp, const std::vector<std::string>& v,
                  const std::vector<std::string>& warnings) {
  WriteSuccess(
      resp,
      [&](JsonWriter& w) {
        w.BeginArray();
        for (const auto& s : v) w.String(s);
        w.EndArray();
      },
      warnings);
}

}  // namespace

void API::Series(const Request& req, Response& resp) const {
  if (req.FormValues("match[]").empty() && req.param_error.ok()) {
    return WriteError(resp, ErrorType::kBadData, "no match[] parameter provided");
  }
  SelectParams p;
  if (!ParseSelectParams(req, resp, &p, /*name_match_param=*/true)) return;
  if (p.matcher_sets.empty()) {
    return WriteError(resp, ErrorType::kBadData, "no match[] parameter provided");
  }
  auto q = opts_.db->NewQuerier(p.start, p.end);
  if (!q.ok()) return WriteError(resp, ErrorTypeFor(q.status()), q.status().message());
  storage::SelectHints hints;
  hints.start_ms = p.start;
  hints.end_ms = p.end;
  hints.func = "series";

  std::vector<labels::Labels> out;
  std::vector<std::string> warnings;
  const size_t cap = p.limit > 0 ? static_cast<size_t>(p.limit) : SIZE_MAX;
  for (const auto& ms : p.matcher_sets) {
    auto set = q.value()->Select(true, &hints, ms);
    while (set->Next()) {
      out.push_back(set->At().Labels());
      // With one selector the set is sorted and unique: stop at limit + 1.
      if (p.matcher_sets.size() == 1 && out.size() > cap) break;
    }
    if (Status st = set->Err(); !st.ok()) {
      return WriteError(resp, ErrorTypeFor(st), st.message(), warnings);
    }
    for (auto& w : set->Warnings()) warnings.push_back(std::move(w));
  }
  if (p.matcher_sets.size() > 1) {
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  if (out.size() > cap) {
    out.resize(cap);
    warnings.emplace_back(kTruncatedWarning);
  }
  size_t est = 64;
  for (const auto& l : out) est += l.ByteSize() + 8 * l.size() + 4;
  resp.body.reserve(est);
  WriteSuccess(
      resp,
      [&](JsonWriter& w) {
        w.BeginArray();
        for (const auto& l : out) w.LabelSet(l);
        w.EndArray();
      },
      warnings);
}

void API::LabelNames(const Request& req, Response& resp) const {
  SelectParams p;
  if (!ParseSelectParams(req, resp, &p, /*name_match_param=*/false)) return;
  auto q = opts_.db->NewQuerier(p.start, p.end);
  if (!q.ok()) return WriteError(resp, ErrorTypeFor(q.status()), q.status().message());
  std::vector<std::string> names;
  std::vector<std::string> warnings;
  if (p.matcher_sets.empty()) {
    auto r = q.value()->LabelNames({});
    if (!r.ok()) return WriteError(resp, ErrorType::kExecution, r.status().message());
    names = std::move(r).value();
  } else {
    for (const auto& ms : p.matcher_sets) {
      auto r = q.value()->LabelNames(ms);
      if (!r.ok()) return WriteError(resp, ErrorType::kExecution, r.status().message());
      for (auto& n : r.value()) names.push_back(std::move(n));
    }
  }
  SortUniqueLimit(&names, p.limit, &warnings);
  WriteStrings(resp, names, warnings);
}

void API::LabelValues(const Request& req, Response& resp) const {
  std::string name = UnescapeLabelName(req.PathParam("name"));
  // Valid names are non-empty UTF-8 (Prometheus 3's default name scheme).
  if (name.empty() || !IsValidUtf8(name)) {
    return WriteError(resp, ErrorType::kBadData, "invalid label name: " + GoQuote(name));
  }
  SelectParams p;
  if (!ParseSelectParams(req, resp, &p, /*name_match_param=*/false)) return;
  auto q = opts_.db->NewQuerier(p.start, p.end);
  if (!q.ok()) return WriteError(resp, ErrorTypeFor(q.status()), q.status().message());
  std::vector<std::string> values;
  std::vector<std::string> warnings;
  if (p.matcher_sets.empty()) {
    auto r = q.value()->LabelValues(name, {});
    if (!r.ok()) return WriteError(resp, ErrorType::kExecution, r.status().message());
    values = std::move(r).value();
  } else {
    for (const auto& ms : p.matcher_sets) {
      auto r = q.value()->LabelValues(name, ms);
      if (!r.ok()) return WriteError(resp, ErrorType::kExecution, r.status().message());
      for (auto& v : r.value()) values.push_back(std::move(v));
    }
  }
  SortUniqueLimit(&values, p.limit, &warnings);
  WriteStrings(resp, values, warnings);
}

}  // namespace ward::web::api::v1
