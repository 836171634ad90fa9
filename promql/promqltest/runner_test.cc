// Tests of the script runner: that it passes right expectations, fails
// wrong ones, skips what ward cannot store, and builds the `@` variants.
// Uses only basic engine features (selectors, sum, arithmetic).
#include "promql/promqltest/runner.h"

#include <gtest/gtest.h>

namespace ward::promql::promqltest {
namespace {

FileReport RunScript(std::string_view text) {
  Runner r(RunOptions{});
  return r.RunText(text, "t.test");
}

std::string Details(const FileReport& rep) {
  std::string out = rep.error;
  for (const auto& e : rep.evals) {
    out.append("\n").append(std::to_string(e.line)).append(": ").append(e.detail);
  }
  return out;
}

TEST(RunnerTest, PassesAndFails) {
  auto rep = RunScript(R"(
load 1m
  foo{a="1"} 1+1x10
  foo{a="2"} 10x10

eval instant at 2m foo
  foo{a="1"} 3
  foo{a="2"} 10

eval instant at 2m foo
  foo{a="1"} 4
  foo{a="2"} 10

eval instant at 2m sum(foo)
  {} 13

eval range from 0 to 2m step 1m foo{a="1"}
  foo{a="1"} 1 2 3

eval range from 0 to 2m step 1m foo{a="1"}
  foo{a="1"} 1 _ 3

eval instant at 0 1 + 2
  3
)");
  ASSERT_TRUE(rep.error.empty()) << rep.error;
  ASSERT_EQ(rep.evals.size(), 6u) << Details(rep);
  EXPECT_EQ(rep.evals[0].outcome, Outcome::kPassed) << Details(rep);
  EXPECT_EQ(rep.evals[1].outcome, Outcome::kFailed);
  EXPECT_EQ(rep.evals[1].line, 10);
  EXPECT_NE(rep.evals[1].detail.find("expected 4"), std::string::npos) << rep.evals[1].detail;
  EXPECT_EQ(rep.evals[2].outcome, Outcome::kPassed) << Details(rep);
  EXPECT_EQ(rep.evals[3].outcome, Outcome::kPassed) << Details(rep);
  EXPECT_EQ(rep.evals[4].outcome, Outcome::kFailed);
  EXPECT_EQ(rep.evals[5].outcome, Outcome::kPassed) << Details(rep);
  EXPECT_EQ(rep.Count(Outcome::kPassed), 4);
  EXPECT_EQ(rep.Count(Outcome::kFailed), 2);
}

TEST(RunnerTest, ClearEmptiesStorage) {
  auto rep = RunScript(R"(
load 1m
  foo 1

clear

eval instant at 0 foo
)");
  ASSERT_EQ(rep.evals.size(), 1u);
  EXPECT_EQ(rep.evals[0].outcome, Outcome::kPassed) << Details(rep);
}

TEST(RunnerTest, ExpectedFailureThatSucceedsFails) {
  auto rep = RunScript(R"(
load 1m
  foo 1

eval instant at 0 foo
  expect fail
)");
  ASSERT_EQ(rep.evals.size(), 1u);
  EXPECT_EQ(rep.evals[0].outcome, Outcome::kFailed);
}

TEST(RunnerTest, HistogramsAreSkippedNeverPassed) {
  auto rep = RunScript(R"(
load 1m
  h {{schema:0 sum:1 count:1}}
  f 1

eval instant at 0 h
  h {{schema:0 sum:1 count:1}}

eval instant at 0 {__name__=~"h|f"}
  f 1

eval instant at 0 f
  f 1
)");
  ASSERT_EQ(rep.evals.size(), 3u) << Details(rep);
  EXPECT_EQ(rep.evals[0].outcome, Outcome::kSkipped);
  EXPECT_EQ(rep.evals[1].outcome, Outcome::kSkipped);
  EXPECT_NE(rep.evals[1].detail.find("native histogram"), std::string::npos);
  EXPECT_EQ(rep.evals[2].outcome, Outcome::kPassed) << Details(rep);
}

TEST(RunnerTest, ParseErrorFailsEveryEval) {
  auto rep = RunScript("eval instant at 0 1\n  1\n\neval instant at 0 sum(\n");
  EXPECT_FALSE(rep.error.empty());
  EXPECT_EQ(rep.Count(Outcome::kFailed), 2);
}

TEST(RunnerTest, RunFilter) {
  RunOptions o;
  o.run_regex = "^sum";
  Runner r(o);
  auto rep =
      r.RunText("eval instant at 0 vector(1)\n  {} 1\n\neval instant at 0 sum(vector(1))\n  {} 1\n",
                "t.test");
  ASSERT_EQ(rep.evals.size(), 1u);
  EXPECT_EQ(rep.evals[0].line, 4);
}

TEST(RunnerTest, RestartReplaysTheWal) {
  auto rep = RunScript(R"(
load 1m
  foo{a="1"} 1 2 stale

restart

eval instant at 1m foo
  foo{a="1"} 2

eval instant at 2m foo

eval instant at 1m foo
  foo{a="1"} 3
)");
  ASSERT_TRUE(rep.error.empty()) << rep.error;
  ASSERT_EQ(rep.evals.size(), 3u) << Details(rep);
  EXPECT_EQ(rep.evals[0].outcome, Outcome::kPassed) << Details(rep);
  EXPECT_EQ(rep.evals[1].outcome, Outcome::kPassed) << Details(rep);
  EXPECT_EQ(rep.evals[2].outcome, Outcome::kFailed);
}

TEST(RunnerTest, PinnedQuery) {
  auto e = parser::ParseExpr("foo + rate(bar[5m]) + sum_over_time(rate(baz[1m])[5m:1m]) + qux @ 10",
                             parser::ParseOptions::All());
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto q = PinnedQuery(**e, 100000);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(*q,
            "foo @ 100.000 + rate(bar[5m] @ 100.000) + sum_over_time(rate(baz[1m])[5m:1m] @ "
            "100.000) + qux @ 10.000");
  auto t = parser::ParseExpr("time() - foo", parser::ParseOptions::All());
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(PinnedQuery(**t, 1000).has_value());
}

}  // namespace
}  // namespace ward::promql::promqltest
