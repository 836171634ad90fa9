// `wardtool check rules` and `wardtool check config`: promtool-compatible
// validation of rule files and prometheus.yml files. Output lines and exit
// codes follow promtool ("Checking F", "  SUCCESS: N rules found",
// "  FAILED:" plus the errors on `err`). Stateless; thread-compatible (the
// streams are the caller's).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace ward::wardtool {

// Checks each rule file; duplicate rules (same name and labels) are reported
// as a lint warning that does not change the exit code. Returns 0 when all
// files are valid, 1 otherwise.
int CheckRules(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

// Loads each config file with config::LoadFile, then checks every rule file
// its rule_files globs match. Returns 0 when everything is valid, else 1.
int CheckConfig(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

}  // namespace ward::wardtool
