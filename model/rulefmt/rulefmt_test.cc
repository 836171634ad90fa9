// Table tests of rule file parsing: good files decode to the expected groups
// and rules; bad files fail with promtool's wording (file, position, group,
// rule index and name).
#include "model/rulefmt/rulefmt.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace ward::rulefmt {
namespace {

std::string TestData(const std::string& name) {
  return std::string(WARD_SOURCE_DIR) + "/model/rulefmt/testdata/" + name;
}

TEST(RulefmtTest, GoodFileDecodes) {
  auto rgs = ParseFile(TestData("good.yml"));
  ASSERT_TRUE(rgs.ok()) << rgs.status().ToString();
  ASSERT_EQ(rgs->groups.size(), 2u);
  EXPECT_EQ(rgs->NumRules(), 3u);
  const RuleGroup& g = rgs->groups[0];
  EXPECT_EQ(g.name, "g1");
  EXPECT_EQ(g.interval_ms, 30000);
  EXPECT_EQ(g.line, 2);
  ASSERT_EQ(g.rules.size(), 2u);
  EXPECT_EQ(g.rules[0].record, "job:up:sum");
  EXPECT_FALSE(g.rules[0].IsAlert());
  EXPECT_EQ(g.rules[0].labels.at("team"), "a");
  const Rule& a = g.rules[1];
  EXPECT_TRUE(a.IsAlert());
  EXPECT_EQ(a.Name(), "Down");
  EXPECT_EQ(a.expr, "up == 0");
  EXPECT_EQ(a.for_ms, 300000);
  EXPECT_EQ(a.keep_firing_for_ms, 60000);
  EXPECT_EQ(a.annotations.at("summary"), "{{ $labels.instance }} down");
  EXPECT_EQ(a.line, 9);
}

TEST(RulefmtTest, GroupLevelFieldsOfNewerPrometheus) {
  auto rgs = ParseFile(TestData("good_full.yml"));
  ASSERT_TRUE(rgs.ok()) << rgs.status().ToString();
  ASSERT_EQ(rgs->groups.size(), 2u);
  const RuleGroup& g = rgs->groups[0];
  EXPECT_EQ(g.limit, 10);
  ASSERT_TRUE(g.query_offset_ms.has_value());
  EXPECT_EQ(*g.query_offset_ms, 30000);
  EXPECT_EQ(g.labels.at("env"), "prod");
  EXPECT_FALSE(rgs->groups[1].query_offset_ms.has_value());
  EXPECT_TRUE(rgs->groups[1].rules.empty());
}

struct BadCase {
  const char* file;
  std::vector<std::string> lines;  // the exact error lines, in order
};

TEST(RulefmtTest, BadFilesReportPromtoolMessages) {
  const std::vector<BadCase> cases = {
      {"bad_expr.yml",
       {"bad_expr.yml: 5:15: group \"g1\", rule 1, \"job:up:sum\": could not parse expression: "
        "1:17: parse error: unclosed left parenthesis"}},
      {"bad_keep_firing.yml",
       {"bad_keep_firing.yml: 4:17: group \"g\", rule 1, \"r\": invalid field 'keep_firing_for' "
        "in recording rule",
        "bad_keep_firing.yml: group \"g\", rule 2, \"A\": invalid annotation name: bad-name"}},
      {"bad_record_and_alert.yml",
       {"bad_record_and_alert.yml: 5:17: 6:16: group \"g1\", rule 1, \"b\": only one of 'record' "
        "and 'alert' must be set",
        "bad_record_and_alert.yml: group \"g1\", rule 4, \"job:y\": invalid label name: __name__"}},
      {"bad_rules.yml",
       {"bad_rules.yml: 4:17: group \"g1\", rule 1, \"bad name\": invalid recording rule name: "
        "bad name",
        "bad_rules.yml: 0:0: group \"g1\", rule 2, \"\": one of 'record' or 'alert' must be set",
        "bad_rules.yml: 7:17: group \"g1\", rule 3, \"ok\": invalid field 'annotations' in "
        "recording rule",
        "bad_rules.yml: 7:17: group \"g1\", rule 3, \"ok\": invalid field 'for' in recording rule",
        "bad_rules.yml: group \"g1\", rule 3, \"ok\": invalid label name: 0bad",
        "bad_rules.yml: 17:17: group \"g1\", rule 5, \"\": one of 'record' or 'alert' must be set",
        "bad_rules.yml: 18:15: group \"g1\", rule 5, \"\": field 'expr' must be set in rule",
        "bad_rules.yml: 19:5: groupname: \"g1\" is repeated in the same file",
        "bad_rules.yml: 21:5: Groupname must not be empty"}},
      // Wording checked against promtool 2.42's `check rules`.
      {"bad_template.yml",
       {"bad_template.yml: group \"g\", rule 1, \"A\": label \"severity\": template: "
        "__alert_A:1: missing value for if",
        "bad_template.yml: group \"g\", rule 1, \"A\": annotation \"summary\": template: "
        "__alert_A:1: function \"nosuchfunc\" not defined",
        "bad_template.yml: group \"g\", rule 2, \"B\": annotation \"summary\": template: "
        "__alert_B:1: unclosed action"}},
      {"bad_top_field.yml",
       {"bad_top_field.yml: yaml: unmarshal errors:",
        "  line 1: field x not found in type rulefmt.RuleGroups"}},
      {"bad_unknown_fields.yml",
       {"bad_unknown_fields.yml: yaml: unmarshal errors:",
        "  line 3: field bogus not found in type rulefmt.RuleGroup",
        "  line 7: field foo not found in type rulefmt.RuleNode"}},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.file);
    std::string path = TestData(c.file);
    std::FILE* f = std::fopen(path.c_str(), "rb");
    ASSERT_NE(f, nullptr);
    std::string bytes;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
    std::fclose(f);
    auto rgs = Parse(bytes, c.file);
    ASSERT_FALSE(rgs.ok());
    EXPECT_TRUE(rgs.status().IsInvalidArgument());
    std::string want;
    for (const std::string& l : c.lines) want += (want.empty() ? "" : "\n") + l;
    EXPECT_EQ(rgs.status().message(), want);
  }
}

TEST(RulefmtTest, BadDurationNamesTheValue) {
  auto rgs = ParseFile(TestData("bad_duration.yml"));
  ASSERT_FALSE(rgs.ok());
  EXPECT_NE(rgs.status().message().find("not a valid duration string: \"5 minutes\""),
            std::string::npos)
      << rgs.status().ToString();
}

TEST(RulefmtTest, MalformedInputIsAnErrorNotACrash) {
  const std::vector<std::string> inputs = {
      "groups: [\n", "groups: 3\n", "- a\n- b\n", "groups:\n  - 7\n", "groups:\n  - name: [x]\n",
      "groups:\n  - name: g\n    rules: {a: b}\n", "groups:\n  - name: g\n    rules:\n      - 1\n",
      "groups:\n  - name: g\n    name: h\n", "groups:\n  - name: g\n    limit: x\n",
      "groups:\n  - name: g\n    rules:\n      - alert: a\n        expr: up\n        labels: [1]\n"};
  for (const std::string& in : inputs) {
    SCOPED_TRACE(in);
    auto rgs = Parse(in, "f.yml");
    ASSERT_FALSE(rgs.ok());
    EXPECT_EQ(rgs.status().message().substr(0, 6), "f.yml:");
  }
}

TEST(RulefmtTest, EmptyFileHasNoGroups) {
  auto rgs = Parse("", "f.yml");
  ASSERT_TRUE(rgs.ok()) << rgs.status().ToString();
  EXPECT_TRUE(rgs->groups.empty());
}

TEST(RulefmtTest, MissingFileIsIOError) {
  auto rgs = ParseFile(TestData("does_not_exist.yml"));
  ASSERT_FALSE(rgs.ok());
  EXPECT_TRUE(rgs.status().IsIOError());
}

TEST(RulefmtTest, FindDuplicatesComparesNameAndLabels) {
  auto rgs = ParseFile(TestData("duplicates.yml"));
  ASSERT_TRUE(rgs.ok()) << rgs.status().ToString();
  auto dups = FindDuplicates(*rgs);
  ASSERT_EQ(dups.size(), 1u);
  EXPECT_EQ(dups[0].metric, "job:x");
  EXPECT_EQ(dups[0].labels.size(), 2u);
  auto good = ParseFile(TestData("good.yml"));
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(FindDuplicates(*good).empty());
}

}  // namespace
}  // namespace ward::rulefmt
