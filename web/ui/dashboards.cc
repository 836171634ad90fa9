#include "web/ui/dashboards.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "util/gostr.h"

namespace ward::web::ui {

namespace {

constexpr size_t kMaxDashboardBytes = 1 << 20;

// "line N" of a node (yaml-cpp marks are 0-based; -1 when unknown).
std::string At(const YAML::Node &n) {
  if (n.Mark().line < 0)
    return "";
  return " (line " + std::to_string(n.Mark().line + 1) + ")";
}

Status Bad(const YAML::Node &n, std::string_view what) {
  return Status::InvalidArgument(std::string(what) + At(n));
}

// Reads an optional scalar string field.
Status GetString(const YAML::Node &m, const char *key, std::string *out) {
  YAML::Node v = m[key];
  if (!v || v.IsNull())
    return Status::OK();
  if (!v.IsScalar())
    return Bad(v, std::string("field \"") + key + "\" must be a string");
  *out = v.Scalar();
  return Status::OK();
}

Status GetBool(const YAML::Node &m, const char *key, bool *out) {
  YAML::Node v = m[key];
  if (!v || v.IsNull())
    return Status::OK();
  const std::string &s = v.IsScalar() ? v.Scalar() : std::string();
  if (s == "true") {
    *out = true;
  } else if (s == "false") {
    *out = false;
  } else {
    return Bad(v, std::string("field \"") + key + "\" must be true or false");
  }
  return Status::OK();
}

// Rejects keys other than `allowed` (catches typos such as "querys").
Status CheckKeys(const YAML::Node &m,
                 std::initializer_list<std::string_view> allowed,
                 std::string_view what) {
  if (!m.IsMap())
    return Bad(m, std::string(what) + " must be a mapping");
  for (const auto &kv : m) {
    if (!kv.first.IsScalar())
      return Bad(kv.first, std::string(what) + ": keys must be strings");
    const std::string &k = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      return Bad(kv.first, std::string(what) + ": unknown field \"" + k + "\"");
    }
  }
  return Status::OK();
}

bool ValidVarName(std::string_view s) {
  if (s.empty() || s.size() > 100)
    return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok)
      return false;
  }
  return true;
}

// A Prometheus duration such as "1h", "30m", "1h30m", "90s".
bool ValidDuration(std::string_view s) {
  if (s.empty())
    return false;
  size_t i = 0;
  while (i < s.size()) {
    size_t d = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9')
      ++i;
    if (i == d)
      return false;
    size_t u = i;
    while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z')))
      ++i;
    std::string_view unit = s.substr(u, i - u);
    if (unit != "ms" && unit != "s" && unit != "m" && unit != "h" &&
        unit != "d" && unit != "w" && unit != "y") {
      return false;
    }
  }
  return true;
}

Status ParseQuery(const YAML::Node &n, DashboardQuery *q) {
  if (n.IsScalar()) {
    q->expr = n.Scalar();
  } else {
    WARD_RETURN_IF_ERROR(CheckKeys(n, {"expr", "legend"}, "query"));
    WARD_RETURN_IF_ERROR(GetString(n, "expr", &q->expr));
    WARD_RETURN_IF_ERROR(GetString(n, "legend", &q->legend));
  }
  if (q->expr.empty())
    return Bad(n, "query: \"expr\" is required");
  return Status::OK();
}

Status ParsePanel(const YAML::Node &n, DashboardPanel *p) {
  WARD_RETURN_IF_ERROR(CheckKeys(n,
                                 {"title", "type", "unit", "stacked",
                                  "description", "expr", "legend", "queries"},
                                 "panel"));
  WARD_RETURN_IF_ERROR(GetString(n, "title", &p->title));
  WARD_RETURN_IF_ERROR(GetString(n, "type", &p->type));
  WARD_RETURN_IF_ERROR(GetString(n, "unit", &p->unit));
  WARD_RETURN_IF_ERROR(GetBool(n, "stacked", &p->stacked));
  WARD_RETURN_IF_ERROR(GetString(n, "description", &p->description));
  std::string where = "panel \"" + p->title + "\"";
  if (p->title.empty())
    return Bad(n, "panel: \"title\" is required");
  if (p->type != "graph" && p->type != "stat") {
    return Bad(n["type"],
               where + ": type must be graph or stat, not \"" + p->type + "\"");
  }
  if (std::find(std::begin(kDashboardUnits), std::end(kDashboardUnits),
                p->unit) == std::end(kDashboardUnits)) {
    return Bad(n["unit"], where + ": unknown unit \"" + p->unit + "\"");
  }
  // Either a single expr (+ legend) or a list of queries.
  if (n["expr"]) {
    if (n["queries"])
      return Bad(n, where + ": give either \"expr\" or \"queries\", not both");
    DashboardQuery q;
    WARD_RETURN_IF_ERROR(GetString(n, "expr", &q.expr));
    WARD_RETURN_IF_ERROR(GetString(n, "legend", &q.legend));
    if (q.expr.empty())
      return Bad(n, where + ": \"expr\" is empty");
    p->queries.push_back(std::move(q));
  } else {
    if (n["legend"])
      return Bad(n["legend"], where + ": \"legend\" belongs to a query");
    YAML::Node qs = n["queries"];
    if (!qs || !qs.IsSequence() || qs.size() == 0) {
      return Bad(n, where + ": needs \"expr\" or a non-empty list \"queries\"");
    }
    for (const YAML::Node &qn : qs) {
      DashboardQuery q;
      WARD_RETURN_IF_ERROR(ParseQuery(qn, &q).WithContext(where));
      p->queries.push_back(std::move(q));
    }
  }
  return Status::OK();
}

Status ParseRoot(const YAML::Node &root, Dashboard *d) {
  if (!root || root.IsNull())
    return Status::InvalidArgument("empty dashboard file");
  WARD_RETURN_IF_ERROR(CheckKeys(
      root, {"title", "description", "time", "refresh", "variables", "rows"},
      "dashboard"));
  WARD_RETURN_IF_ERROR(GetString(root, "title", &d->title));
  WARD_RETURN_IF_ERROR(GetString(root, "description", &d->description));
  WARD_RETURN_IF_ERROR(GetString(root, "time", &d->time));
  WARD_RETURN_IF_ERROR(GetString(root, "refresh", &d->refresh));
  if (d->title.empty())
    return Bad(root, "dashboard: \"title\" is required");
  if (!ValidDuration(d->time))
    return Bad(root["time"],
               "dashboard: bad duration in \"time\": \"" + d->time + "\"");
  if (!d->refresh.empty() && !ValidDuration(d->refresh)) {
    return Bad(root["refresh"], "dashboard: bad duration in \"refresh\": \"" +
                                    d->refresh + "\"");
  }
  if (YAML::Node vs = root["variables"]; vs && !vs.IsNull()) {
    if (!vs.IsSequence())
      return Bad(vs, "\"variables\" must be a list");
    std::set<std::string> seen;
    for (const YAML::Node &vn : vs) {
      DashboardVariable v;
      WARD_RETURN_IF_ERROR(
          CheckKeys(vn, {"name", "label", "match", "all"}, "variable"));
      WARD_RETURN_IF_ERROR(GetString(vn, "name", &v.name));
      WARD_RETURN_IF_ERROR(GetString(vn, "label", &v.label));
      WARD_RETURN_IF_ERROR(GetString(vn, "match", &v.match));
      WARD_RETURN_IF_ERROR(GetBool(vn, "all", &v.all));
      if (!ValidVarName(v.name))
        return Bad(vn, "variable: bad or missing \"name\" \"" + v.name + "\"");
      if (v.label.empty())
        v.label = v.name;
      if (!ValidVarName(v.label))
        return Bad(vn, "variable \"" + v.name + "\": bad label name \"" +
                           v.label + "\"");
      if (!seen.insert(v.name).second)
        return Bad(vn, "variable \"" + v.name + "\" defined twice");
      d->variables.push_back(std::move(v));
    }
  }
  YAML::Node rows = root["rows"];
  if (!rows || !rows.IsSequence() || rows.size() == 0)
    return Bad(root, "dashboard: needs a non-empty list \"rows\"");
  for (const YAML::Node &rn : rows) {
    DashboardRow r;
    WARD_RETURN_IF_ERROR(CheckKeys(rn, {"title", "panels"}, "row"));
    WARD_RETURN_IF_ERROR(GetString(rn, "title", &r.title));
    YAML::Node ps = rn["panels"];
    if (!ps || !ps.IsSequence() || ps.size() == 0) {
      return Bad(rn,
                 "row \"" + r.title + "\": needs a non-empty list \"panels\"");
    }
    for (const YAML::Node &pn : ps) {
      DashboardPanel p;
      WARD_RETURN_IF_ERROR(ParsePanel(pn, &p));
      r.panels.push_back(std::move(p));
    }
    d->rows.push_back(std::move(r));
  }
  return Status::OK();
}

// JSON string literal; control bytes as \u00XX, < > & escaped so the output
// is safe to inline in HTML. Bytes >= 0x80 are copied as they are.
void Str(std::string *out, std::string_view s) {
  gostr::AppendJsonString(out, s,
                          {.escape_html = true, .check_utf8 = false});
}

void Field(std::string *out, std::string_view key, std::string_view value,
           bool comma = true) {
  if (comma)
    out->push_back(',');
  Str(out, key);
  out->push_back(':');
  Str(out, value);
}

void BoolField(std::string *out, std::string_view key, bool v) {
  out->push_back(',');
  Str(out, key);
  out->append(v ? ":true" : ":false");
}

} // namespace

bool ValidDashboardName(std::string_view name) {
  if (name.empty() || name.size() > 100)
    return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

Result<Dashboard> ParseDashboard(std::string_view name, std::string_view yaml) {
  if (yaml.size() > kMaxDashboardBytes)
    return Status::InvalidArgument("dashboard file larger than 1 MiB");
  Dashboard d;
  d.name = std::string(name);
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    WARD_RETURN_IF_ERROR(ParseRoot(root, &d));
  } catch (const YAML::Exception &e) {
    return Status::InvalidArgument(std::string("bad YAML: ") + e.what());
  } catch (const std::exception &e) {
    return Status::InvalidArgument(std::string("bad dashboard: ") + e.what());
  }
  return d;
}

std::string DashboardToJson(const Dashboard &d) {
  std::string o;
  o.reserve(4096);
  o.push_back('{');
  Field(&o, "name", d.name, false);
  Field(&o, "title", d.title);
  Field(&o, "description", d.description);
  Field(&o, "time", d.time);
  Field(&o, "refresh", d.refresh);
  o.append(",\"variables\":[");
  for (size_t i = 0; i < d.variables.size(); ++i) {
    const DashboardVariable &v = d.variables[i];
    if (i)
      o.push_back(',');
    o.push_back('{');
    Field(&o, "name", v.name, false);
    Field(&o, "label", v.label);
    Field(&o, "match", v.match);
    BoolField(&o, "all", v.all);
    o.push_back('}');
  }
  o.append("],\"rows\":[");
  for (size_t i = 0; i < d.rows.size(); ++i) {
    const DashboardRow &r = d.rows[i];
    if (i)
      o.push_back(',');
    o.push_back('{');
    Field(&o, "title", r.title, false);
    o.append(",\"panels\":[");
    for (size_t j = 0; j < r.panels.size(); ++j) {
      const DashboardPanel &p = r.panels[j];
      if (j)
        o.push_back(',');
      o.push_back('{');
      Field(&o, "title", p.title, false);
      Field(&o, "type", p.type);
      Field(&o, "unit", p.unit);
      BoolField(&o, "stacked", p.stacked);
      Field(&o, "description", p.description);
      o.append(",\"queries\":[");
      for (size_t k = 0; k < p.queries.size(); ++k) {
        if (k)
          o.push_back(',');
        o.push_back('{');
        Field(&o, "expr", p.queries[k].expr, false);
        Field(&o, "legend", p.queries[k].legend);
        o.push_back('}');
      }
      o.append("]}");
    }
    o.append("]}");
  }
  o.append("]}");
  return o;
}

DashboardSource::DashboardSource(std::vector<File> builtin, std::string dir)
    : builtin_(std::move(builtin)), dir_(std::move(dir)) {}

Status DashboardSource::ReadDirFile(std::string_view name,
                                    std::string *yaml) const {
  if (dir_.empty())
    return Status::NotFound("no dashboards directory");
  for (const char *ext : {".yml", ".yaml"}) {
    std::filesystem::path p =
        std::filesystem::path(dir_) / (std::string(name) + ext);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec))
      continue;
    uintmax_t size = std::filesystem::file_size(p, ec);
    if (ec)
      return Status::IOError("stat " + p.string() + ": " + ec.message());
    if (size > kMaxDashboardBytes)
      return Status::InvalidArgument(p.string() + ": larger than 1 MiB");
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in.good() && !in.eof())
      return Status::IOError("read " + p.string());
    *yaml = ss.str();
    return Status::OK();
  }
  return Status::NotFound("dashboard \"" + std::string(name) + "\" not found");
}

Result<std::vector<DashboardInfo>> DashboardSource::List() const {
  std::map<std::string, DashboardInfo> by_name;
  auto add = [&](const std::string &name, std::string_view yaml,
                 const char *source) {
    DashboardInfo info{name, "", source, ""};
    auto d = ParseDashboard(name, yaml);
    if (d.ok()) {
      info.title = d->title;
    } else {
      info.error = d.status().ToString();
    }
    by_name[name] = std::move(info);
  };
  for (const File &f : builtin_)
    add(f.name, f.yaml, "builtin");
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::directory_iterator it(dir_, ec);
    if (ec)
      return Status::IOError("list dashboards directory " + dir_ + ": " +
                             ec.message());
    for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
      if (ec)
        return Status::IOError("list dashboards directory " + dir_ + ": " +
                               ec.message());
      std::string ext = it->path().extension().string();
      if (ext != ".yml" && ext != ".yaml")
        continue;
      std::string name = it->path().stem().string();
      if (!ValidDashboardName(name))
        continue;
      std::string yaml;
      Status st = ReadDirFile(name, &yaml);
      if (!st.ok()) {
        by_name[name] = DashboardInfo{name, "", "dir", st.ToString()};
        continue;
      }
      add(name, yaml, "dir");
    }
  }
  std::vector<DashboardInfo> out;
  out.reserve(by_name.size());
  for (auto &[_, info] : by_name)
    out.push_back(std::move(info));
  return out;
}

Result<Dashboard> DashboardSource::Get(std::string_view name) const {
  if (!ValidDashboardName(name))
    return Status::InvalidArgument("bad dashboard name \"" + std::string(name) +
                                   "\"");
  std::string yaml;
  Status st = ReadDirFile(name, &yaml);
  if (st.ok()) {
    auto d = ParseDashboard(name, yaml);
    if (!d.ok())
      return d.status().WithContext("dashboard \"" + std::string(name) + "\"");
    return d;
  }
  if (!st.IsNotFound())
    return st;
  for (const File &f : builtin_) {
    if (f.name == name) {
      auto d = ParseDashboard(name, f.yaml);
      if (!d.ok())
        return d.status().WithContext("dashboard \"" + std::string(name) +
                                      "\"");
      return d;
    }
  }
  return Status::NotFound("dashboard \"" + std::string(name) + "\" not found");
}

} // namespace ward::web::ui
