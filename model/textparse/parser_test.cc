// Tests for the parser factory (Content-Type negotiation as in Prometheus
// 3.x) and for the Accept header built from scrape_protocols.
#include "model/textparse/parser.h"

#include <gtest/gtest.h>

#include "model/textparse/openmetricsparse.h"
#include "model/textparse/promparse.h"

namespace ward::textparse {
namespace {

enum class Kind { kProm, kOpenMetrics, kError };

TEST(TextparseNewParserTest, ContentTypes) {
  struct Case {
    std::string content_type;
    std::string fallback;
    Kind want;
    std::string err_or_warning;  // error message, or the warning ("" = none)
  };
  std::vector<Case> cases = {
      {"text/plain; version=0.0.4; charset=utf-8", "", Kind::kProm, ""},
      {"text/plain;version=1.0.0;escaping=allow-utf-8", "", Kind::kProm, ""},
      {"text/plain", "", Kind::kProm, ""},
      {"TEXT/Plain ; charset=\"utf-8\"", "", Kind::kProm, ""},
      {"application/openmetrics-text; version=1.0.0; charset=utf-8", "", Kind::kOpenMetrics, ""},
      {"application/openmetrics-text; version=0.0.1", "", Kind::kOpenMetrics, ""},
      {"application/openmetrics-text", "", Kind::kOpenMetrics, ""},
      {"text/plain;", "", Kind::kProm, ""},
      {"", "", Kind::kError,
       "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol "
       "specified for target"},
      {"", "PrometheusText0.0.4", Kind::kProm,
       "non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol "
       "\"PrometheusText0.0.4\""},
      {"", "OpenMetricsText1.0.0", Kind::kOpenMetrics,
       "non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol "
       "\"OpenMetricsText1.0.0\""},
      {"application/json", "", Kind::kError,
       "received unsupported Content-Type \"application/json\" and no fallback_scrape_protocol "
       "specified for target"},
      {"text/html; charset=utf-8", "PrometheusText1.0.0", Kind::kProm,
       "received unsupported Content-Type \"text/html; charset=utf-8\", using "
       "fallback_scrape_protocol "
       "\"PrometheusText1.0.0\""},
      {"text/plain; charset", "", Kind::kError,
       "cannot parse Content-Type \"text/plain; charset\" and no fallback_scrape_protocol for "
       "target: "
       "mime: invalid media parameter"},
      {"/plain", "OpenMetricsText0.0.1", Kind::kOpenMetrics,
       "could not parse received Content-Type \"/plain\", using fallback_scrape_protocol "
       "\"OpenMetricsText0.0.1\": mime: no media type"},
      {"text/plain; a=1; a=2", "", Kind::kError,
       "cannot parse Content-Type \"text/plain; a=1; a=2\" and no fallback_scrape_protocol for "
       "target: "
       "mime: duplicate parameter name"},
      {"application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
       "encoding=delimited",
       "", Kind::kError, ""},
      {"text/plain", "NoSuchProtocol", Kind::kError,
       "unknown fallback_scrape_protocol \"NoSuchProtocol\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.content_type + " / " + c.fallback);
    std::string warning = "stale";
    Result<std::unique_ptr<Parser>> r = NewParser("a 1\n", c.content_type, c.fallback, &warning);
    if (c.want == Kind::kError) {
      ASSERT_FALSE(r.ok());
      EXPECT_TRUE(r.status().IsInvalidArgument());
      if (!c.err_or_warning.empty()) {
        EXPECT_EQ(r.status().ToString(), c.err_or_warning);
      }
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(warning, c.err_or_warning);
    Parser* p = r->get();
    if (c.want == Kind::kProm) {
      EXPECT_NE(dynamic_cast<PromParser*>(p), nullptr);
    } else {
      EXPECT_NE(dynamic_cast<OpenMetricsParser*>(p), nullptr);
    }
  }
}

TEST(TextparseNewParserTest, WarningIsOptional) {
  Result<std::unique_ptr<Parser>> r = NewParser("", "", "PrometheusText0.0.4");
  ASSERT_TRUE(r.ok());
  Result<Entry> e = (*r)->Next();
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, Entry::kEOF);
}

TEST(TextparseAcceptHeaderTest, MatchesPrometheus) {
  EXPECT_EQ(AcceptHeader({"OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0",
                          "PrometheusText0.0.4"}),
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
            "application/openmetrics-text;version=0.0.1;q=0.5,"
            "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
            "text/plain;version=0.0.4;q=0.3,*/*;q=0.2");
  EXPECT_EQ(AcceptHeader({"PrometheusProto", "OpenMetricsText1.0.0", "OpenMetricsText0.0.1",
                          "PrometheusText1.0.0", "PrometheusText0.0.4"},
                         "underscores"),
            "application/"
            "vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,"
            "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.5,"
            "application/openmetrics-text;version=0.0.1;q=0.4,"
            "text/plain;version=1.0.0;escaping=underscores;q=0.3,"
            "text/plain;version=0.0.4;q=0.2,*/*;q=0.1");
  EXPECT_EQ(AcceptHeader({"PrometheusText0.0.4"}, ""), "text/plain;version=0.0.4;q=0.6,*/*;q=0.5");
  EXPECT_EQ(AcceptHeader({}), "*/*;q=0.6");
  EXPECT_EQ(AcceptHeader({"Bogus", "PrometheusText1.0.0"}, ""),
            "text/plain;version=1.0.0;q=0.6,*/*;q=0.5");
}

TEST(TextparseAcceptHeaderTest, ProtocolNames) {
  EXPECT_TRUE(IsValidScrapeProtocol("PrometheusProto"));
  EXPECT_TRUE(IsValidScrapeProtocol("OpenMetricsText0.0.1"));
  EXPECT_FALSE(IsValidScrapeProtocol("prometheustext0.0.4"));
  EXPECT_EQ(ScrapeProtocolHeader("PrometheusText0.0.4"), "text/plain;version=0.0.4");
  EXPECT_EQ(MetricTypeName(MetricType::kGaugeHistogram), "gaugehistogram");
  EXPECT_EQ(MetricTypeName(MetricType::kUnknown), "unknown");
}

}  // namespace
}  // namespace ward::textparse
