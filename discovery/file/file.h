// File-based service discovery (file_sd_configs): expands the configured
// patterns, reads each matching JSON/YAML file into target groups (source
// "<path>:<index>", label __meta_filepath) and keeps the last good groups of
// a file that fails to parse. The discovery Manager drives Refresh() on file
// change events and every refresh_interval. Not thread-safe: one owner.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "discovery/targetgroup/targetgroup.h"
#include "util/result.h"

namespace ward::discovery::file {

inline constexpr std::string_view kFilepathLabel = "__meta_filepath";

// Reads one file: JSON for *.json, YAML for *.yml/*.yaml. Groups get their
// source and __meta_filepath set. Errors name the path.
Result<std::vector<targetgroup::Group>> ReadFile(const std::string& path);

class Discoverer {
 public:
  explicit Discoverer(config::FileSDConfig cfg);

  // Globs the patterns and reads every matching file. A file that cannot be
  // read or parsed keeps its previous groups and adds a message to *errors
  // (may be null). Files that disappeared lose their groups. Returns true
  // when groups() changed.
  bool Refresh(std::vector<std::string>* errors);

  // All groups, ordered by file path then index. Valid until the next Refresh.
  const std::vector<targetgroup::Group>& groups() const { return groups_; }
  // Directories holding the patterns (to watch for changes).
  std::vector<std::string> WatchDirs() const;
  const config::FileSDConfig& config() const { return cfg_; }

 private:
  config::FileSDConfig cfg_;
  std::map<std::string, std::vector<targetgroup::Group>> by_file_;
  std::vector<targetgroup::Group> groups_;
};

}  // namespace ward::discovery::file
