// Dashboards: a small YAML format (title, variables filled from label
// values, rows of PromQL panels with units) parsed and validated with
// yaml-cpp, and turned into the JSON the browser renders. The format is
// documented in web/ui/README.md; dashboards/etcd.yml is an example.
// Sources: the files shipped in the binary and *.yml / *.yaml files of
// --web.dashboards.dir (a file there replaces a built-in of the same name).
// Thread safety: free functions without shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/status.h"

namespace ward::web::ui {

struct DashboardQuery {
  std::string expr;   // PromQL; "$var" / "${var}" replaced by the browser
  std::string legend; // "{{label}}" template; empty = the series' labels
};

struct DashboardPanel {
  std::string title;
  std::string type = "graph"; // "graph" or "stat" (last value, large)
  std::string unit = "short"; // see kDashboardUnits
  bool stacked = false;
  std::string description;
  std::vector<DashboardQuery> queries; // at least one
};

struct DashboardRow {
  std::string title;
  std::vector<DashboardPanel> panels; // at least one
};

struct DashboardVariable {
  std::string name;  // [A-Za-z_][A-Za-z0-9_]*, used as $name
  std::string label; // label whose values are offered
  std::string match; // optional series selector (match[]) limiting values
  bool all = true;   // offer "All" (a regex matching every value)
};

struct Dashboard {
  std::string name; // file name without extension (URL /dashboards/<name>)
  std::string title;
  std::string description;
  std::string time = "1h"; // default range shown, a Prometheus duration
  std::string refresh;     // auto-refresh interval, empty = off
  std::vector<DashboardVariable> variables;
  std::vector<DashboardRow> rows;
};

// Units a panel may declare.
inline constexpr std::string_view kDashboardUnits[] = {
    "short",  "none",    "percent",      "percentunit", "bytes",  "bytes/s",
    "bits/s", "seconds", "milliseconds", "ops/s",       "reqs/s", "bool"};

// Parses and validates one dashboard file. `name` becomes Dashboard::name.
// InvalidArgument naming the field (and line) on any problem; never throws.
Result<Dashboard> ParseDashboard(std::string_view name, std::string_view yaml);

// Writes `d` as a JSON object (the shape documented in README.md).
std::string DashboardToJson(const Dashboard &d);

// Whether `name` is a valid dashboard name: [A-Za-z0-9_-]{1,100}.
bool ValidDashboardName(std::string_view name);

// A dashboard's listing entry.
struct DashboardInfo {
  std::string name;
  std::string title;  // empty if the file does not parse
  std::string source; // "builtin" or "dir"
  std::string error;  // parse error, if any
};

// Dashboard files from the binary and from `dir` (empty: none).
class DashboardSource {
public:
  struct File {
    std::string name;
    std::string yaml;
  };
  // `builtin` are the shipped files; `dir` is read on each call.
  DashboardSource(std::vector<File> builtin, std::string dir);

  // Every dashboard, sorted by name; a dir file shadows a builtin one.
  // IOError if `dir` is set but cannot be listed.
  Result<std::vector<DashboardInfo>> List() const;
  // One dashboard by name: NotFound, InvalidArgument (bad name or bad
  // file, with the reason), IOError.
  Result<Dashboard> Get(std::string_view name) const;

private:
  // Reads dir/<name>.yml or .yaml into *yaml; NotFound when neither exists.
  Status ReadDirFile(std::string_view name, std::string *yaml) const;

  const std::vector<File> builtin_;
  const std::string dir_;
};

} // namespace ward::web::ui
