// Tests of the result comparison rules (FORMAT.md 7.4-7.7). Results are
// built by hand, so these do not depend on the engine.
#include "promql/promqltest/compare.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>

#include "storage/interface.h"

namespace ward::promql::promqltest {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

TEST(AlmostEqualTest, Rules) {
  const double stale = storage::StaleNaN();
  EXPECT_TRUE(AlmostEqual(stale, stale));
  EXPECT_FALSE(AlmostEqual(stale, kNaN));
  EXPECT_FALSE(AlmostEqual(kNaN, stale));
  EXPECT_TRUE(AlmostEqual(kNaN, -kNaN));  // any NaN equals any other NaN
  EXPECT_FALSE(AlmostEqual(kNaN, 1));
  EXPECT_TRUE(AlmostEqual(kInf, kInf));
  EXPECT_FALSE(AlmostEqual(kInf, -kInf));
  EXPECT_TRUE(AlmostEqual(0.0, -0.0));
  EXPECT_FALSE(AlmostEqual(1e-12, 0));  // zero must match exactly
  EXPECT_FALSE(AlmostEqual(0, 1e-300));
  EXPECT_TRUE(AlmostEqual(1.0, 1.0 + 1e-7));
  EXPECT_FALSE(AlmostEqual(1.0, 1.0 + 1e-5));
  EXPECT_TRUE(AlmostEqual(1e20, 1e20 * (1 + 1e-7)));
  EXPECT_TRUE(AlmostEqual(DBL_MAX, DBL_MAX));
  EXPECT_FALSE(AlmostEqual(-1, 1));
}

Result<EvalCmd> Eval(std::string_view text) {
  WARD_ASSIGN_OR_RETURN(Script s, ParseScript(text));
  return std::get<EvalCmd>(s.commands.at(0));
}

Sample S(labels::Labels ls, double v) { return Sample{std::move(ls), 0, v, false}; }

TEST(CompareTest, VectorUnorderedAndOrdered) {
  auto cmd = Eval("eval instant at 0 x\n  x{a=\"1\"} 1\n  x{a=\"2\"} 2\n");
  ASSERT_TRUE(cmd.ok()) << cmd.status().ToString();
  Vector v{S({{"__name__", "x"}, {"a", "2"}}, 2), S({{"__name__", "x"}, {"a", "1"}}, 1)};
  EXPECT_FALSE(CompareResult(*cmd, v));  // any order without `expect ordered`
  cmd->ordered = true;
  auto m = CompareResult(*cmd, v);
  ASSERT_TRUE(m);
  EXPECT_NE(m->find("position"), std::string::npos) << *m;

  v.pop_back();
  cmd->ordered = false;
  m = CompareResult(*cmd, v);
  ASSERT_TRUE(m);
  EXPECT_NE(m->find("not found"), std::string::npos) << *m;

  Vector extra{S({{"__name__", "x"}, {"a", "1"}}, 1), S({{"__name__", "x"}, {"a", "2"}}, 2),
               S({{"__name__", "y"}}, 3)};
  m = CompareResult(*cmd, extra);
  ASSERT_TRUE(m);
  EXPECT_NE(m->find("unexpected metric"), std::string::npos) << *m;

  Vector wrong{S({{"__name__", "x"}, {"a", "1"}}, 1), S({{"__name__", "x"}, {"a", "2"}}, 2.1)};
  EXPECT_TRUE(CompareResult(*cmd, wrong));
}

TEST(CompareTest, EmptyExpectationMeansEmptyResult) {
  auto cmd = Eval("eval instant at 0 x\n");
  ASSERT_TRUE(cmd.ok());
  EXPECT_FALSE(CompareResult(*cmd, Vector{}));
  EXPECT_TRUE(CompareResult(*cmd, Vector{S({{"__name__", "x"}}, 1)}));
  EXPECT_FALSE(CompareResult(*cmd, Matrix{}));
}

TEST(CompareTest, LabelSetMustMatchExactly) {
  auto cmd = Eval("eval instant at 0 x\n  {a=\"1\"} 1\n");
  ASSERT_TRUE(cmd.ok());
  EXPECT_TRUE(CompareResult(*cmd, Vector{S({{"__name__", "x"}, {"a", "1"}}, 1)}));
  EXPECT_FALSE(CompareResult(*cmd, Vector{S({{"a", "1"}}, 1)}));
}

TEST(CompareTest, Matrix) {
  auto cmd = Eval("eval range from 0 to 3m step 1m x\n  x 1 _ 3\n  y{} _ 5\n");
  ASSERT_TRUE(cmd.ok()) << cmd.status().ToString();
  Series x{{{"__name__", "x"}}, {{0, 1}, {120000, 3}}, false};
  Series y{{{"__name__", "y"}}, {{60000, 5}}, false};
  EXPECT_FALSE(CompareResult(*cmd, Matrix{x, y}));
  // Unsorted matrices fail even with the right content.
  auto m = CompareResult(*cmd, Matrix{y, x});
  ASSERT_TRUE(m);
  EXPECT_NE(m->find("sorted"), std::string::npos) << *m;
  // A point where `_` says none.
  Series x2{{{"__name__", "x"}}, {{0, 1}, {60000, 2}, {120000, 3}}, false};
  EXPECT_TRUE(CompareResult(*cmd, Matrix{x2, y}));
  // Wrong timestamp.
  Series x3{{{"__name__", "x"}}, {{0, 1}, {180000, 3}}, false};
  EXPECT_TRUE(CompareResult(*cmd, Matrix{x3, y}));
  // Ordered expectations cannot hold for a matrix.
  cmd->ordered = true;
  EXPECT_TRUE(CompareResult(*cmd, Matrix{x, y}));
}

TEST(CompareTest, TooManyExpectedPoints) {
  auto cmd = Eval("eval range from 0 to 1m step 1m x\n  x 1 2 3\n");
  ASSERT_TRUE(cmd.ok());
  Series x{{{"__name__", "x"}}, {{0, 1}, {60000, 2}}, false};
  auto m = CompareResult(*cmd, Matrix{x});
  ASSERT_TRUE(m);
  EXPECT_NE(m->find("cannot return this many"), std::string::npos) << *m;
}

TEST(CompareTest, ScalarAndString) {
  auto cmd = Eval("eval instant at 0 1\n  1\n");
  ASSERT_TRUE(cmd.ok());
  EXPECT_FALSE(CompareResult(*cmd, Scalar{0, 1}));
  EXPECT_TRUE(CompareResult(*cmd, Scalar{0, 2}));
  EXPECT_TRUE(CompareResult(*cmd, Vector{}));  // scalar expected, vector got

  auto vec_cmd = Eval("eval instant at 0 x\n  x 1\n");
  ASSERT_TRUE(vec_cmd.ok());
  EXPECT_TRUE(CompareResult(*vec_cmd, Scalar{0, 1}));

  auto str = Eval("eval instant at 0 \"a\"\n  expect string \"a\"\n");
  ASSERT_TRUE(str.ok());
  EXPECT_FALSE(CompareResult(*str, String{0, "a"}));
  EXPECT_TRUE(CompareResult(*str, String{0, "b"}));
  auto nostr = Eval("eval instant at 0 \"a\"\n");
  ASSERT_TRUE(nostr.ok());
  EXPECT_FALSE(CompareResult(*nostr, String{0, ""}));  // compared with ""
}

TEST(CompareTest, StaleExpected) {
  auto cmd = Eval("eval range from 0 to 0 step 1m x\n  x stale\n");
  ASSERT_TRUE(cmd.ok());
  Series stale{{{"__name__", "x"}}, {{0, storage::StaleNaN()}}, false};
  Series nan{{{"__name__", "x"}}, {{0, kNaN}}, false};
  EXPECT_FALSE(CompareResult(*cmd, Matrix{stale}));
  EXPECT_TRUE(CompareResult(*cmd, Matrix{nan}));
}

TEST(CompareTest, Failure) {
  auto any = Eval("eval instant at 0 x\n  expect fail\n");
  ASSERT_TRUE(any.ok());
  EXPECT_FALSE(CheckFailure(*any, "whatever"));
  auto msg = Eval("eval instant at 0 x\n  expect fail msg:  exact text \n");
  ASSERT_TRUE(msg.ok());
  EXPECT_FALSE(CheckFailure(*msg, "exact text"));
  EXPECT_TRUE(CheckFailure(*msg, "exact text!"));
  auto re = Eval("eval instant at 0 x\n  expect fail regex: conflicting label\n");
  ASSERT_TRUE(re.ok());
  EXPECT_FALSE(CheckFailure(*re, "found conflicting label set"));  // unanchored
  EXPECT_TRUE(CheckFailure(*re, "other"));
}

TEST(CompareTest, Annotations) {
  std::vector<std::string> none;
  std::vector<std::string> w1{"PromQL warning: a (1:1)"};
  std::vector<std::string> i1{"PromQL info: b (1:5)"};

  auto unchecked = Eval("eval instant at 0 x\n");
  ASSERT_TRUE(unchecked.ok());
  EXPECT_FALSE(CheckAnnotations(*unchecked, w1, i1));  // not checked without expect lines

  auto warn = Eval("eval instant at 0 x\n  expect warn\n");
  ASSERT_TRUE(warn.ok());
  EXPECT_FALSE(CheckAnnotations(*warn, w1, none));
  EXPECT_TRUE(CheckAnnotations(*warn, none, i1));

  auto no_info = Eval("eval instant at 0 x\n  expect no_info\n");
  ASSERT_TRUE(no_info.ok());
  EXPECT_FALSE(CheckAnnotations(*no_info, w1, none));
  EXPECT_TRUE(CheckAnnotations(*no_info, none, i1));

  // Both directions: every produced warning must be expected.
  auto msg = Eval("eval instant at 0 x\n  expect warn msg: PromQL warning: a (1:1)\n");
  ASSERT_TRUE(msg.ok());
  EXPECT_FALSE(CheckAnnotations(*msg, w1, none));
  std::vector<std::string> w2{"PromQL warning: a (1:1)", "PromQL warning: c (1:1)"};
  EXPECT_TRUE(CheckAnnotations(*msg, w2, none));
  auto msg_any =
      Eval("eval instant at 0 x\n  expect warn\n  expect warn msg: PromQL warning: a (1:1)\n");
  ASSERT_TRUE(msg_any.ok());
  EXPECT_FALSE(CheckAnnotations(*msg_any, w2, none));

  auto re = Eval("eval instant at 0 x\n  expect info regex: b \\([0-9]+:[0-9]+\\)\n");
  ASSERT_TRUE(re.ok());
  EXPECT_FALSE(CheckAnnotations(*re, none, i1));

  auto legacy = Eval("eval_warn instant at 0 x\n");
  ASSERT_TRUE(legacy.ok());
  EXPECT_TRUE(CheckAnnotations(*legacy, none, none));
  EXPECT_FALSE(CheckAnnotations(*legacy, w1, none));
}

}  // namespace
}  // namespace ward::promql::promqltest
