// File-based service discovery; see file.h.
#include "discovery/file/file.h"

#include <glob.h>

#include <fstream>
#include <set>
#include <sstream>

namespace ward::discovery::file {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c + 32);
  }
  return out;
}

}  // namespace

Result<std::vector<targetgroup::Group>> ReadFile(const std::string& path) {
  const std::string lower = Lower(path);
  bool json;
  if (EndsWith(lower, ".json")) {
    json = true;
  } else if (EndsWith(lower, ".yml") || EndsWith(lower, ".yaml")) {
    json = false;
  } else {
    return Status::InvalidArgument("retrieval target groups from " + path +
                                   ": invalid file extension");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("open " + path + ": cannot read file");
  std::ostringstream ss;
  ss << in.rdbuf();
  auto groups = targetgroup::ParseGroups(ss.str(), json);
  if (!groups.ok()) return groups.status().WithContext("read " + path);
  for (size_t i = 0; i < groups->size(); ++i) {
    targetgroup::Group& g = (*groups)[i];
    g.source = path + ":" + std::to_string(i);
    labels::Builder b(g.labels);
    b.Set(kFilepathLabel, path);
    g.labels = b.Build();
  }
  return groups;
}

Discoverer::Discoverer(config::FileSDConfig cfg) : cfg_(std::move(cfg)) {}

bool Discoverer::Refresh(std::vector<std::string>* errors) {
  std::set<std::string> paths;
  for (const auto& pattern : cfg_.files) {
    glob_t g{};
    if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) paths.insert(g.gl_pathv[i]);
    }
    globfree(&g);
  }
  std::map<std::string, std::vector<targetgroup::Group>> next;
  for (const auto& p : paths) {
    auto groups = ReadFile(p);
    if (!groups.ok()) {
      if (errors != nullptr) errors->push_back(groups.status().ToString());
      auto prev = by_file_.find(p);
      if (prev != by_file_.end()) next[p] = prev->second;  // keep the last good groups
      continue;
    }
    next[p] = std::move(*groups);
  }
  if (next == by_file_) return false;
  by_file_ = std::move(next);
  groups_.clear();
  for (const auto& [path, gs] : by_file_) groups_.insert(groups_.end(), gs.begin(), gs.end());
  return true;
}

std::vector<std::string> Discoverer::WatchDirs() const {
  std::set<std::string> dirs;
  for (const auto& p : cfg_.files) {
    size_t slash = p.rfind('/');
    dirs.insert(slash == std::string::npos ? "." : (slash == 0 ? "/" : p.substr(0, slash)));
  }
  return {dirs.begin(), dirs.end()};
}

}  // namespace ward::discovery::file
