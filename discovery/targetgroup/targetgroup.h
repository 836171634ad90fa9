// targetgroup: the unit discovery hands to scrape. A Group is a set of
// targets (each a label set holding at least __address__) sharing common
// labels, identified by `source` within its provider ("0" for the first
// static_configs entry, "path/to/file.json:2" for file_sd). Plain value type;
// thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/labels/labels.h"
#include "util/result.h"

namespace ward::targetgroup {

inline constexpr std::string_view kAddressLabel = "__address__";

struct Group {
  // One label set per target; each has __address__ (and maybe more labels).
  std::vector<labels::Labels> targets;
  // Labels common to all targets of the group (a target's own labels win).
  labels::Labels labels;
  // Identifies the group within its provider; a later group with the same
  // source replaces the earlier one.
  std::string source;

  bool operator==(const Group&) const = default;
};

// Parses a file_sd file: a list of {targets: [...], labels: {...}} in JSON
// (`json` true) or YAML. Fails with InvalidArgument naming the line on bad
// structure, unknown fields (YAML only; JSON ignores them, as Go's
// encoding/json does), null items or invalid label names. Groups get no source.
Result<std::vector<Group>> ParseGroups(std::string_view content, bool json);

}  // namespace ward::targetgroup
