// End-to-end tests of the API over HTTP: a web::Server on 127.0.0.1:0 with
// an in-memory tsdb::Head holding known samples, queried with libcurl.
#include "web/api/v1/api.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "web/api/v1/json.h"
#include "web/api/v1/test_util.h"

namespace ward::web::api::v1 {
namespace {

class APITest : public APIServerFixture {};

TEST_F(APITest, InstantVector) {
  auto r = Get("/api/v1/query?query=up{job=\"node\"}&time=1690000060");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"vector","result":[)"
                    R"({"metric":{"__name__":"up","instance":"localhost:9100","job":"node"},)"
                    R"("value":[1690000060,"0"]}]}})");
  // Two series, both present.
  r = Get("/api/v1/query?query=up&time=1690000060.5");
  EXPECT_NE(r.body.find(R"("value":[1690000060.500,"1"])"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("value":[1690000060.500,"0"])"), std::string::npos) << r.body;
}

TEST_F(APITest, TimeForms) {
  const std::string want = R"("value":[1690000060,"0"])";
  for (std::string t :
       {"1690000060", "1690000060.000", "2023-07-22T04:27:40Z", "2023-07-22T06:27:40%2B02:00",
        "2023-07-22T04:27:40.000Z", "1.69000006e9"}) {
    auto r = Get("/api/v1/query?query=up{job=\"node\"}&time=" + t);
    EXPECT_EQ(r.code, 200) << t;
    EXPECT_NE(r.body.find(want), std::string::npos) << t << ": " << r.body;
  }
  // Without `time`, the API's clock.
  auto r = Get("/api/v1/query?query=time()");
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":{"resultType":"scalar","result":[1690000300.250,"1690000300.25"]}})");
}

TEST_F(APITest, ScalarStringAndFloatFormats) {
  struct Case {
    const char* q;
    const char* want;
  } cases[] = {
      {"1", R"([1690000060,"1"])"},
      {"1e-7", R"([1690000060,"1e-07"])"},
      {"0.1%2B0.2", R"([1690000060,"0.30000000000000004"])"},
      {"1e21", R"([1690000060,"1e+21"])"},
      {"123456789", R"([1690000060,"123456789"])"},
      {"NaN", R"([1690000060,"NaN"])"},
      {"Inf", R"([1690000060,"+Inf"])"},
      {"-Inf", R"([1690000060,"-Inf"])"},
  };
  for (const auto& c : cases) {
    auto r = Get(std::string("/api/v1/query?time=1690000060&query=") + c.q);
    EXPECT_EQ(r.body,
              std::string(R"({"status":"success","data":{"resultType":"scalar","result":)") +
                  c.want + "}}")
        << c.q;
  }
  auto r = Get("/api/v1/query?time=1690000060&query=%22a%3Cb%22");
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":{"resultType":"string","result":[1690000060,"a\u003cb"]}})");
}

TEST_F(APITest, InstantMatrix) {
  auto r = Get("/api/v1/query?query=up{job=\"node\"}[30s]&time=1690000060");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"matrix","result":[)"
                    R"({"metric":{"__name__":"up","instance":"localhost:9100","job":"node"},)"
                    R"("values":[[1690000045,"0"],[1690000060,"0"]]}]}})");
}

TEST_F(APITest, RangeQuery) {
  auto r =
      Get("/api/v1/query_range?query=http_requests_total{code=\"200\"}"
          "&start=1690000000&end=1690000030&step=15s");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"matrix","result":[)"
                    R"({"metric":{"__name__":"http_requests_total","code":"200","job":"api"},)"
                    R"("values":[[1690000000,"0"],[1690000015,"10"],[1690000030,"20"]]}]}})");
  // Float step and RFC 3339 bounds give the same.
  auto r2 =
      Get("/api/v1/query_range?query=http_requests_total{code=\"200\"}"
          "&start=2023-07-22T04:26:40Z&end=2023-07-22T04:27:10Z&step=15");
  EXPECT_EQ(r2.body, r.body);
  // Sorted by labels, with functions.
  auto r3 =
      Get("/api/v1/query_range?query=sum+by(code)(rate(http_requests_total[1m]))"
          "&start=1690000060&end=1690000060&step=60");
  EXPECT_EQ(r3.body,
            R"({"status":"success","data":{"resultType":"matrix","result":[)"
            R"({"metric":{"code":"200"},"values":[[1690000060,"0.6666666666666666"]]},)"
            R"({"metric":{"code":"500"},"values":[[1690000060,"0.06666666666666665"]]}]}})");
}

TEST_F(APITest, PostForm) {
  auto r = Post("/api/v1/query", "query=up%7Bjob%3D%22node%22%7D&time=1690000060");
  EXPECT_EQ(r.code, 200);
  EXPECT_NE(r.body.find(R"("value":[1690000060,"0"])"), std::string::npos) << r.body;
  r = Post("/api/v1/query_range", "query=up{job=\"node\"}&start=1690000000&end=1690000015&step=15");
  EXPECT_NE(r.body.find(R"("values":[[1690000000,"0"],[1690000015,"0"]])"), std::string::npos)
      << r.body;
  r = Post("/api/v1/series", "match[]=up&start=1690000000");
  EXPECT_EQ(r.code, 200);
  r = Post("/api/v1/labels", "");
  EXPECT_EQ(r.code, 200);
}

std::string Err(std::string_view type, std::string_view msg) {
  std::string out = R"({"status":"error","errorType":")";
  out.append(type);
  out.append(R"(","error":)");
  AppendJsonString(&out, msg);
  out.push_back('}');
  return out;
}

TEST_F(APITest, BadParameters) {
  struct Case {
    std::string url;
    int code;
    std::string body;
  } cases[] = {
      {"/api/v1/query_range?query=up&start=abc&end=1&step=1", 400,
       Err("bad_data", R"(invalid parameter "start": cannot parse "abc" to a valid timestamp)")},
      {"/api/v1/query_range?query=up&end=1&step=1", 400,
       Err("bad_data", R"(invalid parameter "start": cannot parse "" to a valid timestamp)")},
      {"/api/v1/query_range?query=up&start=1&end=x&step=1", 400,
       Err("bad_data", R"(invalid parameter "end": cannot parse "x" to a valid timestamp)")},
      {"/api/v1/query_range?query=up&start=10&end=1&step=1", 400,
       Err("bad_data", R"(invalid parameter "end": end timestamp must not be before start time)")},
      {"/api/v1/query_range?query=up&start=1&end=10&step=zz", 400,
       Err("bad_data", R"(invalid parameter "step": cannot parse "zz" to a valid duration)")},
      {"/api/v1/query_range?query=up&start=1&end=10&step=0", 400,
       Err("bad_data",
           R"(invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer)")},
      {"/api/v1/query_range?query=up&start=1&end=10&step=-15s", 400,
       Err("bad_data", R"(invalid parameter "step": cannot parse "-15s" to a valid duration)")},
      {"/api/v1/query_range?query=up&start=1&end=10&step=-15", 400,
       Err("bad_data",
           R"(invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer)")},
      {"/api/v1/query_range?query=up&start=0&end=11001&step=1", 400,
       Err("bad_data",
           "exceeded maximum resolution of 11,000 points per "
           "timeseries. Try decreasing the query "
           "resolution (?step=XX)")},
      {"/api/v1/query_range?query=up&start=-292273086-05-16T16:47:06Z"
       "&end=292277025-08-18T07:12:54.999999999Z&step=1y",
       400,
       Err("bad_data",
           "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
           "resolution (?step=XX)")},
      {"/api/v1/query_range?query=up&start=1&end=10&step=1&timeout=soon", 400,
       Err("bad_data", R"(invalid parameter "timeout": cannot parse "soon" to a valid duration)")},
      {"/api/v1/query?query=up&time=yesterday", 400,
       Err("bad_data",
           R"(invalid parameter "time": Invalid time value for 'time': cannot parse "yesterday" to a valid timestamp)")},
      {"/api/v1/query?query=up&limit=x", 400,
       Err("bad_data", R"(invalid parameter "limit": strconv.Atoi: parsing "x": invalid syntax)")},
      {"/api/v1/query?query=up&limit=-1", 400,
       Err("bad_data", R"(invalid parameter "limit": limit must be non-negative)")},
      {"/api/v1/query?query=up&lookback_delta=x", 400,
       Err("bad_data",
           R"(error parsing lookback delta duration: cannot parse "x" to a valid duration)")},
      {"/api/v1/query_range?query=up[5m]&start=1&end=10&step=1", 400,
       Err("bad_data",
           R"(invalid parameter "query": invalid expression type "range vector" for range query, must be Scalar or instant Vector)")},
      {"/api/v1/series", 400, Err("bad_data", "no match[] parameter provided")},
      {"/api/v1/series?match[]=%7Bjob%3D~%22.*%22%7D", 400,
       Err("bad_data",
           R"(invalid parameter "match[]": match[] must contain at least one non-empty matcher)")},
      // /labels and /label/<name>/values do not name the parameter (Prometheus 2.42 and 3.x).
      {"/api/v1/labels?match[]=%7B", 400,
       Err("bad_data", "1:2: parse error: unexpected end of input inside braces")},
      {"/api/v1/label/job/values?match[]=%7B", 400,
       Err("bad_data", "1:2: parse error: unexpected end of input inside braces")},
      {"/api/v1/series?match[]=%7B", 400,
       Err("bad_data",
           R"(invalid parameter "match[]": 1:2: parse error: unexpected end of input inside braces)")},
      {"/api/v1/labels?start=x", 400,
       Err("bad_data",
           R"(invalid parameter "start": Invalid time value for 'start': cannot parse "x" to a valid timestamp)")},
      {"/api/v1/label/job/values?limit=-3", 400,
       Err("bad_data", R"(invalid parameter "limit": limit must be non-negative)")},
      {"/api/v1/label/U__a_zz_/values", 200, R"({"status":"success","data":[]})"},
  };
  for (const auto& c : cases) {
    auto r = Get(c.url);
    EXPECT_EQ(r.code, c.code) << c.url;
    EXPECT_EQ(r.body, c.body) << c.url;
    EXPECT_EQ(r.content_type, "application/json") << c.url;
  }
}

TEST_F(APITest, ParseErrorMatchesPrometheusFixture) {
  auto r = Get("/api/v1/query?query=sum(up");
  EXPECT_EQ(r.code, 400);
  EXPECT_EQ(
      r.body.rfind(
          R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:)",
          0),
      0u)
      << r.body;
  std::ifstream f(WARD_SOURCE_DIR "/../shared/fixtures/prometheus-2.42-api-query-error.json");
  if (!f) GTEST_SKIP() << "fixture prometheus-2.42-api-query-error.json not found";
  std::stringstream ss;
  ss << f.rdbuf();
  std::string want = ss.str();
  while (!want.empty() && want.back() == '\n') want.pop_back();
  // The fixture is Prometheus's answer to `sum(`; ward must answer byte for
  // byte.
  auto r2 = Get("/api/v1/query?query=sum(");
  EXPECT_EQ(r2.body, want);
}

TEST_F(APITest, ExecutionError) {
  auto r = Get("/api/v1/query?query=%7Bjob%3D%22dup%22%7D%2B1&time=1690000060");
  EXPECT_EQ(r.code, 422) << r.body;
  EXPECT_EQ(r.body, Err("execution", "vector cannot contain metrics with the same labelset"));
}

TEST_F(APITest, LimitTruncatesWithWarning) {
  auto r = Get("/api/v1/query?query=up&time=1690000060&limit=1");
  EXPECT_EQ(r.code, 200);
  EXPECT_NE(r.body.find(R"(]},"warnings":["results truncated due to limit"]})"), std::string::npos)
      << r.body;
  size_t n = 0;
  for (size_t at = r.body.find("\"metric\""); at != std::string::npos;
       at = r.body.find("\"metric\"", at + 1)) {
    n++;
  }
  EXPECT_EQ(n, 1u) << r.body;
  r = Get("/api/v1/query?query=up&time=1690000060&limit=2");
  EXPECT_EQ(r.body.find("warnings"), std::string::npos);
}

TEST_F(APITest, Stats) {
  auto r = Get("/api/v1/query?query=up&time=1690000060&stats=true");
  EXPECT_EQ(r.code, 200);
  EXPECT_NE(r.body.find(R"(],"stats":{"timings":{"evalTotalTime":)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("samples":{"totalQueryableSamples":)"), std::string::npos) << r.body;
  r = Get("/api/v1/query?query=up&time=1690000060");
  EXPECT_EQ(r.body.find("stats"), std::string::npos) << r.body;
}

TEST_F(APITest, EmptyQuery) {
  auto r = Get("/api/v1/query?time=1690000060");
  EXPECT_EQ(r.code, 400);
  EXPECT_EQ(r.body,
            Err("bad_data",
                R"(invalid parameter "query": 1:1: parse error: no expression found in input)"));
}

TEST_F(APITest, AnnotationsAsInfos) {
  auto r = Get("/api/v1/query?query=rate(up[1m])&time=1690000060");
  EXPECT_EQ(r.code, 200);
  EXPECT_NE(r.body.find(R"("infos":["PromQL info: metric might not be a counter)"),
            std::string::npos)
      << r.body;
}

TEST_F(APITest, Series) {
  auto r = Get("/api/v1/series?match[]=up");
  EXPECT_EQ(r.body, R"({"status":"success","data":[)"
                    R"({"__name__":"up","instance":"localhost:9090","job":"prometheus"},)"
                    R"({"__name__":"up","instance":"localhost:9100","job":"node"}]})");
  // Two selectors: union, sorted, de-duplicated.
  r =
      Get("/api/v1/"
          "series?match[]=up{job=\"node\"}&match[]=http_requests_total&match[]=up");
  EXPECT_EQ(r.body, R"({"status":"success","data":[)"
                    R"({"__name__":"http_requests_total","code":"200","job":"api"},)"
                    R"({"__name__":"http_requests_total","code":"500","job":"api"},)"
                    R"({"__name__":"up","instance":"localhost:9090","job":"prometheus"},)"
                    R"({"__name__":"up","instance":"localhost:9100","job":"node"}]})");
  r = Get("/api/v1/series?match[]=up&limit=1");
  EXPECT_EQ(r.body, R"({"status":"success","data":[)"
                    R"({"__name__":"up","instance":"localhost:9090","job":"prometheus"}],)"
                    R"("warnings":["results truncated due to limit"]})");
  // A time range with no samples.
  r = Get("/api/v1/series?match[]=up&start=1000&end=2000");
  EXPECT_EQ(r.body, R"({"status":"success","data":[]})");
}

TEST_F(APITest, LabelsAndValues) {
  auto r = Get("/api/v1/labels");
  EXPECT_EQ(r.body, R"({"status":"success","data":["__name__","code","instance","job"]})");
  r = Get("/api/v1/labels?match[]=http_requests_total");
  EXPECT_EQ(r.body, R"({"status":"success","data":["__name__","code","job"]})");
  r = Get("/api/v1/labels?limit=2");
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":["__name__","code"],"warnings":["results truncated due to limit"]})");
  r = Get("/api/v1/label/job/values");
  EXPECT_EQ(r.body, R"({"status":"success","data":["api","dup","node","prometheus"]})");
  r = Get("/api/v1/label/job/values?match[]=up&match[]=http_requests_total");
  EXPECT_EQ(r.body, R"({"status":"success","data":["api","node","prometheus"]})");
  r = Get("/api/v1/label/__name__/values?match[]=%7Bjob%3D%22dup%22%7D");
  EXPECT_EQ(r.body, R"({"status":"success","data":["dup_a","dup_b"]})");
  r = Get("/api/v1/label/nope/values");
  EXPECT_EQ(r.body, R"({"status":"success","data":[]})");
}

TEST_F(APITest, FormatQuery) {
  auto r = Get("/api/v1/format_query?query=sum(rate(http_requests_total[5m]))by(job)");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body,
            R"x({"status":"success","data":"sum by (job) (rate(http_requests_total[5m]))"})x");
  r = Get("/api/v1/format_query?query=foo(");
  EXPECT_EQ(r.code, 400);
}

TEST_F(APITest, ParseQuery) {
  auto r =
      Get("/api/v1/parse_query?query=sum+by(job)(rate(up{job=~\"a.*\"}[5m]+offset+1m))+>+bool+0.5");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":{"bool":true,"lhs":{"expr":{"args":[{"anchored":false,)"
      R"("matchers":[{"name":"job","type":"=~","value":"a.*"},{"name":"__name__","type":"=",)"
      R"("value":"up"}],"name":"up","offset":60000,"range":300000,"smoothed":false,)"
      R"("startOrEnd":null,"timestamp":null,"type":"matrixSelector"}],"func":{"argTypes":)"
      R"(["matrix"],"name":"rate","returnType":"vector","variadic":0},"type":"call"},)"
      R"("grouping":["job"],"op":"sum","param":null,"type":"aggregation","without":false},)"
      R"("matching":null,"op":"\u003e","rhs":{"type":"numberLiteral","val":"0.5"},"type":"binaryExpr"}})");
  r = Get(
      "/api/v1/parse_query?query=max_over_time((a+%2B+on(x)+group_left(y)+b)[5m:1m]+@+start())");
  EXPECT_EQ(r.code, 200);
  EXPECT_NE(r.body.find(R"("matching":{"card":"many-to-one","fillValues":{"lhs":null,"rhs":null},)"
                        R"("include":["y"],"labels":["x"],"on":true})"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"("startOrEnd":"start","step":60000,"timestamp":null,"type":"subquery")"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(Get("/api/v1/parse_query?query=sum(").code, 400);
}

TEST_F(APITest, EmptyShapes) {
  EXPECT_EQ(Get("/api/v1/rules").body, R"({"status":"success","data":{"groups":[]}})");
  EXPECT_EQ(Get("/api/v1/alerts").body, R"({"status":"success","data":{"alerts":[]}})");
  EXPECT_EQ(Get("/api/v1/alertmanagers").body,
            R"({"status":"success","data":{"activeAlertmanagers":[],"droppedAlertmanagers":[]}})");
  EXPECT_EQ(Get("/api/v1/metadata").body, R"({"status":"success","data":{}})");
  EXPECT_EQ(Get("/api/v1/targets/metadata").body, R"({"status":"success","data":[]})");
  EXPECT_EQ(Get("/api/v1/query_exemplars?query=up").body, R"({"status":"success","data":[]})");
  EXPECT_EQ(
      Get("/api/v1/targets").body,
      R"({"status":"success","data":{"activeTargets":[],"droppedTargets":[],"droppedTargetCounts":{}}})");
  EXPECT_EQ(
      Get("/api/v1/targets?state=active").body,
      R"({"status":"success","data":{"activeTargets":[],"droppedTargets":[],"droppedTargetCounts":null}})");
  EXPECT_EQ(Get("/api/v1/scrape_pools").body, R"({"status":"success","data":{"scrapePools":[]}})");
}

TEST_F(APITest, Status) {
  EXPECT_EQ(Get("/api/v1/status/config").body,
            R"({"status":"success","data":{"yaml":"global:\n  scrape_interval: 15s\n"}})");
  EXPECT_EQ(
      Get("/api/v1/status/flags").body,
      R"({"status":"success","data":{"query.lookback-delta":"5m","web.listen-address":"0.0.0.0:9090"}})");
  EXPECT_EQ(Get("/api/v1/status/buildinfo").body,
            R"({"status":"success","data":{"version":"0.1.0","revision":"abc","branch":"main",)"
            R"("buildUser":"","buildDate":"","goVersion":"gcc"}})");
  auto r = Get("/api/v1/status/runtimeinfo");
  EXPECT_EQ(r.code, 200);
  EXPECT_NE(r.body.find(R"("startTime":"2023-07-22T04:26:40Z","CWD":"/data")"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"("storageRetention":"15d")"), std::string::npos) << r.body;
}

TEST_F(APITest, CorsAndOptions) {
  auto r = Get("/api/v1/query?query=1", {"Origin: http://grafana"});
  EXPECT_NE(r.headers.find("access-control-allow-origin: *"), std::string::npos) << r.headers;
  r = Request("OPTIONS", "/api/v1/query", "", {"Origin: http://grafana"});
  EXPECT_EQ(r.code, 204);
}

TEST_F(APITest, NotReadyIs503) {
  server_->SetReady(false);
  auto r = Get("/api/v1/query?query=1");
  EXPECT_EQ(r.code, 503);
  server_->SetReady(true);
  EXPECT_EQ(Get("/api/v1/query?query=1").code, 200);
}

}  // namespace
}  // namespace ward::web::api::v1
