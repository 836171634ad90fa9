// Differential test of `wardtool check rules` against promtool 2.42 on the
// rule files of model/rulefmt/testdata: same exit code, same "Checking",
// "SUCCESS" and "FAILED" lines. Skipped when wardtool or promtool is missing.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// Runs `cmd` in `dir`; returns stdout+stderr, sets *rc to the exit code.
std::string RunIn(const std::string& dir, const std::string& cmd, int* rc) {
  std::string out;
  FILE* f = ::popen(("cd '" + dir + "' && " + cmd + " 2>&1").c_str(), "r");
  if (f == nullptr) {
    *rc = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) out.append(buf.data(), n);
  int st = ::pclose(f);
  *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

// The lines promtool scripts look at.
std::vector<std::string> StatusLines(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  std::string l;
  while (std::getline(in, l)) {
    if (l.starts_with("Checking ") || l.find("SUCCESS") != std::string::npos ||
        l.find("FAILED") != std::string::npos) {
      lines.push_back(l);
    }
  }
  return lines;
}

TEST(WardtoolCheckCliTest, RulesMatchPromtool) {
  const std::string wardtool = std::string(WARD_BINARY_DIR) + "/wardtool";
  if (!fs::exists(wardtool)) GTEST_SKIP() << "wardtool binary not built";
  std::string promtool;
  for (const char* p : {"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
    if (fs::exists(p)) promtool = p;
  }
  if (promtool.empty()) GTEST_SKIP() << "promtool not installed; differential check skipped";
  const std::string dir = std::string(WARD_SOURCE_DIR) + "/model/rulefmt/testdata";
  // good_full.yml uses group fields newer than promtool 2.42; left out.
  const std::vector<std::string> files = {
      "good.yml",          "duplicates.yml",           "bad_expr.yml",
      "bad_rules.yml",     "bad_record_and_alert.yml", "bad_keep_firing.yml",
      "bad_top_field.yml", "bad_unknown_fields.yml",   "bad_duration.yml",
      "good.yml bad_expr.yml duplicates.yml"};
  for (const std::string& f : files) {
    SCOPED_TRACE(f);
    int want_rc = 0, got_rc = 0;
    std::string want = RunIn(dir, promtool + " check rules " + f, &want_rc);
    std::string got = RunIn(dir, wardtool + " check rules " + f, &got_rc);
    EXPECT_EQ(got_rc, want_rc) << "wardtool:\n" << got << "promtool:\n" << want;
    EXPECT_EQ(StatusLines(got), StatusLines(want)) << "wardtool:\n" << got << "promtool:\n"
                                                   << want;
  }
}

}  // namespace
