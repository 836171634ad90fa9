// Tests for PromParser: a corpus covering the text format's syntax, and a
// table of malformed inputs with the exact errors Prometheus gives.
#include "model/textparse/promparse.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "model/textparse/test_util.h"

namespace ward::textparse {
namespace {

using testing::Item;
using testing::ParseAll;

Item S(std::string m, double v, std::string lset, std::optional<int64_t> ts = std::nullopt) {
  Item it;
  it.entry = Entry::kSeries;
  it.m = std::move(m);
  it.v = v;
  it.lset = std::move(lset);
  it.ts = ts;
  return it;
}
Item H(std::string m, std::string help) {
  Item it;
  it.entry = Entry::kHelp;
  it.m = std::move(m);
  it.help = std::move(help);
  return it;
}
Item T(std::string m, MetricType t) {
  Item it;
  it.entry = Entry::kType;
  it.m = std::move(m);
  it.typ = t;
  return it;
}
Item C(std::string c) {
  Item it;
  it.entry = Entry::kComment;
  it.comment = std::move(c);
  return it;
}

void ExpectItems(const std::vector<Item>& got, const std::vector<Item>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); i++) {
    SCOPED_TRACE("entry " + std::to_string(i) + ": " + want[i].m + want[i].comment);
    EXPECT_EQ(got[i].entry, want[i].entry);
    EXPECT_EQ(got[i].m, want[i].m);
    EXPECT_EQ(got[i].ts, want[i].ts);
    if (std::isnan(want[i].v)) {
      EXPECT_TRUE(std::isnan(got[i].v));
    } else {
      EXPECT_EQ(got[i].v, want[i].v);
    }
    EXPECT_EQ(got[i].lset, want[i].lset);
    EXPECT_EQ(got[i].help, want[i].help);
    EXPECT_EQ(got[i].typ, want[i].typ);
    EXPECT_EQ(got[i].comment, want[i].comment);
    EXPECT_FALSE(got[i].has_exemplar);
  }
}

TEST(TextparsePromTest, Corpus) {
  std::string input =
      "# HELP rpc_latency_seconds Latency of RPCs.\n"
      "# \tTYPE rpc_latency_seconds summary\n"
      "rpc_latency_seconds{quantile=\"0\"} 1.5e-05\n"
      "rpc_latency_seconds{quantile=\"0.5\",} 2.25e-05\n"
      "rpc_latency_seconds{quantile=\"0.9\",svc=\"db\"} 3e-05\n"
      "rpc_latency_seconds{quantile=\"0.99\", svc=\"db\"} 3e-05\n"
      "rpc_latency_seconds{ quantile=\"1\", svc=\"db\"} 4e-05\n"
      "# Helpless comment that starts like HELP\n"
      "#\n"
      "disk_free{Dev=\"sda\",z=\"1\"} 12345\n"
      "# escaped \\n stays as written in comments\n"
      "# HELP empty_help\n"
      "# HELP empty_help2 \n"
      "\n"
      "rpc_latency_seconds{ quantile=\"1\", svc=\"web\" } 4e-05\n"
      "rpc_latency_seconds { quantile = \"1\" , svc = \"api\" } 5e-05\n"
      "rpc_latency_seconds { quantile=\"2\" svc=\"x\" } 6e-05\n"
      "rpc_latency_seconds_count 42\n"
      "job:requests:rate5m{a_b=\"c\"}\t7\n"
      "# HELP threads Threads in use.\\nSecond line, a \\\\ backslash and \\\" kept\n"
      "# TYPE threads gauge\n"
      "threads 17  \t1700000000000\n"
      "_leading_underscore 1\n"
      "m{_l=\"v\"} 1\n"
      "m{l=\"\\\"q\\\" \\\\ \\n \\t\"} 2\n"
      "# TYPE h histogram\n"
      "h_bucket{le=\"1\"} 3\n"
      "h_bucket{le=\"1e6\"} 4\n"
      "h_bucket{le=\"+Inf\"} 5\n"
      "h_bucket{le=\"0.0001\"} 6\n"
      "h_bucket{le=\"notanumber\"} 7\n"
      "# HELP metric foo";
  input.push_back('\0');
  input += "bar\nnull_byte_metric{a=\"abc";
  input.push_back('\0');
  input += "\"} 1";  // no trailing newline

  std::vector<Item> want = {
      H("rpc_latency_seconds", "Latency of RPCs."),
      T("rpc_latency_seconds", MetricType::kSummary),
      S("rpc_latency_seconds{quantile=\"0\"}", 1.5e-05,
        "{__name__=\"rpc_latency_seconds\", quantile=\"0.0\"}"),
      S("rpc_latency_seconds{quantile=\"0.5\",}", 2.25e-05,
        "{__name__=\"rpc_latency_seconds\", quantile=\"0.5\"}"),
      S("rpc_latency_seconds{quantile=\"0.9\",svc=\"db\"}", 3e-05,
        "{__name__=\"rpc_latency_seconds\", quantile=\"0.9\", svc=\"db\"}"),
      S("rpc_latency_seconds{quantile=\"0.99\", svc=\"db\"}", 3e-05,
        "{__name__=\"rpc_latency_seconds\", quantile=\"0.99\", svc=\"db\"}"),
      S("rpc_latency_seconds{ quantile=\"1\", svc=\"db\"}", 4e-05,
        "{__name__=\"rpc_latency_seconds\", quantile=\"1.0\", svc=\"db\"}"),
      C("# Helpless comment that starts like HELP"),
      C("#"),
      S("disk_free{Dev=\"sda\",z=\"1\"}", 12345, "{Dev=\"sda\", __name__=\"disk_free\", z=\"1\"}"),
      C("# escaped \\n stays as written in comments"),
      H("empty_help", ""),
      H("empty_help2", ""),
      S("rpc_latency_seconds{ quantile=\"1\", svc=\"web\" }", 4e-05,
        "{__name__=\"rpc_latency_seconds\", quantile=\"1.0\", svc=\"web\"}"),
      S("rpc_latency_seconds { quantile = \"1\" , svc = \"api\" }", 5e-05,
        "{__name__=\"rpc_latency_seconds\", quantile=\"1.0\", svc=\"api\"}"),
      S("rpc_latency_seconds { quantile=\"2\" svc=\"x\" }", 6e-05,
        "{__name__=\"rpc_latency_seconds\", quantile=\"2.0\", svc=\"x\"}"),
      S("rpc_latency_seconds_count", 42, "{__name__=\"rpc_latency_seconds_count\"}"),
      S("job:requests:rate5m{a_b=\"c\"}", 7, "{__name__=\"job:requests:rate5m\", a_b=\"c\"}"),
      H("threads", "Threads in use.\nSecond line, a \\ backslash and \\\" kept"),
      T("threads", MetricType::kGauge),
      S("threads", 17, "{__name__=\"threads\"}", 1700000000000),
      S("_leading_underscore", 1, "{__name__=\"_leading_underscore\"}"),
      S("m{_l=\"v\"}", 1, "{__name__=\"m\", _l=\"v\"}"),
      S("m{l=\"\\\"q\\\" \\\\ \\n \\t\"}", 2, "{__name__=\"m\", l=\"\\\"q\\\" \\\\ \\n \\\\t\"}"),
      T("h", MetricType::kHistogram),
      S("h_bucket{le=\"1\"}", 3, "{__name__=\"h_bucket\", le=\"1.0\"}"),
      S("h_bucket{le=\"1e6\"}", 4, "{__name__=\"h_bucket\", le=\"1e+06\"}"),
      S("h_bucket{le=\"+Inf\"}", 5, "{__name__=\"h_bucket\", le=\"+Inf\"}"),
      S("h_bucket{le=\"0.0001\"}", 6, "{__name__=\"h_bucket\", le=\"0.0001\"}"),
      S("h_bucket{le=\"notanumber\"}", 7, "{__name__=\"h_bucket\", le=\"notanumber\"}"),
      H("metric", std::string("foo\0bar", 7)),
      S(std::string("null_byte_metric{a=\"abc\0\"}", 26), 1,
        "{__name__=\"null_byte_metric\", a=\"abc\\x00\"}"),
  };
  PromParser p(input);
  Status st;
  std::vector<Item> got = ParseAll(p, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectItems(got, want);
  // EOF is sticky.
  Result<Entry> again = p.Next();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, Entry::kEOF);
}

TEST(TextparsePromTest, QuotedUtf8Names) {
  std::string input =
      "# HELP \"my.metric\" Dotted name.\n"
      "# TYPE \"my.metric\" counter\n"
      "{\"my.metric\"} 1\n"
      "{\"my.metric\",\"a.b\"=\"x\"} 2\n"
      "{ \"my.metric\", \"a.b\" = \"y\", c=\"z\" } 3\n"
      "{\"my.metric\",quantile=\"0.5\",} 4\n"
      "{\"Straße 10€ \\\"quoted\\\" {brace}\\nnewline\",\"ünï©ode\"=\"6\"} 10.0\n"
      "plain{\"dotted.label\"=\"v\"} 5\n";
  std::vector<Item> want = {
      H("my.metric", "Dotted name."),
      T("my.metric", MetricType::kCounter),
      S("{\"my.metric\"}", 1, "{__name__=\"my.metric\"}"),
      S("{\"my.metric\",\"a.b\"=\"x\"}", 2, "{__name__=\"my.metric\", a.b=\"x\"}"),
      S("{ \"my.metric\", \"a.b\" = \"y\", c=\"z\" }", 3,
        "{__name__=\"my.metric\", a.b=\"y\", c=\"z\"}"),
      S("{\"my.metric\",quantile=\"0.5\",}", 4, "{__name__=\"my.metric\", quantile=\"0.5\"}"),
      S("{\"Straße 10€ \\\"quoted\\\" {brace}\\nnewline\",\"ünï©ode\"=\"6\"}", 10,
        "{__name__=\"Straße 10€ \\\"quoted\\\" {brace}\\nnewline\", ünï©ode=\"6\"}"),
      S("plain{\"dotted.label\"=\"v\"}", 5, "{__name__=\"plain\", dotted.label=\"v\"}"),
  };
  PromParser p(input);
  Status st;
  std::vector<Item> got = ParseAll(p, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectItems(got, want);
}

TEST(TextparsePromTest, EmptyAndBlankBodies) {
  for (std::string_view body : {"", "\n", "\n\n\n", "   \n\t\n"}) {
    PromParser p(body);
    Status st;
    std::vector<Item> got = ParseAll(p, &st);
    EXPECT_TRUE(st.ok()) << st.ToString();
    EXPECT_TRUE(got.empty());
  }
}

TEST(TextparsePromTest, NulAtLineStartEndsInput) {
  // Prometheus's lexer treats a NUL at the start of a line as the end.
  std::string body("a 1\n", 4);
  body.push_back('\0');
  body += "b 2\n";
  PromParser p(body);
  Status st;
  std::vector<Item> got = ParseAll(p, &st);
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].m, "a");
}

TEST(TextparsePromTest, WhitespaceAndCarriageReturns) {
  std::string input =
      "a 1 \n"
      "b 2 3 \t\n"
      "  c 4\n"
      "d\t5\t6\n"
      "# HELP e text with CR\r\n";
  std::vector<Item> want = {
      S("a", 1, "{__name__=\"a\"}"), S("b", 2, "{__name__=\"b\"}", 3),
      S("c", 4, "{__name__=\"c\"}"), S("d", 5, "{__name__=\"d\"}", 6),
      H("e", "text with CR\r"),
  };
  PromParser p(input);
  Status st;
  std::vector<Item> got = ParseAll(p, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectItems(got, want);

  PromParser crlf("# TYPE a counter\r\n");
  ParseAll(crlf, &st);
  EXPECT_EQ(st.ToString(), "invalid metric type \"counter\\r\"");
}

TEST(TextparsePromTest, Values) {
  struct Case {
    std::string value;
    double want;
  };
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<Case> ok = {
      {"1", 1},
      {"-1", -1},
      {"+7", 7},
      {"1.5", 1.5},
      {".5", 0.5},
      {"5.", 5},
      {"1e3", 1000},
      {"1E-3", 0.001},
      {"-0", -0.0},
      {"0007", 7},
      {"Inf", inf},
      {"+Inf", inf},
      {"-Inf", -inf},
      {"inf", inf},
      {"infinity", inf},
      {"-Infinity", -inf},
      {"1e-400", 0},
      {"1.7976931348623157e308", 1.7976931348623157e308},
      {"4.9e-324", 4.9e-324},
  };
  for (const Case& c : ok) {
    std::string body = "m " + c.value + "\n";
    PromParser p(body);
    Result<Entry> r = p.Next();
    ASSERT_TRUE(r.ok()) << c.value << ": " << r.status().ToString();
    std::string_view s;
    std::optional<int64_t> ts;
    double v;
    p.Series(&s, &ts, &v);
    EXPECT_EQ(v, c.want) << c.value;
    EXPECT_EQ(std::signbit(v), std::signbit(c.want)) << c.value;
  }
  for (std::string nan : {"NaN", "nan", "NAN"}) {
    std::string body = "m " + nan + "\n";
    PromParser p(body);
    ASSERT_TRUE(p.Next().ok());
    std::string_view s;
    std::optional<int64_t> ts;
    double v;
    p.Series(&s, &ts, &v);
    EXPECT_EQ(testing::Bits(v), internal::kNormalNaNBits) << nan;
  }
  for (std::string bad : {"+NaN", "-nan", "1_000", "0x10", "0x1p3", "1e", "e1", ".", "--1", "1.2.3",
                          "infin", "Inf1", "1e400", "-1e400", "∞", "true", "1,5"}) {
    std::string body = "m " + bad + "\n";
    PromParser p(body);
    Result<Entry> r = p.Next();
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().IsInvalidArgument());
  }
}

TEST(TextparsePromTest, Errors) {
  struct Case {
    std::string input;
    std::string err;
  };
  auto nul = [](std::string a, std::string b) { return a + std::string(1, '\0') + b; };
  std::vector<Case> cases = {
      {"a", R"(expected value after metric, got "\n" ("INVALID") while parsing: "a\n")"},
      {"a{b='c'} 1\n", R"(expected label value, got "'" ("INVALID") while parsing: "a{b='")"},
      {"a{b=\n", R"(expected label value, got "\n" ("INVALID") while parsing: "a{b=\n")"},
      {"a{\xff=\"foo\"} 1\n",
       R"(expected label name, got "\xff" ("INVALID") while parsing: "a{\xff")"},
      {"a{b=\"\xff\"} 1\n", R"(invalid UTF-8 label value: "\"\xff\"")"},
      {R"({"a", "b = "c"})",
       R"(expected equal, got "c\"" ("LNAME") while parsing: "{\"a\", \"b = \"c\"")"},
      {R"({"a",b\nc="d"} 1)",
       R"(expected equal, got "\\" ("INVALID") while parsing: "{\"a\",b\\")"},
      {"a true\n", R"(strconv.ParseFloat: parsing "true": invalid syntax while parsing: "a true")"},
      {"something_weird{problem=\"",
       R"(expected label value, got "\"\n" ("INVALID") while parsing: "something_weird{problem=\"\n")"},
      {"empty_label_name{=\"\"} 0",
       R"(expected label name, got "=\"" ("EQUAL") while parsing: "empty_label_name{=\"")"},
      {"foo 1_2\n", R"(unsupported character in float while parsing: "foo 1_2")"},
      {"foo 0x1p-3\n", R"(unsupported character in float while parsing: "foo 0x1p-3")"},
      {"foo 0x1P-3\n", R"(unsupported character in float while parsing: "foo 0x1P-3")"},
      {"foo 0 1_2\n",
       R"(expected next entry after timestamp, got "_" ("INVALID") while parsing: "foo 0 1_")"},
      {R"({a="ok"} 1)", R"(metric name not set while parsing: "{a=\"ok\"} 1")"},
      {"# TYPE #\n#EOF\n",
       R"(expected metric name after TYPE, got "#" ("INVALID") while parsing: "# TYPE #")"},
      {"# HELP #\n#EOF\n",
       R"(expected metric name after HELP, got "#" ("INVALID") while parsing: "# HELP #")"},
      {nul("a{b=", "\"ssss\"} 1\n"),
       R"(expected label value, got "\x00" ("INVALID") while parsing: "a{b=\x00")"},
      {nul("a{b=\"", ""),
       R"(expected label value, got "\"\x00\n" ("INVALID") while parsing: "a{b=\"\x00\n")"},
      {nul("a{b", "=\"hiih\"}\t1"),
       R"(expected equal, got "\x00" ("INVALID") while parsing: "a{b\x00")"},
      {nul("a", "{b=\"ddd\"} 1"),
       R"(expected value after metric, got "\x00" ("INVALID") while parsing: "a\x00")"},
      {nul("a 0 1", ""),
       R"(expected next entry after timestamp, got "\x00" ("INVALID") while parsing: "a 0 1\x00")"},
      // Beyond Prometheus's own table.
      {"a 1\r\n", R"(strconv.ParseFloat: parsing "1\r": invalid syntax while parsing: "a 1\r")"},
      {"a 1 -5\n",
       R"(expected timestamp or new record, got "-" ("INVALID") while parsing: "a 1 -")"},
      {"a 1 99999999999999999999\n",
       R"(strconv.ParseInt: parsing "99999999999999999999": value out of range while parsing: "a 1 99999999999999999999")"},
      {"a 1e400\n",
       R"(strconv.ParseFloat: parsing "1e400": value out of range while parsing: "a 1e400")"},
      {"a 1 2 3\n",
       R"(expected next entry after timestamp, got "3\n" ("TIMESTAMP") while parsing: "a 1 2 3\n")"},
      {"# TYPE a foo\n", R"(invalid metric type "foo")"},
      {"# TYPE a counter \n", R"(invalid metric type "counter ")"},
      {"# TYPE a gaugehistogram\n", R"(invalid metric type "gaugehistogram")"},
      {"# HELP a \xff\n", R"(help text "\xff" is not a valid utf8 string)"},
      {"# HELP \"unterminated\n",
       R"(expected metric name after HELP, got "\"unterminated\n\n" ("INVALID") while parsing: "# HELP \"unterminated\n\n")"},
      {"a{b=\"1\",b=\"2\"} 1\n",
       R"(label name "b" is not unique while parsing: "a{b=\"1\",b=\"2\"}")"},
      {"a{__name__=\"x\"} 1\n",
       R"(label name "__name__" is not unique while parsing: "a{__name__=\"x\"}")"},
      {"{\"a\",\"b\"} 1\n", R"(metric name already set while parsing: "{\"a\",\"b\"}")"},
      {"a{\"b\"} 1\n", R"(metric name already set while parsing: "a{\"b\"}")"},
      {"a{b} 1\n", R"(expected equal, got "} " ("BCLOSE") while parsing: "a{b} ")"},
      {"a{b=\"c\"\n", R"(expected label name, got "\n" ("INVALID") while parsing: "a{b=\"c\"\n")"},
      {"a{b=\"c\\\n\"} 1\n",
       R"(expected label value, got "\"c\\\n" ("INVALID") while parsing: "a{b=\"c\\\n")"},
      {"=1\n", R"(expected a valid start token, got "=" ("INVALID") while parsing: "=")"},
      {"a 1\n}\n", R"(expected a valid start token, got "}" ("INVALID") while parsing: "}")"},
      {"9a 1\n", R"(expected a valid start token, got "9" ("INVALID") while parsing: "9")"},
  };
  for (const Case& c : cases) {
    PromParser p(c.input);
    Status st;
    ParseAll(p, &st);
    EXPECT_FALSE(st.ok()) << internal::GoQuote(c.input);
    EXPECT_TRUE(st.IsInvalidArgument());
    EXPECT_EQ(st.ToString(), c.err) << "input: " << internal::GoQuote(c.input);
    // The parser stays failed.
    EXPECT_FALSE(p.Next().ok());
  }
}

}  // namespace
}  // namespace ward::textparse
