// Rule files (recording and alerting rules) as Prometheus's rulefmt reads
// them: strict YAML decoding (unknown fields are errors with their line),
// then validation of every group and rule. All errors of a file are reported
// at once, one per line, each prefixed by the file name and worded as
// promtool's `check rules` prints them, e.g.
//   rules.yml: 5:15: group "g1", rule 1, "job:up:sum": could not parse expression: ...
// Labels and annotations of alerting rules must parse as templates
// (template/: Go's text/template with Prometheus's functions).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/status.h"

namespace ward::rulefmt {

// Milliseconds, as config::Duration.
using Duration = int64_t;

struct Rule {
  std::string record;  // exactly one of record / alert is non-empty
  std::string alert;
  std::string expr;
  Duration for_ms = 0;              // alerting rules only
  Duration keep_firing_for_ms = 0;  // alerting rules only
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;  // alerting rules only
  int line = 0;  // 1-based line of the rule in its file (0 when unknown)

  bool IsAlert() const { return !alert.empty(); }
  const std::string& Name() const { return alert.empty() ? record : alert; }
};

struct RuleGroup {
  std::string name;
  Duration interval_ms = 0;  // 0: the global evaluation_interval
  int64_t limit = 0;         // 0: no limit
  std::optional<Duration> query_offset_ms;  // unset: the global rule_query_offset
  std::map<std::string, std::string> labels;  // added to every rule of the group
  std::vector<Rule> rules;
  int line = 0;
};

struct RuleGroups {
  std::vector<RuleGroup> groups;
  size_t NumRules() const;
};

// Parses and validates rule file content. `filename` prefixes every error
// line. On failure the Status is InvalidArgument whose message holds all
// errors separated by '\n'.
Result<RuleGroups> Parse(std::string_view bytes, std::string_view filename);
// Reads `path` (IOError when unreadable) and calls Parse.
Result<RuleGroups> ParseFile(const std::string& path);

// A recording rule that has the same name and labels as an earlier one.
struct Duplicate {
  std::string metric;
  std::map<std::string, std::string> labels;
};
// Duplicate rules across all groups (promtool's duplicate-rules lint): rules
// with equal name and label sets, reported once per distinct pair, sorted.
std::vector<Duplicate> FindDuplicates(const RuleGroups& rgs);

}  // namespace ward::rulefmt
