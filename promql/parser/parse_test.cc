// Table tests of the PromQL parser: tree shape, positions, printing, and
// Prometheus's error messages for invalid input.
#include "promql/parser/parse.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "promql/parser/lex.h"

// GCC 12 reports a false -Wrestrict inside libstdc++ for `"(" + string`.
#pragma GCC diagnostic ignored "-Wrestrict"

namespace ward::promql::parser {
namespace {

// A fully bracketed rendering of the tree, to check shape and precedence.
std::string Tree(const Expr& e);

std::string DurTree(const DurationExpr& d) { return ToString(d); }

std::string SelectorTree(const VectorSelector& vs) {
  std::string s = "vs:" + vs.name;
  for (const auto& m : vs.matchers) s += " " + m.ToString();
  if (vs.offset_expr) s += " offset=" + DurTree(*vs.offset_expr);
  if (vs.offset_ms) s += " offset=" + std::to_string(vs.offset_ms);
  if (vs.timestamp_ms) s += " @" + std::to_string(*vs.timestamp_ms);
  if (vs.start_or_end == StartOrEnd::kStart) s += " @start";
  if (vs.start_or_end == StartOrEnd::kEnd) s += " @end";
  if (vs.anchored) s += " anchored";
  if (vs.smoothed) s += " smoothed";
  return s;
}

std::string Tree(const Expr& e) {
  if (auto* n = e.As<NumberLiteral>()) return FormatGoFloat(n->val);
  if (auto* s = e.As<StringLiteral>()) {
    std::string out;
    AppendGoQuoted(&out, s->val);
    return out;
  }
  if (auto* vs = e.As<VectorSelector>()) return "(" + SelectorTree(*vs) + ")";
  if (auto* m = e.As<MatrixSelector>()) {
    return "(matrix " + Tree(*m->vector_selector) + " " +
           (m->range_expr ? DurTree(*m->range_expr) : std::to_string(m->range_ms)) + ")";
  }
  if (auto* s = e.As<SubqueryExpr>()) {
    std::string out = "(subquery " + Tree(*s->expr) + " " + std::to_string(s->range_ms) + ":" +
                      std::to_string(s->step_ms);
    if (s->offset_ms) out += " offset=" + std::to_string(s->offset_ms);
    if (s->timestamp_ms) out += " @" + std::to_string(*s->timestamp_ms);
    return out + ")";
  }
  if (auto* c = e.As<Call>()) {
    std::string out = "(" + c->func->name;
    for (const auto& a : c->args) out += " " + Tree(*a);
    return out + ")";
  }
  if (auto* a = e.As<AggregateExpr>()) {
    std::string out = "(" + std::string(ItemTypeString(a->op));
    if (a->without || !a->grouping.empty()) {
      out += a->without ? " without(" : " by(";
      for (size_t i = 0; i < a->grouping.size(); ++i) out += (i ? "," : "") + a->grouping[i];
      out += ")";
    }
    if (a->param) out += " " + Tree(*a->param);
    return out + " " + Tree(*a->expr) + ")";
  }
  if (auto* b = e.As<BinaryExpr>()) {
    std::string out = "(" + std::string(ItemTypeString(b->op));
    if (b->return_bool) out += " bool";
    if (b->matching) {
      static const char* kCard[] = {"1:1", "n:1", "1:n", "n:n"};
      out += std::string(" [") + kCard[static_cast<int>(b->matching->card)];
      if (b->matching->on) out += " on";
      for (const auto& l : b->matching->matching_labels) out += " " + l;
      if (!b->matching->include.empty()) {
        out += " incl";
        for (const auto& l : b->matching->include) out += " " + l;
      }
      if (b->matching->fill_left) out += " fl=" + FormatGoFloat(*b->matching->fill_left);
      if (b->matching->fill_right) out += " fr=" + FormatGoFloat(*b->matching->fill_right);
      out += "]";
    }
    return out + " " + Tree(*b->lhs) + " " + Tree(*b->rhs) + ")";
  }
  if (auto* u = e.As<UnaryExpr>())
    return "(u" + std::string(ItemTypeString(u->op)) + " " + Tree(*u->expr) + ")";
  if (auto* p = e.As<ParenExpr>()) return "(paren " + Tree(*p->expr) + ")";
  return "?";
}

struct Valid {
  const char* in;
  const char* tree;     // expected Tree(); nullptr to skip
  const char* printed;  // expected ToString(); nullptr = same as input
};

TEST(ParseTest, ValidExpressions) {
  const Valid cases[] = {
      // Numbers and scalar arithmetic.
      {"1", "1", nullptr},
      {"+Inf", "+Inf", "+Inf"},
      {"-Inf", "-Inf", nullptr},
      {".5", "0.5", "0.5"},
      {"5.", "5", "5"},
      {"5e-3", "0.005", "0.005"},
      {"0xc", "12", "12"},
      {"0755", "493", "493"},
      {"-0755", "-493", "-493"},
      {"1e6", "1e+06", "1000000"},
      {"1e-7", "1e-07", "0.0000001"},
      {"NaN", "NaN", nullptr},
      {"1m", "60", "1m"},
      {"1 + 1", "(+ 1 1)", nullptr},
      {"1 == bool 1", "(== bool 1 1)", nullptr},
      {"-1^2", "(u- (^ 1 2))", "-1 ^ 2"},
      {"-1*2", "(* -1 2)", "-1 * 2"},
      {"-1^-2", "(u- (^ 1 -2))", "-1 ^ -2"},
      {"+1 + -2 * 1", "(+ 1 (* -2 1))", "1 + -2 * 1"},
      {"1 + 2/(3*1)", "(+ 1 (/ 2 (paren (* 3 1))))", "1 + 2 / (3 * 1)"},
      {"1 < bool 2 - 1 * 2", "(< bool 1 (- 2 (* 1 2)))", nullptr},
      {"2 ^ 3 ^ 2", "(^ 2 (^ 3 2))", nullptr},
      {"2 * 3 % 2", "(% (* 2 3) 2)", nullptr},
      {"-some_metric", "(u- (vs:some_metric __name__=\"some_metric\"))", nullptr},
      {" +some_metric", "(u+ (vs:some_metric __name__=\"some_metric\"))", "+some_metric"},
      {"- - 1", "1", "1"},
      // Vector binary operations and matching.
      {"foo * bar", "(* [1:1] (vs:foo __name__=\"foo\") (vs:bar __name__=\"bar\"))", nullptr},
      {"foo * sum", "(* [1:1] (vs:foo __name__=\"foo\") (vs:sum __name__=\"sum\"))", nullptr},
      {"foo == 1", "(== (vs:foo __name__=\"foo\") 1)", nullptr},
      {"foo + bar or bla and blub",
       "(or [n:n] (+ [1:1] (vs:foo __name__=\"foo\") (vs:bar __name__=\"bar\")) (and [n:n] "
       "(vs:bla __name__=\"bla\") (vs:blub __name__=\"blub\")))",
       nullptr},
      {"foo and bar unless baz or qux",
       "(or [n:n] (unless [n:n] (and [n:n] (vs:foo __name__=\"foo\") (vs:bar __name__=\"bar\")) "
       "(vs:baz __name__=\"baz\")) (vs:qux __name__=\"qux\"))",
       nullptr},
      {"bar + on(foo) bla / on(baz, buz) group_right(test) blub",
       "(+ [1:1 on foo] (vs:bar __name__=\"bar\") (/ [1:n on baz buz incl test] (vs:bla "
       "__name__=\"bla\") (vs:blub __name__=\"blub\")))",
       "bar + on (foo) bla / on (baz, buz) group_right (test) blub"},
      {"foo * on(test,blub) group_left bar", nullptr, "foo * on (test, blub) group_left () bar"},
      {"foo and on() bar", "(and [n:n on] (vs:foo __name__=\"foo\") (vs:bar __name__=\"bar\"))",
       "foo and on () bar"},
      {"foo and ignoring() bar", nullptr, "foo and bar"},
      {"foo / ignoring(test,blub) group_left(blub) bar", nullptr,
       "foo / ignoring (test, blub) group_left (blub) bar"},
      {"foo atan2 bar", nullptr, nullptr},
      {"foo ATAN2 bar", nullptr, "foo atan2 bar"},
      {"foo AND bar", nullptr, "foo and bar"},
      {"a - on(b) group_left() (c)", nullptr, "a - on (b) group_left () (c)"},
      {"h </ 0.5", "(</ (vs:h __name__=\"h\") 0.5)", nullptr},
      {"h >/ -1 * 2", "(* (>/ (vs:h __name__=\"h\") -1) 2)", nullptr},
      {"a + fill(0) b", "(+ [1:1 fl=0 fr=0] (vs:a __name__=\"a\") (vs:b __name__=\"b\"))", nullptr},
      {"a + on(x) group_left fill_left(1) fill_right(-Inf) b",
       "(+ [n:1 on x fl=1 fr=-Inf] (vs:a __name__=\"a\") (vs:b __name__=\"b\"))",
       "a + on (x) group_left () fill_left(1) fill_right(-Inf) b"},
      {"other + fill", "(+ [1:1] (vs:other __name__=\"other\") (vs:fill __name__=\"fill\"))",
       nullptr},
      // Selectors.
      {"min", "(vs:min __name__=\"min\")", nullptr},
      {"sum(sum)", "(sum (vs:sum __name__=\"sum\"))", nullptr},
      {"by", "(vs:by __name__=\"by\")", nullptr},
      {"foo offset 5m", "(vs:foo __name__=\"foo\" offset=300000)", nullptr},
      {"foo offset -7m", "(vs:foo __name__=\"foo\" offset=-420000)", nullptr},
      {"foo OFFSET 1h30m", nullptr, "foo offset 1h30m"},
      {"foo OFFSET 1m30ms", "(vs:foo __name__=\"foo\" offset=60030)", "foo offset 1m30ms"},
      {"foo offset 10", "(vs:foo __name__=\"foo\" offset=10000)", "foo offset 10s"},
      {"foo @ 1603774568", "(vs:foo __name__=\"foo\" @1603774568000)", "foo @ 1603774568.000"},
      {"foo @ -100", "(vs:foo __name__=\"foo\" @-100000)", "foo @ -100.000"},
      {"foo @ .3", "(vs:foo __name__=\"foo\" @300)", "foo @ 0.300"},
      {"foo @ 3.3335", "(vs:foo __name__=\"foo\" @3334)", "foo @ 3.334"},
      {"foo @ 0xA", "(vs:foo __name__=\"foo\" @10000)", "foo @ 10.000"},
      {"foo @ 100s", "(vs:foo __name__=\"foo\" @100000)", "foo @ 100.000"},
      {"foo @ start()", "(vs:foo __name__=\"foo\" @start)", nullptr},
      {"foo @ END() offset 1m", "(vs:foo __name__=\"foo\" offset=60000 @end)",
       "foo @ end() offset 1m"},
      {"foo offset 1m @ 10", nullptr, "foo @ 10.000 offset 1m"},
      {"foo:bar{a=\"bc\"}", "(vs:foo:bar a=\"bc\" __name__=\"foo:bar\")", nullptr},
      {"foo{NaN='bc'}", "(vs:foo NaN=\"bc\" __name__=\"foo\")", "foo{NaN=\"bc\"}"},
      {"foo{bar='}'}", "(vs:foo bar=\"}\" __name__=\"foo\")", "foo{bar=\"}\"}"},
      {"foo{a=\"b\", foo!=\"bar\", test=~\"test\", bar!~\"baz\",}", nullptr,
       "foo{a=\"b\",bar!~\"baz\",foo!=\"bar\",test=~\"test\"}"},
      {"{__name__=\"foo\"}", "(vs: __name__=\"foo\")", nullptr},
      {"{\"foo\"}", "(vs: __name__=\"foo\")", "{__name__=\"foo\"}"},
      {"{\"my.metric\", \"a.b\"=\"x\"}", "(vs: __name__=\"my.metric\" a.b=\"x\")",
       "{\"a.b\"=\"x\",__name__=\"my.metric\"}"},
      {"{\"my.metric\"}[5m]", nullptr, "{__name__=\"my.metric\"}[5m]"},
      {"foo{a=\"\\n\\\"\"}", nullptr, nullptr},
      {"test[5s]", "(matrix (vs:test __name__=\"test\") 5000)", nullptr},
      {"foo[5m30s]", nullptr, nullptr},
      {"test[5h] OFFSET 5m", "(matrix (vs:test __name__=\"test\" offset=300000) 18000000)",
       "test[5h] offset 5m"},
      {"test[5w] offset 2w", nullptr, nullptr},
      {"test[14d]", nullptr, "test[2w]"},
      {"test{a=\"b\"}[5y] @ 1603774699", nullptr, "test{a=\"b\"}[5y] @ 1603774699.000"},
      {"foo[1]", "(matrix (vs:foo __name__=\"foo\") 1000)", "foo[1s]"},
      {"foo[1.5]", "(matrix (vs:foo __name__=\"foo\") 1500)", "foo[1s500ms]"},
      {"foo[5m] anchored", "(matrix (vs:foo __name__=\"foo\" anchored) 300000)", nullptr},
      {"foo smoothed", "(vs:foo __name__=\"foo\" smoothed)", nullptr},
      {"metric @ 100 smoothed", nullptr, "metric @ 100.000 smoothed"},
      {"metric smoothed offset 1m @ 100", nullptr, "metric @ 100.000 smoothed offset 1m"},
      {"rate(foo[5m] offset 1m anchored)", nullptr, "rate(foo[5m] anchored offset 1m)"},
      {"foo[5m] @ 10 anchored", nullptr, "foo[5m] anchored @ 10.000"},
      // Duration expressions.
      {"foo[5m+1m]", "(matrix (vs:foo __name__=\"foo\") 5m + 1m)", "foo[5m + 1m]"},
      {"foo[(5+2) * 1m]", nullptr, "foo[(5 + 2) * 1m]"},
      {"foo[step()]", "(matrix (vs:foo __name__=\"foo\") step())", nullptr},
      {"foo[min_of(step()+1, 1h)]", nullptr, "foo[min_of(step() + 1, 1h)]"},
      {"foo offset (1h / 2)", "(vs:foo __name__=\"foo\" offset=(1h / 2) offset=1800000)", nullptr},
      {"foo offset step()*2", "(* (vs:foo __name__=\"foo\" offset=step()) 2)",
       "foo offset step() * 2"},
      {"foo offset -step()*2", "(* (vs:foo __name__=\"foo\" offset=-step()) 2)",
       "foo offset -step() * 2"},
      {"foo offset -min_of(step(), 1s)^0", nullptr, "foo offset -min_of(step(), 1s) ^ 0"},
      {"foo[29s+1s:5s+5s]", nullptr, "foo[29s + 1s:5s + 5s]"},
      // Aggregations.
      {"sum by (foo)(some_metric)", "(sum by(foo) (vs:some_metric __name__=\"some_metric\"))",
       "sum by (foo) (some_metric)"},
      {"sum (some_metric) without (foo)", nullptr, "sum without (foo) (some_metric)"},
      {"sum by ()(some_metric)", nullptr, "sum(some_metric)"},
      {"sum without ()(some_metric)", nullptr, "sum without () (some_metric)"},
      {"sum by (foo,bar,)(some_metric)", nullptr, "sum by (foo, bar) (some_metric)"},
      {"topk(5, some_metric)", "(topk 5 (vs:some_metric __name__=\"some_metric\"))", nullptr},
      {"count_values(\"value\", some_metric)", nullptr, nullptr},
      {"sum without(and, by, avg, count, alert, annotations)(some_metric)", nullptr,
       "sum without (and, by, avg, count, alert, annotations) (some_metric)"},
      {"SUM(foo)", nullptr, "sum(foo)"},
      {"quantile by (a) (0.9, foo)", nullptr, "quantile by (a) (0.9, foo)"},
      {"sum by (\"a.b\") (foo)", nullptr, "sum by (\"a.b\") (foo)"},
      {"limitk(2, foo)", nullptr, nullptr},
      {"limit_ratio(0.5, foo)", nullptr, nullptr},
      // Functions.
      {"time()", "(time)", nullptr},
      {"floor(some_metric{foo!=\"bar\"})", nullptr, nullptr},
      {"rate(some_metric[5m])", nullptr, nullptr},
      {"round(some_metric, 5)", nullptr, nullptr},
      {"hour()", nullptr, nullptr},
      {"label_join(foo, \"a\", \",\")", nullptr, nullptr},
      {"label_join(foo, \"a\", \",\", \"b\", \"c\")", nullptr, nullptr},
      {"sort_by_label(foo, \"a\", \"b\")", nullptr, nullptr},
      {"histogram_quantiles(foo, \"q\", 0.1, 0.5)", nullptr, nullptr},
      {"info(foo, {data=~\".*\"})", nullptr, nullptr},
      {"info(foo, {})", nullptr, nullptr},
      {"info(foo)", nullptr, nullptr},
      {"vector(step())", nullptr, nullptr},
      {"min_of(1, 2)", nullptr, nullptr},
      // Strings.
      {"\"double-quoted string \\\" with escaped quote\"", nullptr, nullptr},
      {"'single-quoted string \\' with escaped quote'",
       "\"single-quoted string ' with escaped quote\"",
       "\"single-quoted string ' with escaped quote\""},
      {"`backtick-quoted string`", nullptr, "\"backtick-quoted string\""},
      {"\"a\\xc5z\"", nullptr, "\"a\\xc5z\""},
      // Subqueries.
      {"foo{bar=\"baz\"}[10m:6s]", "(subquery (vs:foo bar=\"baz\" __name__=\"foo\") 600000:6000)",
       nullptr},
      {"foo[10m5s:1h6ms]", nullptr, nullptr},
      {"foo[10m:]", "(subquery (vs:foo __name__=\"foo\") 600000:0)", nullptr},
      {"min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:5s])", nullptr, nullptr},
      {"min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:])[4m:3s]", nullptr, nullptr},
      {"sum without(and)(foo)[5m:] offset 4m", nullptr, "sum without (and) (foo)[5m:] offset 4m"},
      {"(foo + bar{nm=\"val\"})[5m:] @ 1603775019 offset 10m", nullptr,
       "(foo + bar{nm=\"val\"})[5m:] @ 1603775019.000 offset 10m"},
      {"foo offset 1m [5m:]", "(subquery (vs:foo __name__=\"foo\" offset=60000) 300000:0)",
       "foo offset 1m[5m:]"},
      // Comments and whitespace.
      {"foo # a comment\n + bar", nullptr, "foo + bar"},
  };
  for (const auto& c : cases) {
    auto e = ParseExpr(c.in, ParseOptions::All());
    ASSERT_TRUE(e.ok()) << c.in << ": " << e.status().ToString();
    if (c.tree != nullptr) {
      EXPECT_EQ(Tree(**e), c.tree) << c.in;
    }
    EXPECT_EQ(ToString(**e), c.printed ? c.printed : c.in) << c.in;
    // Printing is stable: the printed form parses back to the same text.
    auto again = ParseExpr(ToString(**e), ParseOptions::All());
    ASSERT_TRUE(again.ok()) << ToString(**e) << ": " << again.status().ToString();
    EXPECT_EQ(ToString(**again), ToString(**e)) << c.in;
  }
}

TEST(ParseTest, Positions) {
  struct Case {
    const char* in;
    int start, end;
  } cases[] = {
      {"1", 0, 1},
      {"-0755", 0, 5},
      {" +some_metric", 1, 13},
      {"foo offset 5m", 0, 13},
      {"test[5h] OFFSET 5m", 0, 18},
      {"sum by (foo)(some_metric)", 0, 25},
      {"sum (some_metric) without (foo)", 0, 31},
      {"rate(some_metric[5m])", 0, 21},
      {"foo{bar=\"baz\"}[10m5s:1h6ms]", 0, 27},
      {"foo @ 3.33", 0, 10},
      {"(1 + 2)", 0, 7},
      {"a + b", 0, 5},
  };
  for (const auto& c : cases) {
    auto e = ParseExpr(c.in);
    ASSERT_TRUE(e.ok()) << c.in << ": " << e.status().ToString();
    EXPECT_EQ((*e)->pos.start, c.start) << c.in;
    EXPECT_EQ((*e)->pos.end, c.end) << c.in;
  }
  auto e = ParseExpr("rate(some_metric[5m])");
  const auto& ms = *(*e)->As<Call>()->args[0];
  EXPECT_EQ(ms.pos.start, 5);
  EXPECT_EQ(ms.pos.end, 20);
  EXPECT_EQ(ms.As<MatrixSelector>()->vector_selector->pos.end, 16);
}

struct Invalid {
  const char* in;
  const char* msg;  // full error text, or a substring when it starts with '~'
};

TEST(ParseTest, InvalidExpressions) {
  const Invalid cases[] = {
      {"", "1:1: parse error: no expression found in input"},
      {"# just a comment\n\n", "1:1: parse error: no expression found in input"},
      {"1+", "1:3: parse error: unexpected end of input"},
      {".", "1:1: parse error: unexpected character: '.'"},
      {"2.5.", "1:4: parse error: unexpected character: '.'"},
      {"100..4", "1:5: parse error: unexpected number \".4\""},
      {"0deadbeef", "1:1: parse error: bad number or duration syntax: \"0de\""},
      {"1 /", "1:4: parse error: unexpected end of input"},
      {"*1", "1:1: parse error: unexpected <op:*>"},
      {"(1))", "1:4: parse error: unexpected right parenthesis ')'"},
      {"((1)", "1:5: parse error: unclosed left parenthesis"},
      {"(", "1:2: parse error: unclosed left parenthesis"},
      {"1 and 1", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
      {"1 == 1", "1:3: parse error: comparisons between scalars must use BOOL modifier"},
      {"1 !~ 1", "1:4: parse error: unexpected character after '!': '~'"},
      {"1 =~ 1", "1:4: parse error: unexpected character after '=': '~'"},
      {"-\"string\"",
       "1:1: parse error: unary expression only allowed on expressions of type scalar or instant "
       "vector, got \"string\""},
      {"-test[5m]",
       "1:1: parse error: unary expression only allowed on expressions of type scalar or instant "
       "vector, got \"range vector\""},
      {"1 offset 1d",
       "1:1: parse error: offset modifier must be preceded by an instant vector selector or range "
       "vector selector or a subquery"},
      {"foo offset 1s offset 2s", "~offset may not be set multiple times"},
      {"a - on(b) ignoring(c) d", "1:11: parse error: unexpected <ignoring>"},
      {"foo and 1", "~set operator \"and\" not allowed in binary scalar expression"},
      {"1 or on(bar) foo", "~vector matching only allowed between instant vectors"},
      {"foo == on(bar) 10", "~vector matching only allowed between instant vectors"},
      {"foo + group_left(baz) bar", "~unexpected <group_left>"},
      {"foo and on(bar) group_left(baz) bar", "~no grouping allowed for \"and\" operation"},
      {"foo or on(bar) group_right(baz) bar", "~no grouping allowed for \"or\" operation"},
      {"http_requests{group=\"production\"} + on(instance) group_left(job,instance) "
       "cpu_count{type=\"smp\"}",
       "~label \"instance\" must not occur in ON and GROUP clause at once"},
      {"foo + bool bar", "~bool modifier can only be used on comparison operators"},
      {"foo and bool 10", "~bool modifier can only be used on comparison operators"},
      {"foo @ +Inf", "1:1: parse error: timestamp out of bounds for @ modifier: +Inf"},
      {"foo @ NaN", "1:1: parse error: timestamp out of bounds for @ modifier: NaN"},
      {"foo @ 1 @ 2", "~@ <timestamp> may not be set multiple times"},
      {"{", "1:2: parse error: unexpected end of input inside braces"},
      {"}", "1:1: parse error: unexpected right brace '}'"},
      {"some{", "~unexpected end of input inside braces"},
      {"some_metric{a=b}", "~unexpected identifier \"b\" in label matching, expected string"},
      {"some_metric{a:b=\"b\"}", "~unexpected character inside braces: ':'"},
      {"foo{a*\"b\"}", "~unexpected character inside braces: '*'"},
      {"foo{a>=\"b\"}", "~unexpected character inside braces: '>'"},
      {"some_metric{a=\"\xff\"}", "1:15: parse error: invalid UTF-8 rune"},
      {"foo{gibberish}", "~unexpected \"}\" in label matching, expected label matching operator"},
      {"foo{1}", "~unexpected character inside braces: '1'"},
      {"{}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"{x=\"\"}", "~vector selector must contain at least one non-empty matcher"},
      {"{x=~\".*\"}", "~vector selector must contain at least one non-empty matcher"},
      {"{x!~\".+\"}", "~vector selector must contain at least one non-empty matcher"},
      {"{x!=\"a\"}", "~vector selector must contain at least one non-empty matcher"},
      {"foo{__name__=\"bar\"}", "~metric name must not be set twice: \"foo\" or \"bar\""},
      {"foo{__name__= =}",
       "1:15: parse error: unexpected \"=\" in label matching, expected string"},
      {"foo{,}", "~unexpected \",\" in label matching, expected identifier or \"}\""},
      {"foo{__name__=\"bar\" lol}",
       "~unexpected identifier \"lol\" in label matching, expected \",\" or \"}\""},
      {"foo{a=~\"(\"}", "~error parsing regexp: missing )"},
      {"-foo[5m:]",
       "~unary expression only allowed on expressions of type scalar or instant vector, got "
       "\"range vector\""},
      {"foo[5mm]", "~bad number or duration syntax: \"5mm\""},
      {"foo[5m1]", "~bad number or duration syntax: \"5m1\""},
      {"foo[5y1hs]", "~not a valid duration string: \"5y1hs\""},
      {"foo[5m1h]", "~not a valid duration string: \"5m1h\""},
      {"foo[0m]", "~duration must be greater than 0"},
      {"foo[-1]", "~duration must be greater than 0"},
      {"foo[0]", "~duration must be greater than 0"},
      {"foo[\"5m\"]",
       "~unexpected string \"\\\"5m\\\"\" in subquery selector, expected number or duration"},
      {"foo[]",
       "1:5: parse error: unexpected \"]\" in subquery selector, expected number or duration"},
      {"foo[5m", "~unclosed left bracket"},
      {"foo[5m:1m1]", "~bad number or duration syntax: \"1m1\""},
      {"some_metric[5m] OFFSET 1mm", "~bad number or duration syntax: \"1mm\""},
      {"some_metric[5m] OFFSET",
       "1:23: parse error: unexpected end of input in offset, expected number or duration"},
      {"some_metric OFFSET 1m[5m]", "1:22: parse error: no offset modifiers allowed before range"},
      {"some_metric[5m] @", "1:18: parse error: unexpected end of input in @, expected timestamp"},
      {"some_metric @ 1234 [5m]", "1:20: parse error: no @ modifiers allowed before range"},
      {"(foo + bar)[5m]", "1:12: parse error: ranges only allowed for vector selectors"},
      {"sum without(==)(some_metric)", "~unexpected <op:==> in grouping opts, expected label"},
      {"sum without(,)(some_metric)", "~unexpected \",\" in grouping opts, expected label"},
      {"sum without(foo,,)(some_metric)", "~unexpected \",\" in grouping opts, expected label"},
      {"sum some_metric by (test)", "~unexpected identifier \"some_metric\""},
      {"sum (some_metric) by test", "~unexpected identifier \"test\" in grouping opts"},
      {"sum () by (test)", "~no arguments for aggregate expression provided"},
      {"MIN keep_common (some_metric)", "1:5: parse error: unexpected identifier \"keep_common\""},
      {"MIN (some_metric) keep_common", "~unexpected identifier \"keep_common\""},
      {"sum (some_metric) without (test) by (test)", "~unexpected <by>"},
      {"sum without (test) (some_metric) by (test)", "~unexpected <by>"},
      {"topk(some_metric)",
       "~wrong number of arguments for aggregate expression provided, expected 2, got 1"},
      {"topk(some_metric,)", "~trailing commas not allowed in function call args"},
      {"topk(some_metric, other_metric)",
       "1:6: parse error: expected type scalar in aggregation parameter, got instant vector"},
      {"count_values(5, other_metric)",
       "1:14: parse error: expected type string in aggregation parameter, got scalar"},
      {"sum(rate(foo[5m])[5m])", "~ranges only allowed for vector selectors"},
      {"rate(some_metric[5m]) @ 1234",
       "1:1: parse error: @ modifier must be preceded by an instant vector selector or range "
       "vector selector or a subquery"},
      {"floor()", "1:1: parse error: expected 1 argument(s) in call to \"floor\", got 0"},
      {"floor(some_metric, other_metric)", "~expected 1 argument(s) in call to \"floor\", got 2"},
      {"floor(1)",
       "1:7: parse error: expected type instant vector in call to function \"floor\", got scalar"},
      {"hour(some_metric, some_metric, some_metric)",
       "~expected at most 1 argument(s) in call to \"hour\", got 3"},
      {"label_join(foo, \"a\")",
       "~expected at least 3 argument(s) in call to \"label_join\", got 2"},
      {"time(some_metric)", "~expected 0 argument(s) in call to \"time\", got 1"},
      {"non_existent_function_far_bar()",
       "1:1: parse error: unknown function with name \"non_existent_function_far_bar\""},
      {"rate(some_metric)",
       "1:6: parse error: expected type range vector in call to function \"rate\", got instant "
       "vector"},
      {"label_replace(a, `b`, `c\xff`, `d`, `.*`)", "1:23: parse error: invalid UTF-8 rune"},
      {"-=", "~unexpected \"=\""},
      {"++-++-+-+-<", "~unexpected <op:<>"},
      {"e-+=/(0)", "~unexpected \"=\""},
      {"a>b()", "~unknown function"},
      {"rate(avg)", "~expected type range vector"},
      {"`\\``", "~unterminated raw string"},
      {"\"\\", "~escape sequence not terminated"},
      {"\"\\c\"", "~unknown escape sequence U+0063 'c'"},
      {"\"\\x.\"", "~illegal character U+002E '.' in escape sequence"},
      {"test[5d] OFFSET 10s [10m:5s]",
       "~subquery is only allowed on instant vector, got matrix instead"},
      {"(foo + bar{nm=\"val\"})[5m:][10m:5s]",
       "~subquery is only allowed on instant vector, got matrix instead"},
      {"rate(foo[5m])[1m]", "~ranges only allowed for vector selectors"},
      {"foo[5m:1m] offset 1m offset 2m", "~offset may not be set multiple times"},
      {"sum(foo)[5m:] @ 1 @ 2", "~@ <timestamp> may not be set multiple times"},
      {"1[5m:]", "~subquery is only allowed on instant vector, got scalar instead"},
      {"foo[5m][5m:]", "~subquery is only allowed on instant vector, got matrix instead"},
      {"foo[5m] + 1", "~binary expression must contain only scalar and instant vector types"},
      {"\"a\" + 1",
       "1:1: parse error: binary expression must contain only scalar and instant vector types"},
      {"sum(\"a\")", "~expected type instant vector in aggregation expression, got string"},
      {"foo bool", "~unexpected <bool>"},
      {"bool", "1:1: parse error: unexpected <bool>"},
      {"on", "~unexpected <on>"},
      {"atan2", "~unexpected <op:atan2>"},
      {"foo{a=\"b\"} @ start", "~unexpected"},
      {"foo[5m:] anchored", "~anchored modifier must be preceded by"},
      {"info(foo, bar)",
       "1:11: parse error: expected label selectors only, got vector selector instead"},
      {"info(foo, 1)",
       "1:1: parse error: expected type instant vector in call to function \"info\", got scalar"},
      {"info(foo, {a=\"b\"}, 1)", "~expected at most 2 argument(s) in call to \"info\", got 3"},
      {"foo[5m] anchored smoothed", "~may not be set multiple times"},
  };
  for (const auto& c : cases) {
    auto e = ParseExpr(c.in, ParseOptions::All());
    if (c.msg == nullptr) {
      EXPECT_TRUE(e.ok()) << c.in << ": " << e.status().ToString();
      continue;
    }
    ASSERT_FALSE(e.ok()) << c.in << " parsed as " << ToString(**e);
    std::string msg(e.status().message());
    if (c.msg[0] == '~') {
      EXPECT_NE(msg.find(c.msg + 1), std::string::npos) << c.in << "\n  got: " << msg;
    } else {
      EXPECT_EQ(msg, c.msg) << c.in;
    }
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ParseTest, FeatureFlags) {
  ParseOptions defaults;
  auto e = ParseExpr("limitk(1, foo)", defaults);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(),
            "1:1: parse error: limitk() and limit_ratio() are experimental and must be enabled "
            "with --enable-feature=promql-experimental-functions");
  e = ParseExpr("mad_over_time(foo[5m])", defaults);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "1:1: parse error: function \"mad_over_time\" is not enabled");
  EXPECT_TRUE(ParseExpr("mad_over_time(foo[5m])", ParseOptions::All()).ok());
  // Without extended selectors `anchored` is just an unexpected identifier.
  e = ParseExpr("rate(foo[5m] anchored)", defaults);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("unexpected identifier \"anchored\""), std::string::npos)
      << e.status().ToString();
  // Without fill modifiers `fill(0)` is an (unknown) function call.
  e = ParseExpr("a + fill(0) b", defaults);
  ASSERT_FALSE(e.ok());
  ParseOptions no_dur;
  no_dur.duration_expressions = false;
  EXPECT_FALSE(ParseExpr("foo[5m+1m]", no_dur).ok());
  EXPECT_TRUE(ParseExpr("foo[5m]", no_dur).ok());
}

TEST(ParseTest, MultiLineErrorPosition) {
  auto e = ParseExpr("sum(\n  foo +\n  )");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "3:3: parse error: unexpected \")\"");
}

TEST(ParseTest, DeepInputDoesNotCrash) {
  // Prometheus's regression input, scaled to ward's depth limit.
  std::string in = "(";
  for (int i = 0; i < 1000; ++i) in += "-{}-1";
  in += ")";
  for (int i = 0; i < 1000; ++i) in += "[1m:]";
  auto e = ParseExpr(in);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(),
            "1:3: parse error: vector selector must contain at least one non-empty matcher");
  // Beyond the limits: a clean error, no stack overflow.
  std::string nested(100000, '(');
  e = ParseExpr(nested + "1" + std::string(100000, ')'));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("nested too deeply"), std::string::npos);
  std::string chain = "a";
  for (int i = 0; i < 20000; ++i) chain += " + a";
  e = ParseExpr(chain);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("nested too deeply"), std::string::npos);
  e = ParseExpr(chain + " +");
  ASSERT_FALSE(e.ok());
  std::string dur = "foo[" + std::string(50000, '(') + "1";
  e = ParseExpr(dur);
  ASSERT_FALSE(e.ok());
  // Long but allowed.
  chain = "a";
  for (int i = 0; i < 4000; ++i) chain += " + a";
  e = ParseExpr(chain);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(ToString(**e).size(), chain.size());
}

TEST(ParseTest, EvalDuration) {
  auto e = ParseExpr("foo[min_of(step() * 2, 1h) + 1]", ParseOptions::All());
  ASSERT_TRUE(e.ok());
  const auto* ms = (*e)->As<MatrixSelector>();
  ASSERT_NE(ms->range_expr, nullptr);
  EXPECT_EQ(*EvalDuration(*ms->range_expr, 10000, 0, false), 21000);
  EXPECT_EQ(*EvalDuration(*ms->range_expr, 3600000, 0, false), 3601000);
  e = ParseExpr("foo[step()-step()]", ParseOptions::All());
  ASSERT_TRUE(e.ok());
  auto r = EvalDuration(*(*e)->As<MatrixSelector>()->range_expr, 5000, 0, false);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("duration must be greater than 0"), std::string::npos);
  // Constant expressions that cannot be evaluated fail when parsed.
  e = ParseExpr("foo[5m-5m]", ParseOptions::All());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "1:5: parse error: duration must be greater than 0");
  e = ParseExpr("foo[1h/0]", ParseOptions::All());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "1:5: parse error: division by zero");
  e = ParseExpr("foo offset (1m-2m)", ParseOptions::All());
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->As<VectorSelector>()->offset_ms, -60000);
  e = ParseExpr("foo offset -(step()*2)", ParseOptions::All());
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*EvalDuration(*(*e)->As<VectorSelector>()->offset_expr, 5000, 0, true), -10000);
  e = ParseExpr("foo[1h/(step()-step())]", ParseOptions::All());
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(EvalDuration(*(*e)->As<MatrixSelector>()->range_expr, 1000, 0, false).ok());
  // Constant expressions are also folded at parse time.
  e = ParseExpr("foo[5m+1m:10s*3]", ParseOptions::All());
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->As<SubqueryExpr>()->range_ms, 360000);
  EXPECT_EQ((*e)->As<SubqueryExpr>()->step_ms, 30000);
}

TEST(ParseTest, Types) {
  struct Case {
    const char* in;
    ValueType t;
  } cases[] = {
      {"1", ValueType::kScalar},         {"\"a\"", ValueType::kString},
      {"foo", ValueType::kVector},       {"foo[5m]", ValueType::kMatrix},
      {"foo[5m:]", ValueType::kMatrix},  {"1 + 1", ValueType::kScalar},
      {"foo + 1", ValueType::kVector},   {"scalar(foo)", ValueType::kScalar},
      {"-(1)", ValueType::kScalar},      {"sum(foo)", ValueType::kVector},
      {"(foo[5m])", ValueType::kMatrix},
  };
  for (const auto& c : cases) {
    auto e = ParseExpr(c.in);
    ASSERT_TRUE(e.ok()) << c.in;
    EXPECT_EQ((*e)->Type(), c.t) << c.in;
  }
}

TEST(ParseTest, CloneIsDeep) {
  auto e = ParseExpr("sum by (a) (rate(foo{b=~\"c.*\"}[5m] offset 1m)) / on (a) group_left bar");
  ASSERT_TRUE(e.ok());
  ExprPtr c = Clone(**e);
  EXPECT_EQ(ToString(*c), ToString(**e));
  EXPECT_NE(c->As<BinaryExpr>()->lhs.get(), (*e)->As<BinaryExpr>()->lhs.get());
}

TEST(ParseTest, Prettify) {
  auto e = ParseExpr("sum(rate(foo[5m]))");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(Prettify(**e), "sum(rate(foo[5m]))");
  e = ParseExpr(
      "sum by (job) (rate(http_requests_total{job=\"api-server\", handler=\"/api/comments\"}[5m])) "
      "/ on (job) group_left sum by (job) (rate(http_requests_total{job=\"api-server\"}[5m]))");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(Prettify(**e),
            "  sum by (job) "
            "(rate(http_requests_total{handler=\"/api/comments\",job=\"api-server\"}[5m]))\n"
            "/ on (job) group_left ()\n"
            "  sum by (job) (rate(http_requests_total{job=\"api-server\"}[5m]))");
  // The pretty form parses back to the same expression.
  auto again = ParseExpr(Prettify(**e));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(ToString(**again), ToString(**e));
  e = ParseExpr(
      "topk(5, -histogram_quantile(0.99, sum by (le) "
      "(rate(request_duration_seconds_bucket{service=\"checkout\"}[10m]))))");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(Prettify(**e),
            "topk(\n"
            "  5,\n"
            "  -histogram_quantile(\n"
            "    0.99,\n"
            "    sum by (le) (rate(request_duration_seconds_bucket{service=\"checkout\"}[10m]))\n"
            "  )\n"
            ")");
  again = ParseExpr(Prettify(**e));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(ToString(**again), ToString(**e));
}

TEST(ParseTest, MetricSelector) {
  auto m = ParseMetricSelector("foo{a=\"b\", c=~\"d.*\"}");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[0].ToString(), "a=\"b\"");
  EXPECT_EQ((*m)[2].ToString(), "__name__=\"foo\"");
  m = ParseMetricSelector("{__name__=~\"x.*\"}");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->size(), 1u);
  EXPECT_FALSE(ParseMetricSelector("foo offset 5m").ok());
  EXPECT_FALSE(ParseMetricSelector("rate(foo[5m])").ok());
  EXPECT_FALSE(ParseMetricSelector("foo{").ok());
  EXPECT_FALSE(ParseMetricSelector("").ok());
}

TEST(ParseTest, SeriesDesc) {
  labels::Labels ls;
  std::vector<SequenceValue> v;
  ASSERT_TRUE(
      ParseSeriesDesc("metric{a=\"b\", c='d'} 1+1x3 _ stale -2+4x1 0x2 _x2 3", &ls, &v).ok());
  EXPECT_EQ(ls.ToString(), "{__name__=\"metric\", a=\"b\", c=\"d\"}");
  ASSERT_EQ(v.size(), 4u + 1 + 1 + 2 + 3 + 2 + 1);
  EXPECT_EQ(v[0].value, 1);
  EXPECT_EQ(v[3].value, 4);
  EXPECT_TRUE(v[4].omitted);
  EXPECT_TRUE(std::isnan(v[5].value));
  uint64_t bits;
  std::memcpy(&bits, &v[5].value, 8);
  EXPECT_EQ(bits, 0x7ff0000000000002ULL);
  EXPECT_EQ(v[6].value, -2);
  EXPECT_EQ(v[7].value, 2);
  EXPECT_EQ(v[8].value, 0);
  EXPECT_EQ(v[10].value, 0);
  EXPECT_TRUE(v[11].omitted && v[12].omitted);
  EXPECT_EQ(v[13].value, 3);

  ASSERT_TRUE(ParseSeriesDesc("{} 0.1+0.1x3", &ls, &v).ok());
  EXPECT_TRUE(ls.empty());
  double want = 0.1;
  for (int i = 1; i < 4; ++i) want += 0.1;
  EXPECT_EQ(v[3].value, want);  // repeated addition, bit for bit

  ASSERT_TRUE(
      ParseSeriesDesc("h {{schema:0 sum:5 count:4 buckets:[1 2 1] counter_reset_hint:gauge}} "
                      "{{schema:0 count:1 offset:-1 buckets:[1]}}+{{schema:1 count:2 buckets:[1 1] "
                      "offset:1}}x2",
                      &ls, &v)
          .ok());
  ASSERT_EQ(v.size(), 4u);
  ASSERT_NE(v[0].histogram, nullptr);
  EXPECT_EQ(v[0].histogram->sum, 5);
  EXPECT_EQ(v[0].histogram->buckets, (std::vector<double>{1, 2, 1}));
  EXPECT_EQ(v[0].histogram->counter_reset_hint, 3);
  EXPECT_TRUE(v[0].histogram->hint_given);
  // schema-1 buckets 1 and 2 both fall into schema-0 bucket 1.
  EXPECT_EQ(v[3].histogram->count, 5);
  EXPECT_EQ(v[3].histogram->offset, -1);
  EXPECT_EQ(v[3].histogram->buckets, (std::vector<double>{1, 0, 4}));

  EXPECT_FALSE(ParseSeriesDesc("metric{a=\"b\" 1", &ls, &v).ok());
  EXPECT_FALSE(ParseSeriesDesc("metric 1+1", &ls, &v).ok());
  EXPECT_FALSE(ParseSeriesDesc("metric foo", &ls, &v).ok());
  EXPECT_FALSE(ParseSeriesDesc("metric {{schema:1}}+{{schema:0}}x2", &ls, &v).ok());
  EXPECT_FALSE(ParseSeriesDesc("metric {{bogus:1}}", &ls, &v).ok());
}

}  // namespace
}  // namespace ward::promql::parser
