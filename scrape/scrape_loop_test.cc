#include "scrape/scrape_loop.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "scrape/test_util.h"

namespace ward::scrape {
namespace {

using testing::RecordingAppendable;

constexpr const char* kText = "text/plain; version=0.0.4";

config::ScrapeConfig Job() {
  config::ScrapeConfig c;
  c.job_name = "j";
  c.scrape_interval = 60000;
  c.scrape_timeout = 10000;
  c.scrape_protocols = {"OpenMetricsText1.0.0", "PrometheusText0.0.4"};
  return c;
}

HttpResponse Resp(std::string body, std::string ctype = kText) {
  HttpResponse r;
  r.http_code = 200;
  r.body = std::move(body);
  r.content_type = std::move(ctype);
  r.duration = std::chrono::milliseconds(3);
  return r;
}

HttpResponse Fail(Status s) {
  HttpResponse r;
  r.status = std::move(s);
  return r;
}

// {__name__="<name>", instance="h:80", job="j"<extra>}
std::string S(const std::string& name, const std::string& extra = "") {
  return "{__name__=\"" + name + "\"" + extra + ", instance=\"h:80\", job=\"j\"}";
}

class ScrapeLoopTest : public ::testing::Test {
 protected:
  ScrapeLoopTest() : metrics_(registry_), client_(Opts()) {}
  static HttpClient::Options Opts() {
    HttpClient::Options o;
    o.workers = 1;
    return o;
  }

  std::shared_ptr<ScrapeLoop> Make(const config::ScrapeConfig& cfg) {
    labels::Labels out, disc;
    Status s = PopulateLabels(labels::Labels({{"__address__", "h:80"}}), cfg, &out, &disc);
    EXPECT_TRUE(s.ok()) << s.ToString();
    auto t = std::make_shared<Target>(out, disc, cfg);
    return std::make_shared<ScrapeLoop>(t, std::make_shared<const config::ScrapeConfig>(cfg), db_,
                                        client_, metrics_);
  }

  bool IsStale(const std::string& key, int64_t t) {
    for (const auto& s : db_.Series(key)) {
      if (s.t == t && storage::IsStaleNaN(s.v)) return true;
    }
    return false;
  }

  RecordingAppendable db_;
  metrics::Registry registry_;
  ScrapeMetrics metrics_;
  HttpClient client_;
};

TEST_F(ScrapeLoopTest, AppendsSamplesWithTargetLabelsAndReport) {
  auto loop = Make(Job());
  loop->Process(Resp("# HELP a help\n# TYPE a counter\na 1\nb{x=\"y\"} 2.5\n"), 1000);
  EXPECT_EQ(db_.Last(S("a")), 1);
  EXPECT_EQ(db_.Last("{__name__=\"b\", instance=\"h:80\", job=\"j\", x=\"y\"}"), 2.5);
  EXPECT_EQ(db_.Series(S("a"))[0].t, 1000);
  EXPECT_EQ(db_.Last(S("up")), 1);
  EXPECT_EQ(db_.Last(S("scrape_samples_scraped")), 2);
  EXPECT_EQ(db_.Last(S("scrape_samples_post_metric_relabeling")), 2);
  EXPECT_EQ(db_.Last(S("scrape_series_added")), 2);
  EXPECT_NEAR(db_.Last(S("scrape_duration_seconds")), 0.003, 1e-9);
  EXPECT_EQ(db_.commits(), 1);
  EXPECT_EQ(loop->target()->health().health, TargetHealth::kGood);
  EXPECT_EQ(loop->target()->health().last_scrape_ms, 1000);

  loop->Process(Resp("a 2\nb{x=\"y\"} 3\n"), 2000);
  EXPECT_EQ(db_.Last(S("a")), 2);
  EXPECT_EQ(db_.Last(S("scrape_series_added")), 0);
}

TEST_F(ScrapeLoopTest, UnchangedScrapeBuildsNoLabels) {
  auto loop = Make(Job());
  std::string body;
  for (int i = 0; i < 100; ++i)
    body += "m{i=\"" + std::to_string(i) + "\"} " + std::to_string(i) + "\n";
  loop->Process(Resp(body), 1000);
  EXPECT_EQ(loop->label_builds(), 100u);
  loop->Process(Resp(body), 2000);
  loop->Process(Resp(body), 3000);
  EXPECT_EQ(loop->label_builds(), 100u);  // cache hits only
  EXPECT_EQ(db_.ref_mismatches(), 0);
  EXPECT_EQ(db_.ByName("m").size(), 300u);
  // One new line costs one label build.
  loop->Process(Resp(body + "new 1\n"), 4000);
  EXPECT_EQ(loop->label_builds(), 101u);
}

TEST_F(ScrapeLoopTest, CachedSeriesAreAppendedByRefAndRebuiltWhenTheHeadForgetsThem) {
  auto loop = Make(Job());
  loop->Process(Resp("a 1\nb{x=\"y\"} 1\n"), 1000);
  const int64_t by_ref = db_.by_ref_appends();
  loop->Process(Resp("a 2\nb{x=\"y\"} 2\n"), 2000);
  EXPECT_GE(db_.by_ref_appends() - by_ref, 2);  // the cache holds refs, not labels
  EXPECT_EQ(loop->label_builds(), 2u);
  // The storage drops every series (head garbage collection): the next
  // scrape names them by labels again, with the same labels as before.
  db_.ForgetRefs();
  loop->Process(Resp("a 3\nb{x=\"y\"} 3\n"), 3000);
  EXPECT_EQ(loop->label_builds(), 4u);
  EXPECT_EQ(db_.Last(S("a")), 3);
  EXPECT_EQ(db_.Last("{__name__=\"b\", instance=\"h:80\", job=\"j\", x=\"y\"}"), 3);
  EXPECT_EQ(db_.Series(S("a")).size(), 3u);
  EXPECT_EQ(db_.ref_mismatches(), 0);
  // And by ref again afterwards.
  loop->Process(Resp("a 4\nb{x=\"y\"} 4\n"), 4000);
  EXPECT_EQ(loop->label_builds(), 4u);
  EXPECT_EQ(db_.Last(S("a")), 4);
}

TEST_F(ScrapeLoopTest, VanishedSeriesGetStaleMarker) {
  auto loop = Make(Job());
  loop->Process(Resp("a 1\nb 1\n"), 1000);
  loop->Process(Resp("a 2\n"), 2000);
  EXPECT_TRUE(IsStale(S("b"), 2000));
  EXPECT_FALSE(IsStale(S("a"), 2000));
  loop->Process(Resp("a 3\n"), 3000);
  EXPECT_EQ(db_.Series(S("b")).size(), 2u);  // one value, one marker, no more
}

TEST_F(ScrapeLoopTest, FailedScrapeMarksAllStaleAndUpZero) {
  auto loop = Make(Job());
  loop->Process(Resp("a 1\nb 1\n"), 1000);
  loop->Process(Fail(Status::Unavailable("server returned HTTP status 500 Internal Server Error")),
                2000);
  EXPECT_TRUE(IsStale(S("a"), 2000));
  EXPECT_TRUE(IsStale(S("b"), 2000));
  EXPECT_EQ(db_.Last(S("up")), 0);
  EXPECT_EQ(db_.Last(S("scrape_samples_scraped")), 0);
  auto h = loop->target()->health();
  EXPECT_EQ(h.health, TargetHealth::kBad);
  EXPECT_EQ(h.last_error, "server returned HTTP status 500 Internal Server Error");
  // Recovery.
  loop->Process(Resp("a 5\n"), 3000);
  EXPECT_EQ(db_.Last(S("a")), 5);
  EXPECT_EQ(db_.Last(S("up")), 1);
  EXPECT_FALSE(IsStale(S("b"), 3000));
}

TEST_F(ScrapeLoopTest, ParseErrorFailsScrape) {
  auto loop = Make(Job());
  loop->Process(Resp("a 1\n"), 1000);
  loop->Process(Resp("a 2\nb{ 3\n"), 2000);
  EXPECT_EQ(db_.Last(S("up")), 0);
  EXPECT_TRUE(IsStale(S("a"), 2000));
  EXPECT_EQ(db_.Series(S("a")).size(), 2u);  // the partial sample a=2 was rolled back
  EXPECT_FALSE(loop->target()->health().last_error.empty());
}

TEST_F(ScrapeLoopTest, ContentTypeAndFallback) {
  auto loop = Make(Job());
  loop->Process(Resp("a 1\n", "application/json"), 1000);
  EXPECT_EQ(db_.Last(S("up")), 0);
  config::ScrapeConfig c = Job();
  c.fallback_scrape_protocol = "PrometheusText0.0.4";
  auto loop2 = Make(c);
  loop2->Process(Resp("a 1\n", ""), 2000);
  EXPECT_EQ(db_.Last(S("up")), 1);
  // OpenMetrics bodies.
  auto loop3 = Make(Job());
  loop3->Process(Resp("# TYPE c counter\nc_total 4\n# EOF\n",
                      "application/openmetrics-text; version=1.0.0; charset=utf-8"),
                 3000);
  EXPECT_EQ(db_.Last(S("c_total")), 4);
}

TEST_F(ScrapeLoopTest, SampleLimitFailsWholeScrape) {
  config::ScrapeConfig c = Job();
  c.sample_limit = 2;
  auto loop = Make(c);
  loop->Process(Resp("a 1\nb 1\n"), 1000);
  EXPECT_EQ(db_.Last(S("up")), 1);
  loop->Process(Resp("a 2\nb 2\nc 2\n"), 2000);
  EXPECT_EQ(db_.Last(S("up")), 0);
  EXPECT_EQ(db_.Last(S("scrape_samples_scraped")), 3);
  EXPECT_TRUE(db_.Series(S("c")).empty());
  EXPECT_TRUE(IsStale(S("a"), 2000));
  EXPECT_TRUE(IsStale(S("b"), 2000));
  EXPECT_EQ(loop->target()->health().last_error, "sample limit exceeded");
  EXPECT_EQ(metrics_.exceeded_sample_limit_total.value(), 1);
}

TEST_F(ScrapeLoopTest, ExportedPrefixOnConflicts) {
  auto loop = Make(Job());
  loop->Process(Resp("a{job=\"other\",exported_job=\"z\",instance=\"i\"} 1\n"), 1000);
  auto s = db_.ByName("a");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].lset.ToString(),
            "{__name__=\"a\", exported_exported_job=\"other\", exported_instance=\"i\", "
            "exported_job=\"z\", instance=\"h:80\", job=\"j\"}");
}

TEST_F(ScrapeLoopTest, HonorLabelsKeepsScrapedValues) {
  config::ScrapeConfig c = Job();
  c.honor_labels = true;
  auto loop = Make(c);
  loop->Process(Resp("a{job=\"other\"} 1\n"), 1000);
  auto s = db_.ByName("a");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].lset.ToString(), "{__name__=\"a\", instance=\"h:80\", job=\"other\"}");
}

TEST_F(ScrapeLoopTest, MetricRelabelDrop) {
  config::ScrapeConfig c = Job();
  relabel::Config r;
  r.action = relabel::Action::kDrop;
  r.source_labels = {"__name__"};
  ASSERT_TRUE(r.SetRegex("go_.*").ok());
  c.metric_relabel_configs.push_back(r);
  auto loop = Make(c);
  loop->Process(Resp("go_gc 1\ngo_x 2\nkeep 3\n"), 1000);
  loop->Process(Resp("go_gc 1\ngo_x 2\nkeep 3\n"), 2000);
  EXPECT_TRUE(db_.ByName("go_gc").empty());
  EXPECT_TRUE(db_.ByName("go_x").empty());
  EXPECT_EQ(db_.ByName("keep").size(), 2u);
  EXPECT_EQ(db_.Last(S("scrape_samples_scraped")), 3);
  EXPECT_EQ(db_.Last(S("scrape_samples_post_metric_relabeling")), 1);
  EXPECT_EQ(loop->label_builds(), 3u);  // dropped series are cached too
}

TEST_F(ScrapeLoopTest, HonorTimestamps) {
  auto loop = Make(Job());
  loop->Process(Resp("a 1 500\n"), 1000);
  EXPECT_EQ(db_.Series(S("a"))[0].t, 500);
  // Series with explicit timestamps get no staleness markers.
  loop->Process(Resp("b 1\n"), 2000);
  EXPECT_EQ(db_.Series(S("a")).size(), 1u);

  config::ScrapeConfig c = Job();
  c.honor_timestamps = false;
  c.job_name = "k";
  auto loop2 = Make(c);
  loop2->Process(Resp("a 1 500\n"), 3000);
  auto s = db_.Series("{__name__=\"a\", instance=\"h:80\", job=\"k\"}");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].t, 3000);
}

TEST_F(ScrapeLoopTest, LabelLimits) {
  config::ScrapeConfig c = Job();
  c.label_limit = 3;
  auto loop = Make(c);
  loop->Process(Resp("a{x=\"1\",y=\"2\"} 1\n"), 1000);
  EXPECT_EQ(db_.Last(S("up")), 0);
  EXPECT_EQ(loop->target()->health().last_error,
            "label_limit exceeded (metric: a, number of labels: 5, limit: 3)");
  c.label_limit = 0;
  c.label_value_length_limit = 4;
  c.job_name = "k";
  auto loop2 = Make(c);
  loop2->Process(Resp("a{x=\"longer\"} 1\n"), 1000);
  EXPECT_EQ(loop2->target()->health().last_error,
            "label_value_length_limit exceeded (metric: a, label name: x, value: \"longer\", "
            "length: 6, limit: 4)");
  c.label_value_length_limit = 0;
  c.label_name_length_limit = 4;
  c.job_name = "l";
  auto loop3 = Make(c);
  loop3->Process(Resp("a{x=\"long\"} 1\n"), 1000);
  EXPECT_EQ(loop3->target()->health().last_error,
            "label_name_length_limit exceeded (metric: a, label name: __name__, length: 8, "
            "limit: 4)");
  EXPECT_GE(metrics_.exceeded_label_limits_total.value(), 3);
}

TEST_F(ScrapeLoopTest, RejectionsAreCountedNotFatal) {
  auto loop = Make(Job());
  loop->Process(Resp("a 1 5000\nb 1\n"), 1000);
  loop->Process(Resp("a 1 4000\nb 2\n"), 2000);  // a goes back in time
  EXPECT_EQ(metrics_.sample_out_of_order_total.value(), 1);
  EXPECT_EQ(db_.Last(S("up")), 1);
  EXPECT_EQ(db_.Last(S("b")), 2);
  loop->Process(Resp("a 7 5000\nb 3\n"), 3000);  // same timestamp, other value
  EXPECT_EQ(metrics_.sample_duplicate_timestamp_total.value(), 1);
  EXPECT_EQ(loop->target()->health().health, TargetHealth::kGood);
}

TEST_F(ScrapeLoopTest, StopWithStaleMarkersMarksEverything) {
  auto loop = Make(Job());
  loop->Process(Resp("a 1\nb 1\n"), 1000);
  loop->Stop(true);
  loop->Wait();
  ASSERT_EQ(db_.Series(S("a")).size(), 2u);
  EXPECT_TRUE(storage::IsStaleNaN(db_.Series(S("a"))[1].v));
  EXPECT_TRUE(storage::IsStaleNaN(db_.Series(S("b"))[1].v));
  EXPECT_TRUE(storage::IsStaleNaN(db_.Series(S("up"))[1].v));
  EXPECT_TRUE(storage::IsStaleNaN(db_.Series(S("scrape_series_added"))[1].v));
}

TEST_F(ScrapeLoopTest, StopWithoutStaleMarkers) {
  auto loop = Make(Job());
  loop->Process(Resp("a 1\n"), 1000);
  loop->Stop(false);
  loop->Wait();
  EXPECT_EQ(db_.Series(S("a")).size(), 1u);
}

TEST_F(ScrapeLoopTest, CacheHandedToSuccessorAfterReload) {
  auto old_loop = Make(Job());
  old_loop->Process(Resp("a 1\nb 1\n"), 1000);
  ScrapeCache cache;
  EXPECT_FALSE(old_loop->TakeCache(&cache));  // still running
  old_loop->Stop(false);
  old_loop->Wait();
  ASSERT_TRUE(old_loop->TakeCache(&cache));
  auto next = Make(Job());
  next->AdoptCache(std::move(cache));
  next->Process(Resp("a 2\n"), 2000);
  EXPECT_EQ(next->label_builds(), 0u);  // warm cache
  EXPECT_TRUE(IsStale(S("b"), 2000));   // staleness continues across the reload
  EXPECT_EQ(db_.ref_mismatches(), 0);
}

TEST_F(ScrapeLoopTest, MutateSampleLabelsTable) {
  labels::Labels target({{"instance", "i"}, {"job", "j"}});
  struct Case {
    labels::Labels in;
    bool honor;
    std::string want;
  } cases[] = {
      {labels::Labels({{"__name__", "m"}}), false, "{__name__=\"m\", instance=\"i\", job=\"j\"}"},
      {labels::Labels({{"__name__", "m"}, {"job", "x"}}), false,
       "{__name__=\"m\", exported_job=\"x\", instance=\"i\", job=\"j\"}"},
      {labels::Labels({{"__name__", "m"}, {"job", "x"}}), true,
       "{__name__=\"m\", instance=\"i\", job=\"x\"}"},
      {labels::Labels({{"__name__", "m"}, {"job", "x"}, {"exported_job", "y"}}), false,
       "{__name__=\"m\", exported_exported_job=\"x\", exported_job=\"y\", instance=\"i\", "
       "job=\"j\"}"},
  };
  for (const auto& c : cases) {
    labels::Labels out;
    ASSERT_TRUE(MutateSampleLabels(c.in, target, c.honor, {}, &out));
    EXPECT_EQ(out.ToString(), c.want) << c.in.ToString();
  }
}

}  // namespace
}  // namespace ward::scrape

namespace ward::scrape {
namespace {

std::string ReadFixture(const std::string& name) {
  std::ifstream f(std::string(WARD_SOURCE_DIR) + "/../shared/fixtures/" + name, std::ios::binary);
  if (!f) return "";
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST_F(ScrapeLoopTest, EtcdFixtureSecondScrapeIsAllCacheHits) {
  std::string body = ReadFixture("etcd-3.4-metrics.txt");
  if (body.empty()) GTEST_SKIP() << "fixture ../shared/fixtures/etcd-3.4-metrics.txt not found";
  size_t lines = 0;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') ++lines;
  }
  auto loop = Make(Job());
  loop->Process(Resp(body), 1000);
  ASSERT_EQ(db_.Last(S("up")), 1) << loop->target()->health().last_error;
  EXPECT_EQ(db_.Last(S("scrape_samples_scraped")), static_cast<double>(lines));
  EXPECT_EQ(loop->label_builds(), lines);
  loop->Process(Resp(body), 2000);
  EXPECT_EQ(loop->label_builds(), lines);
  EXPECT_EQ(db_.Last(S("scrape_series_added")), 0);
  EXPECT_EQ(db_.ref_mismatches(), 0);
}

TEST(AlignScrapeTimeTest, SnapsToTheTickWithinTwoMilliseconds) {
  int64_t anchor = 0;
  EXPECT_EQ(AlignScrapeTime(100003, 1000, &anchor), 100003);  // first scrape anchors
  EXPECT_EQ(AlignScrapeTime(101005, 1000, &anchor), 101003);  // 2 ms late
  EXPECT_EQ(AlignScrapeTime(102002, 1000, &anchor), 102003);  // 1 ms early
  EXPECT_EQ(AlignScrapeTime(104004, 1000, &anchor), 104003);  // a skipped tick
  // Outside the tolerance: the real time, which becomes the new anchor.
  EXPECT_EQ(AlignScrapeTime(105050, 1000, &anchor), 105050);
  EXPECT_EQ(AlignScrapeTime(106051, 1000, &anchor), 106050);
  // Short intervals are never aligned.
  int64_t other = 0;
  EXPECT_EQ(AlignScrapeTime(1000, 100, &other), 1000);
  EXPECT_EQ(AlignScrapeTime(1101, 100, &other), 1101);
}

}  // namespace
}  // namespace ward::scrape
