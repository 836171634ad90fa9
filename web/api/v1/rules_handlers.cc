// /api/v1/rules, /api/v1/alerts and /api/v1/alertmanagers, shaped as
// Prometheus 3.x's: groups with their rules in file order, alerting rules
// with state, `for` / keep_firing_for in seconds, active alerts (value in
// Go's 'e' form, activeAt as RFC 3339), health, lastError, evaluation time.
// /rules takes type, rule_name[], rule_group[], file[], exclude_alerts,
// match[] (on the rules' configured labels), group_limit and
// group_next_token; groups left without rules are not listed.
#include <charconv>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rules/alerting.h"
#include "rules/group.h"
#include "rules/manager.h"
#include "util/gostr.h"
#include "web/api/v1/handlers.h"
#include "web/api/v1/params.h"

namespace ward::web::api::v1 {

namespace {

void WriteAlert(JsonWriter& w, const rules::ActiveAlert& a) {
  w.BeginObject();
  w.Key("labels");
  w.LabelSet(a.labels);
  w.Key("annotations");
  w.LabelSet(a.annotations);
  w.Key("state");
  w.String(rules::AlertStateString(a.state));
  if (a.active_at_ms != 0) {
    w.Key("activeAt");
    w.String(FormatRFC3339Millis(a.active_at_ms));
  }
  if (a.keep_firing_since_ms != 0) {
    w.Key("keepFiringSince");
    w.String(FormatRFC3339Millis(a.keep_firing_since_ms));
  }
  w.Key("value");
  // Go's strconv.FormatFloat(value, 'e', -1, 64): "1e+00".
  std::string v = "\"";
  gostr::AppendFloatE(&v, a.value);
  v.push_back('"');
  w.Raw(v);
  w.EndObject();
}

// The 16 hex digits naming a group in pagination tokens.
std::string GroupToken(const rules::Group& g) {
  labels::Labels l{{"file", g.file()}, {"name", g.name()}};
  char buf[17];
  uint64_t h = l.Hash();
  for (int i = 15; i >= 0; --i, h >>= 4) buf[i] = "0123456789abcdef"[h & 15];
  return std::string(buf, 16);
}

bool MatchesAnySet(const labels::Labels& ls,
                   const std::vector<std::vector<labels::Matcher>>& sets) {
  if (sets.empty()) return true;
  for (const auto& set : sets) {
    if (MatchesAll(ls, set)) return true;
  }
  return false;
}

std::set<std::string, std::less<>> ValueSet(const Request& req, std::string_view key) {
  std::set<std::string, std::less<>> out;
  for (std::string_view v : req.FormValues(key)) {
    if (!v.empty()) out.emplace(v);
  }
  return out;
}

}  // namespace

void API::Rules(const Request& req, Response& resp) const {
  std::string type(req.FormValue("type"));
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!type.empty() && type != "alert" && type != "record") {
    return WriteInvalidParam(resp, "type", "not supported value " + GoQuote(type));
  }
  const bool want_alerting = type.empty() || type == "alert";
  const bool want_recording = type.empty() || type == "record";
  bool exclude_alerts = false;
  if (std::string_view ea = req.FormValue("exclude_alerts"); !ea.empty()) {
    if (!ParseGoBool(ea, &exclude_alerts)) {
      return WriteInvalidParam(resp, "exclude_alerts",
                               "strconv.ParseBool: parsing " + GoQuote(ea) + ": invalid syntax");
    }
  }
  std::vector<std::vector<labels::Matcher>> match_sets;
  if (std::vector<std::string_view> sel = req.FormValues("match[]"); !sel.empty()) {
    auto sets = ParseMatchers(sel);
    if (!sets.ok()) return WriteInvalidParam(resp, "match[]", sets.status().message());
    match_sets = std::move(sets).value();
  }
  int64_t group_limit = 0;
  if (std::string_view gl = req.FormValue("group_limit"); !gl.empty()) {
    auto [p, ec] = std::from_chars(gl.data(), gl.data() + gl.size(), group_limit);
    if (ec != std::errc() || p != gl.data() + gl.size() || group_limit <= 0) {
      return WriteInvalidParam(resp, "group_limit", "group_limit needs to be greater than 0");
    }
  }
  std::string_view next_token = req.FormValue("group_next_token");
  if (!next_token.empty() && group_limit == 0) {
    return WriteInvalidParam(resp, "group_next_token",
                             "group_limit needs to be present in order to paginate over the "
                             "groups");
  }
  const auto names = ValueSet(req, "rule_name[]");
  const auto group_names = ValueSet(req, "rule_group[]");
  const auto files = ValueSet(req, "file[]");

  std::vector<std::shared_ptr<rules::Group>> groups;
  if (opts_.rules != nullptr) groups = opts_.rules->RuleGroups();
  if (!next_token.empty()) {
    bool found = false;
    for (const auto& g : groups) found = found || GroupToken(*g) == next_token;
    if (!found) {
      return WriteInvalidParam(resp, "group_next_token",
                               "error: \"" + std::string(next_token) + "\" not found");
    }
  }

  WriteSuccess(resp, [&](JsonWriter& w) {
    w.BeginObject();
    w.Key("groups");
    w.BeginArray();
    int64_t written = 0;
    bool skipping = !next_token.empty();
    std::string more;
    for (const auto& g : groups) {
      if (skipping) {
        if (GroupToken(*g) != next_token) continue;
        skipping = false;
      }
      if (!group_names.empty() && !group_names.count(g->name())) continue;
      if (!files.empty() && !files.count(g->file())) continue;
      std::vector<const rules::Rule*> picked;
      for (const auto& r : g->rules()) {
        if (!names.empty() && !names.count(r->Name())) continue;
        if (r->IsAlerting() ? !want_alerting : !want_recording) continue;
        if (!MatchesAnySet(r->Labels(), match_sets)) continue;
        picked.push_back(r.get());
      }
      if (picked.empty()) continue;
      if (group_limit > 0 && written == group_limit) {
        more = GroupToken(*g);
        break;
      }
      written++;
      w.BeginObject();
      w.Key("name");
      w.String(g->name());
      w.Key("file");
      w.String(g->file());
      w.Key("rules");
      w.BeginArray();
      for (const rules::Rule* r : picked) {
        w.BeginObject();
        const auto* ar = r->IsAlerting() ? static_cast<const rules::AlertingRule*>(r) : nullptr;
        if (ar != nullptr) {
          w.Key("state");
          w.String(rules::AlertStateString(ar->State()));
        }
        w.Key("name");
        w.String(r->Name());
        w.Key("query");
        w.String(r->Query());
        if (ar != nullptr) {
          w.Key("duration");
          w.Double(static_cast<double>(ar->Duration()) / 1000);
          w.Key("keepFiringFor");
          w.Double(static_cast<double>(ar->KeepFiringFor()) / 1000);
        }
        w.Key("labels");
        w.LabelSet(r->Labels());
        if (ar != nullptr) {
          w.Key("annotations");
          w.LabelSet(ar->Annotations());
          w.Key("alerts");
          if (exclude_alerts) {
            w.Null();
          } else {
            w.BeginArray();
            for (const rules::ActiveAlert& a : ar->ActiveAlerts()) WriteAlert(w, a);
            w.EndArray();
          }
        }
        w.Key("health");
        w.String(rules::HealthString(r->health()));
        if (std::string err = r->last_error(); !err.empty()) {
          w.Key("lastError");
          w.String(err);
        }
        w.Key("evaluationTime");
        w.Double(r->evaluation_seconds());
        w.Key("lastEvaluation");
        w.String(FormatRFC3339Millis(r->last_evaluation_ms()));
        w.Key("type");
        w.String(ar != nullptr ? "alerting" : "recording");
        w.EndObject();
      }
      w.EndArray();
      w.Key("interval");
      w.Double(static_cast<double>(g->interval_ms()) / 1000);
      w.Key("limit");
      w.Int(g->limit());
      w.Key("evaluationTime");
      w.Double(g->evaluation_seconds());
      w.Key("lastEvaluation");
      w.String(FormatRFC3339Millis(g->last_evaluation_ms()));
      w.EndObject();
    }
    w.EndArray();
    if (!more.empty()) {
      w.Key("groupNextToken");
      w.String(more);
    }
    w.EndObject();
  });
}

void API::Alerts(const Request& req, Response& resp) const {
  std::vector<std::shared_ptr<rules::AlertingRule>> ars;
  if (opts_.rules != nullptr) ars = opts_.rules->AlertingRules();
  WriteSuccess(resp, [&](JsonWriter& w) {
    w.BeginObject();
    w.Key("alerts");
    w.BeginArray();
    for (const auto& r : ars) {
      for (const rules::ActiveAlert& a : r->ActiveAlerts()) WriteAlert(w, a);
    }
    w.EndArray();
    w.EndObject();
  });
}

void API::Alertmanagers(const Request& req, Response& resp) const {
  std::vector<AlertmanagerURL> ams;
  if (opts_.alertmanagers) ams = opts_.alertmanagers();
  WriteSuccess(resp, [&](JsonWriter& w) {
    w.BeginObject();
    for (bool dropped : {false, true}) {
      w.Key(dropped ? "droppedAlertmanagers" : "activeAlertmanagers");
      w.BeginArray();
      for (const AlertmanagerURL& am : ams) {
        if (am.dropped != dropped) continue;
        w.BeginObject();
        w.Key("url");
        w.String(am.url);
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
  });
}

}  // namespace ward::web::api::v1
