// Output and exit codes of `wardtool check rules|config` (in process).
#include "cmd/wardtool/check.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ward::wardtool {
namespace {

namespace fs = std::filesystem;

std::string RuleData(const std::string& name) {
  return std::string(WARD_SOURCE_DIR) + "/model/rulefmt/testdata/" + name;
}

TEST(WardtoolCheckTest, RulesSuccess) {
  std::ostringstream out, err;
  const std::string f = RuleData("good.yml");
  EXPECT_EQ(CheckRules({f}, out, err), 0);
  EXPECT_EQ(out.str(), "Checking " + f + "\n  SUCCESS: 3 rules found\n\n");
  EXPECT_EQ(err.str(), "");
}

TEST(WardtoolCheckTest, RulesFailureListsErrors) {
  std::ostringstream out, err;
  const std::string f = RuleData("bad_expr.yml");
  EXPECT_EQ(CheckRules({RuleData("good.yml"), f}, out, err), 1);
  EXPECT_NE(out.str().find("Checking " + f + "\n\n"), std::string::npos);
  EXPECT_EQ(err.str(), "  FAILED:\n" + f +
                           ": 5:15: group \"g1\", rule 1, \"job:up:sum\": could not parse "
                           "expression: 1:17: parse error: unclosed left parenthesis\n");
}

TEST(WardtoolCheckTest, DuplicatesAreALintWarning) {
  std::ostringstream out, err;
  EXPECT_EQ(CheckRules({RuleData("duplicates.yml")}, out, err), 0);
  EXPECT_EQ(err.str(),
            "  FAILED:\nlint error 1 duplicate rule(s) found.\nMetric: job:x\nLabel(s):\n\ta: "
            "1\n\tb: 2\nMight cause inconsistency while recording expressions\n");
}

TEST(WardtoolCheckTest, MissingFile) {
  std::ostringstream out, err;
  EXPECT_EQ(CheckRules({RuleData("nope.yml")}, out, err), 1);
  EXPECT_NE(err.str().find("does not exist"), std::string::npos);
}

TEST(WardtoolCheckTest, ConfigChecksItsRuleFiles) {
  fs::path dir = fs::temp_directory_path() / ("wardtool_check_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file(RuleData("good.yml"), dir / "good.yml", fs::copy_options::overwrite_existing);
  fs::copy_file(RuleData("bad_expr.yml"), dir / "bad_expr.yml",
                fs::copy_options::overwrite_existing);
  const std::string ok_cfg = (dir / "ok.yml").string();
  std::ofstream(ok_cfg) << "rule_files:\n  - good*.yml\n  - nomatch*.yml\n";
  const std::string bad_cfg = (dir / "bad.yml").string();
  std::ofstream(bad_cfg) << "rule_files:\n  - good.yml\n  - bad_expr.yml\n";
  const std::string broken_cfg = (dir / "broken.yml").string();
  std::ofstream(broken_cfg) << "foo: 1\n";
  {
    std::ostringstream out, err;
    EXPECT_EQ(CheckConfig({ok_cfg}, out, err), 0) << err.str();
    const std::string good = (dir / "good.yml").string();
    EXPECT_EQ(out.str(), "Checking " + ok_cfg + "\n  SUCCESS: 1 rule files found\n SUCCESS: " +
                             ok_cfg + " is valid prometheus config file syntax\n\nChecking " +
                             good + "\n  SUCCESS: 3 rules found\n\n");
  }
  {
    std::ostringstream out, err;
    EXPECT_EQ(CheckConfig({bad_cfg}, out, err), 1);
    EXPECT_EQ(err.str().substr(0, 15), "  FAILED:\n     ");
    EXPECT_NE(err.str().find("could not parse expression"), std::string::npos);
  }
  {
    std::ostringstream out, err;
    EXPECT_EQ(CheckConfig({broken_cfg}, out, err), 1);
    EXPECT_EQ(err.str().substr(0, 10), "  FAILED: ");
    EXPECT_NE(err.str().find("foo"), std::string::npos);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ward::wardtool
