// promtool-style `check rules` / `check config` (see check.h).
#include "cmd/wardtool/check.h"

#include <glob.h>

#include <filesystem>
#include <string_view>

#include "config/config.h"
#include "model/rulefmt/rulefmt.h"

namespace ward::wardtool {
namespace {

bool AllExist(const std::vector<std::string>& files, std::ostream& err) {
  for (const std::string& f : files) {
    std::error_code ec;
    if (!std::filesystem::exists(f, ec)) {
      err << "wardtool: error: path '" << f << "' does not exist, try --help\n";
      return false;
    }
  }
  return true;
}

// The duplicate-rules lint as promtool words it (one message, several lines).
std::string DuplicatesMessage(const std::vector<rulefmt::Duplicate>& dups) {
  std::string msg = "lint error " + std::to_string(dups.size()) + " duplicate rule(s) found.\n";
  for (const rulefmt::Duplicate& d : dups) {
    msg += "Metric: " + d.metric + "\nLabel(s):\n";
    for (const auto& [k, v] : d.labels) msg += "\t" + k + ": " + v + "\n";
  }
  msg += "Might cause inconsistency while recording expressions";
  return msg;
}

enum class Outcome { kOk, kLint, kError };

// Prints "Checking F" and the result of one rule file; `indent` prefixes each
// error (promtool indents them under check config only).
Outcome CheckRuleFile(const std::string& file, std::string_view indent, std::ostream& out,
                      std::ostream& err) {
  out << "Checking " << file << "\n";
  auto rgs = rulefmt::ParseFile(file);
  Outcome res = Outcome::kOk;
  if (!rgs.ok()) {
    out.flush();
    err << "  FAILED:\n";
    std::string_view msg = rgs.status().message();
    // One error per line; continuation lines of an error start with spaces.
    size_t start = 0;
    while (start <= msg.size()) {
      size_t nl = msg.find('\n', start);
      std::string_view line = msg.substr(start, nl == std::string_view::npos ? msg.npos : nl - start);
      err << (line.starts_with("  ") ? "" : indent) << line << "\n";
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
    res = Outcome::kError;
  } else if (auto dups = rulefmt::FindDuplicates(*rgs); !dups.empty()) {
    out.flush();
    err << "  FAILED:\n" << indent << DuplicatesMessage(dups) << "\n";
    res = Outcome::kLint;
  } else {
    out << "  SUCCESS: " << rgs->NumRules() << " rules found\n";
  }
  out << "\n";
  return res;
}

}  // namespace

int CheckRules(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  if (!AllExist(files, err)) return 1;
  bool failed = false;
  for (const std::string& f : files) {
    if (CheckRuleFile(f, "", out, err) == Outcome::kError) failed = true;
  }
  return failed ? 1 : 0;
}

int CheckConfig(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  if (!AllExist(files, err)) return 1;
  bool failed = false;
  for (const std::string& f : files) {
    out << "Checking " << f << "\n";
    std::vector<std::string> rule_files;
    auto cfg = config::LoadFile(f);
    if (!cfg.ok()) {
      out.flush();
      err << "  FAILED: " << cfg.status().message() << "\n";
      failed = true;
    } else {
      for (const std::string& pattern : cfg->rule_files) {
        glob_t g{};
        int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
        if (rc == 0) {
          for (size_t i = 0; i < g.gl_pathc; ++i) rule_files.emplace_back(g.gl_pathv[i]);
        }
        ::globfree(&g);
      }
      if (!rule_files.empty()) out << "  SUCCESS: " << rule_files.size() << " rule files found\n";
      out << " SUCCESS: " << f << " is valid prometheus config file syntax\n";
    }
    out << "\n";
    for (const std::string& rf : rule_files) {
      if (CheckRuleFile(rf, "     ", out, err) == Outcome::kError) failed = true;
    }
  }
  return failed ? 1 : 0;
}

}  // namespace ward::wardtool
