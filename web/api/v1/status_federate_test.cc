// Tests of /api/v1/status/tsdb, /api/v1/status/walreplay, /federate and of
// the routes under a route prefix, over a real server (test_util.h).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/textparse/promparse.h"
#include "web/api/v1/api.h"
#include "web/api/v1/test_util.h"
#include "web/gzip.h"

namespace ward::web::api::v1 {
namespace {

class StatusTest : public APIServerFixture {
 protected:
  void CustomizeOptions(APIOptions* o) override {
    o->head = head_.get();
    tsdb::Head* h = head_.get();
    o->head_stats = [h] {
      TSDBHeadStats s;
      s.num_series = h->NumSeries();
      s.chunk_count = 6;
      s.min_time_ms = h->MinTime();
      s.max_time_ms = h->MaxTime();
      return s;
    };
    o->wal_replay = [] { return WALReplayStatus{3, 7, 7}; };
  }
};

TEST_F(StatusTest, TSDBStatusShapeAndOrder) {
  HttpReply r = Get("/api/v1/status/tsdb?limit=2");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"headStats":{"numSeries":6,"numLabelPairs":12,)"
            R"("chunkCount":6,"minTime":1690000000000,"maxTime":1690000300000},)"
            R"("seriesCountByMetricName":[{"name":"http_requests_total","value":2},)"
            R"({"name":"up","value":2}],)"
            R"("labelValueCountByLabelName":[{"name":"__name__","value":4},)"
            R"({"name":"job","value":4}],)"
            R"("memoryInBytesByLabelName":[{"name":"__name__","value":52},)"
            R"({"name":"instance","value":28}],)"
            R"("seriesCountByLabelValuePair":[{"name":"__name__=http_requests_total","value":2},)"
            R"({"name":"__name__=up","value":2}]}})");
}

TEST_F(StatusTest, TSDBStatusDefaultLimitIsTen) {
  HttpReply r = Get("/api/v1/status/tsdb");
  ASSERT_EQ(r.code, 200) << r.body;
  // 12 label pairs: the 4 with two series, then the 1s by name, cut at 10.
  EXPECT_NE(r.body.find(R"({"name":"job=dup","value":2},{"name":"__name__=dup_a","value":1},)"
                        R"({"name":"__name__=dup_b","value":1},{"name":"code=200","value":1},)"
                        R"({"name":"code=500","value":1},)"
                        R"({"name":"instance=localhost:9090","value":1},)"
                        R"({"name":"instance=localhost:9100","value":1}]}})"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(r.body.find("job=node"), std::string::npos);
  // All four metric names fit.
  EXPECT_NE(r.body.find(R"("seriesCountByMetricName":[{"name":"http_requests_total","value":2},)"
                        R"({"name":"up","value":2},{"name":"dup_a","value":1},)"
                        R"({"name":"dup_b","value":1}])"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"("memoryInBytesByLabelName":[{"name":"__name__","value":52},)"
                        R"({"name":"instance","value":28},{"name":"job","value":26},)"
                        R"({"name":"code","value":6}])"),
            std::string::npos)
      << r.body;
}

TEST_F(StatusTest, TSDBStatusBadLimit) {
  for (const char* l : {"0", "-1", "abc", "1.5"}) {
    HttpReply r = Get(std::string("/api/v1/status/tsdb?limit=") + l);
    EXPECT_EQ(r.code, 400) << l;
    EXPECT_EQ(r.body,
              R"({"status":"error","errorType":"bad_data","error":"limit must be a positive number"})")
        << l;
  }
}

TEST_F(StatusTest, WALReplay) {
  HttpReply r = Get("/api/v1/status/walreplay");
  ASSERT_EQ(r.code, 200);
  EXPECT_EQ(r.body, R"({"status":"success","data":{"min":3,"max":7,"current":7}})");
}

// Without the callbacks: series counted from `db`, replay all zeros.
class StatusDefaultsTest : public APIServerFixture {};

TEST_F(StatusDefaultsTest, NoCallbacks) {
  HttpReply r = Get("/api/v1/status/tsdb?limit=1");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_NE(r.body.find(R"("headStats":{"numSeries":6,"numLabelPairs":12,"chunkCount":0,)"
                        R"("minTime":0,"maxTime":0})"),
            std::string::npos)
      << r.body;
  r = Get("/api/v1/status/walreplay");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"min":0,"max":0,"current":0}})");
}

class FederateTest : public APIServerFixture {
 protected:
  void CustomizeOptions(APIOptions* o) override {
    auto app = head_->NewAppender();
    // Stale at the end: skipped. Older than the lookback: skipped.
    Add(*app, {{"__name__", "gone"}, {"job", "x"}}, kT0 + 285000, 1);
    Add(*app, {{"__name__", "gone"}, {"job", "x"}}, kT0 + 300000, storage::StaleNaN());
    Add(*app, {{"__name__", "old"}, {"job", "x"}}, kT0, 1);
    // Escaping and float formats.
    Add(*app, {{"__name__", "esc"}, {"job", "x"}, {"path", "a\"b\\c\nd"}}, kT0 + 290000, 1.5e-7);
    Add(*app, {{"__name__", "esc"}, {"job", "y"}}, kT0 + 290000, 1e21);
    ASSERT_TRUE(app->Commit().ok());
    o->external_labels = [] { return labels::Labels{{"dc", "eu"}, {"job", "ext"}}; };
  }
  void CustomizeWebOptions(web::Options* o) override { o->gzip_min_bytes = 64; }
};

constexpr const char* kTextType = "text/plain; version=0.0.4; charset=utf-8";

TEST_F(FederateTest, LatestSampleWithExternalLabels) {
  HttpReply r = Get(R"(/federate?match[]={job="api"}&match[]=up)");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.content_type, kTextType);
  EXPECT_EQ(r.body,
            "# TYPE http_requests_total untyped\n"
            "http_requests_total{code=\"200\",job=\"api\",dc=\"eu\"} 200 1690000300000\n"
            "http_requests_total{code=\"500\",job=\"api\",dc=\"eu\"} 20 1690000300000\n"
            "# TYPE up untyped\n"
            "up{instance=\"localhost:9090\",job=\"prometheus\",dc=\"eu\"} 1 1690000300000\n"
            "up{instance=\"localhost:9100\",job=\"node\",dc=\"eu\"} 0 1690000300000\n");
}

TEST_F(FederateTest, OverlappingSelectorsWriteOnce) {
  HttpReply r = Get(R"(/federate?match[]=up&match[]={instance=~"localhost:.*"})");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.body,
            "# TYPE up untyped\n"
            "up{instance=\"localhost:9090\",job=\"prometheus\",dc=\"eu\"} 1 1690000300000\n"
            "up{instance=\"localhost:9100\",job=\"node\",dc=\"eu\"} 0 1690000300000\n");
}

// A minimal reader of length-delimited MetricFamily messages: enough to
// check every field the federation handler writes.
struct PbReader {
  std::string_view b;
  bool ok = true;
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && !b.empty(); shift += 7) {
      uint8_t c = static_cast<uint8_t>(b.front());
      b.remove_prefix(1);
      v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if (!(c & 0x80)) return v;
    }
    ok = false;
    return 0;
  }
  std::string_view Bytes() {
    uint64_t n = Varint();
    if (n > b.size()) {
      ok = false;
      return {};
    }
    std::string_view r = b.substr(0, n);
    b.remove_prefix(n);
    return r;
  }
};

// Renders decoded families in the text format's shape, to compare with
// the text answer for the same request.
std::string DecodeFamilies(std::string_view body) {
  std::string out;
  PbReader top{body};
  while (top.ok && !top.b.empty()) {
    PbReader fam{top.Bytes()};
    std::string name;
    while (fam.ok && !fam.b.empty()) {
      uint64_t tag = fam.Varint();
      if (tag == (1 << 3 | 2)) {
        name = fam.Bytes();
        out += "# TYPE " + name;
      } else if (tag == (3 << 3 | 0)) {
        out += fam.Varint() == 3 ? " untyped\n" : " ?\n";
      } else if (tag == (4 << 3 | 2)) {
        PbReader m{fam.Bytes()};
        std::string lbls, val, ts;
        while (m.ok && !m.b.empty()) {
          uint64_t t = m.Varint();
          if (t == (1 << 3 | 2)) {
            PbReader lp{m.Bytes()};
            std::string n, v;
            while (lp.ok && !lp.b.empty()) {
              uint64_t lt = lp.Varint();
              (lt == (1 << 3 | 2) ? n : v) = lp.Bytes();
            }
            lbls += (lbls.empty() ? "{" : ",") + n + "=\"" + v + "\"";
          } else if (t == (5 << 3 | 2)) {
            std::string_view u = m.Bytes();
            EXPECT_EQ(u.size(), 9u);
            EXPECT_EQ(u[0], 0x09);
            uint64_t bits = 0;
            for (int i = 0; i < 8; ++i) bits |= uint64_t{static_cast<uint8_t>(u[1 + i])} << (8 * i);
            double d;
            std::memcpy(&d, &bits, sizeof(d));
            char buf[64];
            std::snprintf(buf, sizeof(buf), "%g", d);
            val = buf;
          } else if (t == (6 << 3 | 0)) {
            ts = std::to_string(static_cast<int64_t>(m.Varint()));
          } else {
            ADD_FAILURE() << "unexpected Metric field tag " << t;
            return out;
          }
        }
        out += name + (lbls.empty() ? "" : lbls + "}") + " " + val + " " + ts + "\n";
      } else {
        ADD_FAILURE() << "unexpected MetricFamily field tag " << tag;
        return out;
      }
    }
    EXPECT_TRUE(fam.ok);
  }
  EXPECT_TRUE(top.ok);
  return out;
}

TEST_F(FederateTest, ProtobufWhenAccepted) {
  const std::string accept =
      "Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
      "encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1";
  HttpReply r = Get(R"(/federate?match[]={job="api"}&match[]=up)", {accept});
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.content_type,
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
            "encoding=delimited");
  EXPECT_EQ(DecodeFamilies(r.body),
            "# TYPE http_requests_total untyped\n"
            "http_requests_total{code=\"200\",job=\"api\",dc=\"eu\"} 200 1690000300000\n"
            "http_requests_total{code=\"500\",job=\"api\",dc=\"eu\"} 20 1690000300000\n"
            "# TYPE up untyped\n"
            "up{instance=\"localhost:9090\",job=\"prometheus\",dc=\"eu\"} 1 1690000300000\n"
            "up{instance=\"localhost:9100\",job=\"node\",dc=\"eu\"} 0 1690000300000\n");
  // Text first in the header, or protobuf without the delimited encoding:
  // the text format.
  HttpReply t = Get("/federate?match[]=up", {"Accept: text/plain;version=0.0.4,"
                                             "application/vnd.google.protobuf;proto=io."
                                             "prometheus.client.MetricFamily;encoding=delimited"});
  EXPECT_EQ(t.content_type, kTextType);
  HttpReply c = Get("/federate?match[]=up", {"Accept: application/vnd.google.protobuf;proto=io."
                                             "prometheus.client.MetricFamily;encoding=text"});
  EXPECT_EQ(c.content_type, kTextType);
}

TEST_F(FederateTest, StaleOldAndEscaping) {
  HttpReply r = Get(R"(/federate?match[]={job=~"x|y"})");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.body,
            "# TYPE esc untyped\n"
            "esc{job=\"x\",path=\"a\\\"b\\\\c\\nd\",dc=\"eu\"} 1.5e-07 1690000290000\n"
            "esc{job=\"y\",dc=\"eu\"} 1e+21 1690000290000\n");
}

TEST_F(FederateTest, ParsesBackWithTextparse) {
  HttpReply r = Get(R"(/federate?match[]={__name__=~".%2B"})");
  ASSERT_EQ(r.code, 200) << r.body;
  textparse::PromParser p(r.body);
  int types = 0;
  std::vector<std::string> series;
  for (;;) {
    auto e = p.Next();
    ASSERT_TRUE(e.ok()) << e.status().ToString() << "\n" << r.body;
    if (*e == textparse::Entry::kEOF) break;
    if (*e == textparse::Entry::kType) {
      std::string_view m;
      textparse::MetricType t;
      p.Type(&m, &t);
      EXPECT_EQ(t, textparse::MetricType::kUnknown) << m;
      types++;
    } else if (*e == textparse::Entry::kSeries) {
      labels::Labels ls;
      p.Metric(&ls);
      std::string_view s;
      std::optional<int64_t> ts;
      double v = 0;
      p.Series(&s, &ts, &v);
      ASSERT_TRUE(ts.has_value());
      EXPECT_FALSE(std::isnan(v));
      EXPECT_EQ(ls.Get("dc"), "eu") << ls.ToString();
      if (ls.MetricName() == "esc" && ls.Get("job") == "x") {
        EXPECT_EQ(ls.Get("path"), "a\"b\\c\nd");
        EXPECT_EQ(v, 1.5e-7);
        EXPECT_EQ(*ts, kT0 + 290000);
      }
      series.push_back(ls.ToString());
    }
  }
  // dup_a, dup_b, esc, http_requests_total, up; not gone, not old.
  EXPECT_EQ(types, 5);
  EXPECT_EQ(series.size(), 8u);
  for (const auto& s : series) {
    EXPECT_EQ(s.find("gone"), std::string::npos);
    EXPECT_EQ(s.find("old"), std::string::npos);
  }
}

TEST_F(FederateTest, Errors) {
  HttpReply r = Get("/federate");
  EXPECT_EQ(r.code, 400);
  EXPECT_EQ(r.body, "no match[] parameter provided\n");
  r = Get("/federate?match[]=up{");
  EXPECT_EQ(r.code, 400);
  EXPECT_FALSE(r.body.empty());
  r = Get(R"(/federate?match[]={job=~".*"})");
  EXPECT_EQ(r.code, 400);
  EXPECT_EQ(r.body, "match[] must contain at least one non-empty matcher\n");
}

TEST_F(FederateTest, GzipAndProtobufAccept) {
  const std::string pb =
      "Accept: application/vnd.google.protobuf;"
      "proto=io.prometheus.client.MetricFamily;encoding=delimited";
  HttpReply plain = Get(R"(/federate?match[]={__name__=~".%2B"})", {pb});
  ASSERT_EQ(plain.code, 200);
  ASSERT_GT(plain.body.size(), 0u);
  // Gzip applies to the protobuf body too.
  HttpReply r = Get(R"(/federate?match[]={__name__=~".%2B"})", {pb, "Accept-Encoding: gzip"});
  ASSERT_EQ(r.code, 200);
  EXPECT_NE(r.content_type, kTextType);
  ASSERT_NE(r.headers.find("content-encoding: gzip"), std::string::npos) << r.headers;
  std::string out;
  ASSERT_TRUE(GzipDecompress(r.body, 1 << 20, &out).ok());
  EXPECT_EQ(out, plain.body);
}

class PrefixTest : public FederateTest {
 protected:
  void CustomizeWebOptions(web::Options* o) override {
    FederateTest::CustomizeWebOptions(o);
    o->route_prefix = "/prom";
    o->external_url = "http://ward.example:9090/prom";
  }
};

TEST_F(PrefixTest, RoutesUnderPrefix) {
  HttpReply r = Get("/prom/api/v1/query?query=up{job=\"node\"}");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":)"
            R"({"__name__":"up","instance":"localhost:9100","job":"node"},)"
            R"("value":[1690000300.250,"0"]}]}})");
  r = Get("/prom/federate?match[]=up{job=\"node\"}");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.body,
            "# TYPE up untyped\n"
            "up{instance=\"localhost:9100\",job=\"node\",dc=\"eu\"} 0 1690000300000\n");
  EXPECT_EQ(Get("/prom/api/v1/status/walreplay").code, 200);
  EXPECT_EQ(Get("/api/v1/query?query=up").code, 404);
  EXPECT_EQ(Get("/federate?match[]=up").code, 404);
}

}  // namespace
}  // namespace ward::web::api::v1
