// Tests of the promqltest script parser (FORMAT.md sections 2-6).
#include "promql/promqltest/script.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/interface.h"

namespace ward::promql::promqltest {
namespace {

const EvalCmd& EvalAt(const Script& s, size_t i) { return std::get<EvalCmd>(s.commands.at(i)); }

TEST(ScriptTest, LoadBlockExpandsValues) {
  auto s = ParseScript(R"(
load 1m
  foo{a="b"} 1+1x2 _ stale
  bar _x2 5
  foo{a="b"} 7 8
)");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->commands.size(), 1u);
  const auto& load = std::get<LoadCmd>(s->commands[0]);
  EXPECT_EQ(load.line, 2);
  EXPECT_EQ(load.interval_ms, 60000);
  // The later foo line replaced the earlier one.
  ASSERT_EQ(load.series.size(), 2u);
  EXPECT_EQ(load.series[0].labels, (labels::Labels{{"__name__", "foo"}, {"a", "b"}}));
  ASSERT_EQ(load.series[0].values.size(), 2u);
  EXPECT_EQ(load.series[0].values[1].value, 8);
  const auto& bar = load.series[1].values;
  ASSERT_EQ(bar.size(), 3u);  // _x2 is exactly two gaps
  EXPECT_TRUE(bar[0].omitted);
  EXPECT_TRUE(bar[1].omitted);
  EXPECT_EQ(bar[2].value, 5);
}

TEST(ScriptTest, StaleMarkerAndRepetition) {
  auto s = ParseScript("load 5m\n  x 1x3 stale\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const auto& v = std::get<LoadCmd>(s->commands[0]).series[0].values;
  ASSERT_EQ(v.size(), 5u);  // 1x3 gives four values
  EXPECT_TRUE(storage::IsStaleNaN(v[4].value));
}

TEST(ScriptTest, InstantEvalWithExpectations) {
  auto s = ParseScript(R"(
eval instant at 1m30s sum by (job) (foo)
  expect warn msg: PromQL warning: something
  expect no_info
  expect ordered
  {job="a"} 3
  {job="b"} NaN
)");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const EvalCmd& e = EvalAt(*s, 0);
  EXPECT_EQ(e.line, 2);
  EXPECT_FALSE(e.is_range);
  EXPECT_EQ(e.eval_ms, 90000);
  EXPECT_EQ(e.expr, "sum by (job) (foo)");
  ASSERT_EQ(e.warn.size(), 1u);
  EXPECT_EQ(e.warn[0].kind, MessageMatch::Kind::kExact);
  EXPECT_EQ(e.warn[0].text, "PromQL warning: something");
  EXPECT_TRUE(e.no_info);
  EXPECT_TRUE(e.ordered);
  ASSERT_EQ(e.expected.size(), 2u);
  // Positions count series lines only, not expect lines.
  EXPECT_EQ(e.expected[0].pos, 1);
  EXPECT_EQ(e.expected[1].pos, 2);
  EXPECT_TRUE(std::isnan(e.expected[1].series.values[0].value));
}

TEST(ScriptTest, RangeEvalAndScalar) {
  auto s = ParseScript(R"(
eval range from 0 to 2m step 1m foo
  foo 1 _ 3

eval instant at 0 1 + 1
  0x10
)");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const EvalCmd& r = EvalAt(*s, 0);
  EXPECT_TRUE(r.is_range);
  EXPECT_EQ(r.start_ms, 0);
  EXPECT_EQ(r.end_ms, 120000);
  EXPECT_EQ(r.step_ms, 60000);
  ASSERT_EQ(r.expected.size(), 1u);
  EXPECT_EQ(r.expected[0].series.values.size(), 3u);
  const EvalCmd& i = EvalAt(*s, 1);
  ASSERT_TRUE(i.scalar.has_value());
  EXPECT_EQ(*i.scalar, 16);  // a bare expected number is read with Go's base prefixes
}

TEST(ScriptTest, FailForms) {
  auto s = ParseScript(R"(
eval instant at 0 foo
  expect fail regex: many-to-many

eval_fail instant at 0 foo
  expected_fail_message boom

eval instant at 0 foo
  expect fail
)");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(EvalAt(*s, 0).expect_fail);
  ASSERT_EQ(EvalAt(*s, 0).fail_checks.size(), 1u);
  EXPECT_EQ(EvalAt(*s, 0).fail_checks[0].kind, MessageMatch::Kind::kRegex);
  EXPECT_TRUE(EvalAt(*s, 1).expect_fail);
  EXPECT_EQ(EvalAt(*s, 1).fail_checks.at(0).text, "boom");
  EXPECT_TRUE(EvalAt(*s, 2).expect_fail);
  EXPECT_TRUE(EvalAt(*s, 2).fail_checks.empty());
}

TEST(ScriptTest, RangeVectorAndString) {
  auto s = ParseScript(R"(
eval instant at 1m foo[1m]
  expect range vector from 0 to 1m step 30s
  foo 1 2 3

eval instant at 0 "a"
  expect string `a`
)");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const EvalCmd& r = EvalAt(*s, 0);
  EXPECT_TRUE(r.expect_range_vector);
  EXPECT_TRUE(r.exclude_from_range_check);
  EXPECT_EQ(r.eval_ms, 60000);
  EXPECT_EQ(r.step_ms, 30000);
  EXPECT_EQ(EvalAt(*s, 1).expect_string.value_or("?"), "a");
}

TEST(ScriptTest, Restart) {
  auto s = ParseScript("load 1m\n  a 1\n\nrestart\n\neval instant at 0 a\n  a 1\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->commands.size(), 3u);
  EXPECT_EQ(std::get<RestartCmd>(s->commands[1]).line, 4);
  EXPECT_TRUE(s->HasRestart());
}

TEST(ScriptTest, CommentEndsBlock) {
  // The comment ends the load block; the next line is an invalid command.
  auto s = ParseScript("load 1m\n  a 1\n# note\n  b 2\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("line 4"), std::string_view::npos) << s.status().ToString();
}

TEST(ScriptTest, StLineRecordsSeries) {
  auto s = ParseScript("load 1m\n  c{t=\"x\"}@st _ -30s\n  c{t=\"x\"} 1 2\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const auto& load = std::get<LoadCmd>(s->commands[0]);
  ASSERT_EQ(load.st_series.size(), 1u);
  EXPECT_EQ(load.st_series[0], (labels::Labels{{"__name__", "c"}, {"t", "x"}}));
  EXPECT_FALSE(ParseScript("load 1m\n  c{t=\"x\"}@st _ -30s\n  d 1 2\n").ok());
}

TEST(ScriptTest, Errors) {
  const char* bad[] = {
      "bogus 1\n",
      "load\n",
      "load 1.5m\n  a 1\n",
      "eval instant at 0 sum(\n",              // PromQL parse error fails the file
      "eval instant at 0 a\n  a 1 2\n",        // multiple values in an instant eval
      "eval range from 2m to 1m step 1m a\n",  // end before start
      "eval instant at 0 a\n  expect warn\n  expect no_warn\n",
      "eval instant at 0 a\n  expect fail\n  expect fail\n",
      "eval instant at 0 a\n  expect bogus\n",
      "eval instant at 0 a\n  expect string\n",
  };
  for (const char* t : bad) {
    auto s = ParseScript(t);
    EXPECT_FALSE(s.ok()) << t;
    if (!s.ok()) {
      EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << t;
    }
  }
  EXPECT_EQ(CountEvalLines("eval instant at 0 a\n# eval x\nEVAL_fail instant at 0 b\n"), 2);
}

TEST(ScriptTest, DurationSyntax) {
  EXPECT_EQ(*ParseScriptDuration("0"), 0);
  EXPECT_EQ(*ParseScriptDuration("1s500ms"), 1500);
  EXPECT_EQ(*ParseScriptDuration("9m10s"), 550000);
  EXPECT_FALSE(ParseScriptDuration("60").ok());
  EXPECT_FALSE(ParseScriptDuration("-1m").ok());
}

// Every file of the conformance suite parses with ward's script parser.
// (Expressions the PromQL parser rejects show up here too.)
TEST(ScriptTest, ConformanceSuiteParses) {
  std::filesystem::path dir = WARD_SOURCE_DIR "/../shared/conformance/promql/testdata";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "conformance suite not found at " << dir;
  int files = 0, evals = 0;
  for (const auto& de : std::filesystem::directory_iterator(dir)) {
    if (de.path().extension() != ".test") continue;
    std::ifstream in(de.path());
    std::stringstream ss;
    ss << in.rdbuf();
    auto s = ParseScript(ss.str());
    EXPECT_TRUE(s.ok()) << de.path().filename() << ": " << s.status().ToString();
    if (s.ok()) {
      EXPECT_EQ(s->NumEvals(), CountEvalLines(ss.str())) << de.path().filename();
      evals += s->NumEvals();
    }
    ++files;
  }
  EXPECT_EQ(files, 21);
  RecordProperty("evals", evals);
}

}  // namespace
}  // namespace ward::promql::promqltest
