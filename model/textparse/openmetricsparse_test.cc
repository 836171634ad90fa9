// Tests for OpenMetricsParser: a corpus of OpenMetrics 1.0 text with every
// metric type, units, exemplars and timestamps, and a table of malformed
// inputs (OpenMetrics is stricter than the text format) with their errors.
#include "model/textparse/openmetricsparse.h"

#include <gtest/gtest.h>

#include <cmath>

#include "model/textparse/test_util.h"

namespace ward::textparse {
namespace {

using testing::Item;
using testing::ParseAll;

struct Want {
  Entry entry = Entry::kInvalid;
  std::string m;
  std::string lset_or_text;  // series labels, help text, unit or ""
  double v = 0;
  std::optional<int64_t> ts;
  MetricType typ = MetricType::kUnknown;
  std::string ex_lset;  // "" = no exemplar
  double ex_v = 0;
  std::optional<int64_t> ex_ts;
};

void Expect(const std::vector<Item>& got, const std::vector<Want>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); i++) {
    const Want& w = want[i];
    const Item& g = got[i];
    SCOPED_TRACE("entry " + std::to_string(i) + ": " + w.m);
    EXPECT_EQ(g.entry, w.entry);
    EXPECT_EQ(g.m, w.m);
    switch (w.entry) {
      case Entry::kSeries:
        EXPECT_EQ(g.lset, w.lset_or_text);
        EXPECT_EQ(g.v, w.v);
        EXPECT_EQ(g.ts, w.ts);
        EXPECT_EQ(g.has_exemplar, !w.ex_lset.empty());
        if (g.has_exemplar) {
          EXPECT_EQ(g.ex_lset, w.ex_lset);
          EXPECT_EQ(g.ex_v, w.ex_v);
          EXPECT_EQ(g.ex_has_ts, w.ex_ts.has_value());
          if (w.ex_ts) {
            EXPECT_EQ(g.ex_ts, *w.ex_ts);
          }
        }
        break;
      case Entry::kHelp:
        EXPECT_EQ(g.help, w.lset_or_text);
        break;
      case Entry::kUnit:
        EXPECT_EQ(g.unit, w.lset_or_text);
        break;
      case Entry::kType:
        EXPECT_EQ(g.typ, w.typ);
        break;
      default:
        break;
    }
  }
}

Want S(std::string m, double v, std::string lset, std::optional<int64_t> ts = std::nullopt,
       std::string ex = "", double ex_v = 0, std::optional<int64_t> ex_ts = std::nullopt) {
  Want w;
  w.entry = Entry::kSeries;
  w.m = std::move(m);
  w.lset_or_text = std::move(lset);
  w.v = v;
  w.ts = ts;
  w.ex_lset = std::move(ex);
  w.ex_v = ex_v;
  w.ex_ts = ex_ts;
  return w;
}
Want Meta(Entry e, std::string m, std::string text) {
  Want w;
  w.entry = e;
  w.m = std::move(m);
  w.lset_or_text = std::move(text);
  return w;
}
Want H(std::string m, std::string text) {
  return Meta(Entry::kHelp, std::move(m), std::move(text));
}
Want U(std::string m, std::string unit) {
  return Meta(Entry::kUnit, std::move(m), std::move(unit));
}
Want T(std::string m, MetricType t) {
  Want w = Meta(Entry::kType, std::move(m), "");
  w.typ = t;
  return w;
}

TEST(TextparseOpenMetricsTest, Corpus) {
  const std::string input =
      "# HELP rpc_seconds How long RPCs take.\n"
      "# TYPE rpc_seconds summary\n"
      "# UNIT rpc_seconds seconds\n"
      "rpc_seconds{quantile=\"0\"} 1.5e-05\n"
      "rpc_seconds{quantile=\"0.5\",svc=\"db\"} 2.5e-05\n"
      "rpc_seconds{quantile=\"1\",svc=\"db\",} 3e-05\n"
      "rpc_seconds_count 99\n"
      "rpc_seconds_sum 42.0 # {trace_id=\"abc\"} 0.5 1700000000.5\n"
      "# HELP empty_help \n"
      "# HELP escapes a \\\\ b \\n c \\\" d \\t e\n"
      "# UNIT no_unit \n"
      "job:errors:rate5m{a_b=\"c\"} 1\n"
      "# TYPE threads gauge\n"
      "threads 33 1700000000.25\n"
      "threads 34 -1.5\n"
      "# TYPE lat histogram\n"
      "lat_bucket{le=\"0.5\"} 1 # {trace_id=\"t1\",span=\"s1\"} 0.25 1700000000\n"
      "lat_bucket{le=\"1\"} 2\n"
      "lat_bucket{le=\"+Inf\"} 3 # {} 7\n"
      "lat_count 3 1700000001 # {trace_id=\"t2\"} 9 1700000001.5\n"
      "# TYPE queue gaugehistogram\n"
      "queue_bucket{le=\"1\"} 1\n"
      "queue_gcount 1\n"
      "# TYPE build info\n"
      "build_info{version=\"1.0\"} 1\n"
      "# TYPE state stateset\n"
      "state{state=\"up\"} 1\n"
      "state{state=\"down\"} 0\n"
      "# TYPE other unknown\n"
      "other NaN\n"
      "other +Inf\n"
      "other -Inf\n"
      "_underscore 1\n"
      "quoted{label=\"\\\"bar\\\" \\\\ \\n\"} 1\n"
      "# TYPE \"my.counter\" counter\n"
      "{\"my.counter_total\",\"a.b\"=\"x\"} 17.0 1520879607\n"
      "{\"my.counter_created\"} 1520872607.5\n"
      "ex{a=\"b\"} 1 # {\"dotted.name\"=\"v\",b=\"\\\"q\\\"\"} 2\n"
      "# EOF\n";

  std::vector<Want> want = {
      H("rpc_seconds", "How long RPCs take."),
      T("rpc_seconds", MetricType::kSummary),
      U("rpc_seconds", "seconds"),
      S("rpc_seconds{quantile=\"0\"}", 1.5e-05, "{__name__=\"rpc_seconds\", quantile=\"0.0\"}"),
      S("rpc_seconds{quantile=\"0.5\",svc=\"db\"}", 2.5e-05,
        "{__name__=\"rpc_seconds\", quantile=\"0.5\", svc=\"db\"}"),
      S("rpc_seconds{quantile=\"1\",svc=\"db\",}", 3e-05,
        "{__name__=\"rpc_seconds\", quantile=\"1.0\", svc=\"db\"}"),
      S("rpc_seconds_count", 99, "{__name__=\"rpc_seconds_count\"}"),
      S("rpc_seconds_sum", 42, "{__name__=\"rpc_seconds_sum\"}", std::nullopt, "{trace_id=\"abc\"}",
        0.5, 1700000000500),
      H("empty_help", ""),
      H("escapes", "a \\ b \n c \" d \\t e"),
      U("no_unit", ""),
      S("job:errors:rate5m{a_b=\"c\"}", 1, "{__name__=\"job:errors:rate5m\", a_b=\"c\"}"),
      T("threads", MetricType::kGauge),
      S("threads", 33, "{__name__=\"threads\"}", 1700000000250),
      S("threads", 34, "{__name__=\"threads\"}", -1500),
      T("lat", MetricType::kHistogram),
      S("lat_bucket{le=\"0.5\"}", 1, "{__name__=\"lat_bucket\", le=\"0.5\"}", std::nullopt,
        "{span=\"s1\", trace_id=\"t1\"}", 0.25, 1700000000000),
      S("lat_bucket{le=\"1\"}", 2, "{__name__=\"lat_bucket\", le=\"1.0\"}"),
      S("lat_bucket{le=\"+Inf\"}", 3, "{__name__=\"lat_bucket\", le=\"+Inf\"}", std::nullopt, "{}",
        7),
      S("lat_count", 3, "{__name__=\"lat_count\"}", 1700000001000, "{trace_id=\"t2\"}", 9,
        1700000001500),
      T("queue", MetricType::kGaugeHistogram),
      S("queue_bucket{le=\"1\"}", 1, "{__name__=\"queue_bucket\", le=\"1\"}"),
      S("queue_gcount", 1, "{__name__=\"queue_gcount\"}"),
      T("build", MetricType::kInfo),
      S("build_info{version=\"1.0\"}", 1, "{__name__=\"build_info\", version=\"1.0\"}"),
      T("state", MetricType::kStateset),
      S("state{state=\"up\"}", 1, "{__name__=\"state\", state=\"up\"}"),
      S("state{state=\"down\"}", 0, "{__name__=\"state\", state=\"down\"}"),
      T("other", MetricType::kUnknown),
      S("other", NAN, "{__name__=\"other\"}"),
      S("other", INFINITY, "{__name__=\"other\"}"),
      S("other", -INFINITY, "{__name__=\"other\"}"),
      S("_underscore", 1, "{__name__=\"_underscore\"}"),
      S("quoted{label=\"\\\"bar\\\" \\\\ \\n\"}", 1,
        "{__name__=\"quoted\", label=\"\\\"bar\\\" \\\\ \\n\"}"),
      T("my.counter", MetricType::kCounter),
      S("{\"my.counter_total\",\"a.b\"=\"x\"}", 17, "{__name__=\"my.counter_total\", a.b=\"x\"}",
        1520879607000),
      S("{\"my.counter_created\"}", 1520872607.5, "{__name__=\"my.counter_created\"}"),
      S("ex{a=\"b\"}", 1, "{__name__=\"ex\", a=\"b\"}", std::nullopt,
        "{b=\"\\\"q\\\"\", dotted.name=\"v\"}", 2),
  };
  OpenMetricsParser p(input);
  Status st;
  std::vector<Item> got = ParseAll(p, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  // NaN compares unequal; check its bits, then compare the rest.
  ASSERT_GT(got.size(), 29u);
  EXPECT_EQ(testing::Bits(got[29].v), internal::kNormalNaNBits);
  got[29].v = want[29].v = 0;
  Expect(got, want);
  Result<Entry> again = p.Next();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, Entry::kEOF);
}

TEST(TextparseOpenMetricsTest, ExemplarIsReturnedOnce) {
  OpenMetricsParser p("a 1 # {x=\"y\"} 2\nb 1\n# EOF\n");
  ASSERT_TRUE(p.Next().ok());
  Exemplar e;
  EXPECT_TRUE(p.GetExemplar(&e));
  EXPECT_EQ(e.labels.ToString(), "{x=\"y\"}");
  EXPECT_EQ(e.value, 2);
  EXPECT_FALSE(e.has_ts);
  EXPECT_FALSE(p.GetExemplar(&e));
  ASSERT_TRUE(p.Next().ok());
  EXPECT_FALSE(p.GetExemplar(&e));
}

TEST(TextparseOpenMetricsTest, EofForms) {
  for (std::string_view body : {"# EOF", "# EOF\n", "a 1\n# EOF", "# TYPE a gauge\n# EOF\n"}) {
    OpenMetricsParser p(body);
    Status st;
    ParseAll(p, &st);
    EXPECT_TRUE(st.ok()) << body << ": " << st.ToString();
  }
}

TEST(TextparseOpenMetricsTest, Errors) {
  struct Case {
    std::string input;
    std::string err;
  };
  std::vector<Case> cases = {
      {"", "data does not end with # EOF"},
      {"a 1\n", "data does not end with # EOF"},
      {"a 1", "data does not end with # EOF"},
      {"\n", R"(expected a valid start token, got "\n" ("INVALID") while parsing: "\n")"},
      {"a 1\n\n# EOF\n",
       R"(expected a valid start token, got "\n" ("INVALID") while parsing: "\n")"},
      {"# EOF\n\n", "unexpected data after # EOF"},
      {"# EOF\na 1\n", "unexpected data after # EOF"},
      {"# EOF extra", "unexpected data after # EOF"},
      {"# a comment\n# EOF\n",
       R"(expected a valid start token, got "# a" ("INVALID") while parsing: "# a")"},
      {"#HELP a b\n# EOF\n",
       R"(expected a valid start token, got "#H" ("INVALID") while parsing: "#H")"},
      {"a  1\n# EOF\n",
       R"(expected value after metric, got "  " ("INVALID") while parsing: "a  ")"},
      {"a 1 \n# EOF\n",
       R"(expected timestamp or new record, got " \n" ("INVALID") while parsing: "a 1 \n")"},
      {"a\t1\n# EOF\n",
       R"(expected value after metric, got "\t" ("INVALID") while parsing: "a\t")"},
      {"a{b=\"c\", d=\"e\"} 1\n# EOF\n",
       R"(expected label name, got " " ("INVALID") while parsing: "a{b=\"c\", ")"},
      {"a {b=\"c\"} 1\n# EOF\n",
       R"(strconv.ParseFloat: parsing "{b=\"c\"}": invalid syntax while parsing: "a {b=\"c\"}")"},
      {"a 1 2 3\n# EOF\n",
       R"(expected next entry after timestamp, got " 3\n" ("TIMESTAMP") while parsing: "a 1 2 3\n")"},
      {"a 1 NaN\n# EOF\n", "invalid timestamp NaN"},
      {"a 1 -Inf\n# EOF\n", "invalid timestamp -Inf"},
      {"a 1 0x10\n# EOF\n",
       R"(strconv.ParseFloat: parsing "0x10": invalid syntax while parsing: "a 1 0x10")"},
      {"a 0x1p3\n# EOF\n", R"(unsupported character in float while parsing: "a 0x1p3")"},
      {"a 1_0\n# EOF\n", R"(unsupported character in float while parsing: "a 1_0")"},
      {"a 1\r\n# EOF\n",
       R"(strconv.ParseFloat: parsing "1\r": invalid syntax while parsing: "a 1\r")"},
      {"a 1 # {b=\"c\"} 1 NaN\n# EOF\n", "invalid exemplar timestamp NaN"},
      {"a 1 # {\"b\"} 1\n# EOF\n",
       R"(expected label name, got "} " ("BCLOSE") while parsing: "a 1 # {\"b\"} ")"},
      {"a 1 # {b=\"c\"}\n# EOF\n",
       R"(expected value after exemplar labels, got "\n" ("INVALID") while parsing: "a 1 # {b=\"c\"}\n")"},
      {"a 1 # {b=\"c\"} 1 2 3\n# EOF\n",
       R"(expected next entry after exemplar timestamp, got " 3\n" ("TIMESTAMP") while parsing: "a 1 # {b=\"c\"} 1 2 3\n")"},
      {"a 1 # {b=\"c\"} 1", "data does not end with # EOF"},
      {"a 1 # {b=\"c\",b=\"d\"} 1\n# EOF\n",
       R"(label name "b" is not unique while parsing: "a 1 # {b=\"c\",b=\"d\"} 1\n")"},
      {"# UNIT a_seconds bytes\n# EOF\n", R"(unit "bytes" not a suffix of metric "a_seconds")"},
      {"# UNIT seconds seconds\n# EOF\n", R"(unit "seconds" not a suffix of metric "seconds")"},
      {"# TYPE a untyped\n# EOF\n", R"(invalid metric type "untyped")"},
      {"# HELP a\n# EOF\n", R"(expected text in HELP while parsing: "# HELP a\n")"},
      {"# TYPE a counter", R"(expected text in TYPE while parsing: "# TYPE a counter")"},
      {"# HELP a \xff\n# EOF\n", R"(help text "\xff" is not a valid utf8 string)"},
      {"a{b=\"1\",b=\"2\"} 1\n# EOF\n",
       R"(label name "b" is not unique while parsing: "a{b=\"1\",b=\"2\"}")"},
      {"a{b=\"c\"d=\"e\"} 1\n# EOF\n",
       R"(expected comma or brace close, got "d=" ("LNAME") while parsing: "a{b=\"c\"d=")"},
      {"a{b=\"c\nd\"} 1\n# EOF\n",
       R"(expected label value, got "\"c\n" ("INVALID") while parsing: "a{b=\"c\n")"},
      {"a{b=\"\xff\"} 1\n# EOF\n", R"(invalid UTF-8 label value: "\"\xff\"")"},
      {"{b=\"c\"} 1\n# EOF\n", R"(metric name not set while parsing: "{b=\"c\"} 1")"},
      {"{\"a\",\"b\"} 1\n# EOF\n", R"(metric name already set while parsing: "{\"a\",\"b\"}")"},
      {"\xef\xbb\xbf"
       "a 1\n# EOF\n",
       R"(expected a valid start token, got "\xef" ("INVALID") while parsing: "\xef")"},
      {"a 1 # {b=\"c\"} 1 # x\n# EOF\n",
       R"(strconv.ParseFloat: parsing "#": invalid syntax while parsing: "a 1 # {b=\"c\"} 1 #")"},
  };
  for (const Case& c : cases) {
    OpenMetricsParser p(c.input);
    Status st;
    ParseAll(p, &st);
    EXPECT_FALSE(st.ok()) << internal::GoQuote(c.input);
    EXPECT_TRUE(st.IsInvalidArgument());
    EXPECT_EQ(st.ToString(), c.err) << "input: " << internal::GoQuote(c.input);
  }
}

}  // namespace
}  // namespace ward::textparse
