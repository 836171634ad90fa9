#include "util/metrics.h"

#include <gtest/gtest.h>

// Const labels need ward_labels, which ward_util's tests do not link: they
// are tested in web/metrics_handler_test.cc.

#include <cmath>
#include <limits>
#include <thread>

namespace ward::metrics {
namespace {

std::string Fmt(double v) {
  std::string s;
  AppendFloat(&s, v);
  return s;
}

TEST(MetricsFloatTest, FormatsLikeGo) {
  // Expected strings are what Go's strconv.FormatFloat(v, 'g', -1, 64) prints.
  EXPECT_EQ(Fmt(0), "0");
  EXPECT_EQ(Fmt(1), "1");
  EXPECT_EQ(Fmt(-1), "-1");
  EXPECT_EQ(Fmt(0.005), "0.005");
  EXPECT_EQ(Fmt(0.1), "0.1");
  EXPECT_EQ(Fmt(2.5), "2.5");
  EXPECT_EQ(Fmt(123.25), "123.25");
  EXPECT_EQ(Fmt(100000), "100000");
  EXPECT_EQ(Fmt(999999), "999999");
  EXPECT_EQ(Fmt(1000000), "1e+06");
  EXPECT_EQ(Fmt(1234567), "1.234567e+06");
  EXPECT_EQ(Fmt(1.7e9), "1.7e+09");
  EXPECT_EQ(Fmt(0.0001), "0.0001");
  EXPECT_EQ(Fmt(0.00001), "1e-05");
  EXPECT_EQ(Fmt(1.5e-7), "1.5e-07");
  EXPECT_EQ(Fmt(1e100), "1e+100");
  EXPECT_EQ(Fmt(18446744073709551615.0), "1.8446744073709552e+19");
  EXPECT_EQ(Fmt(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(Fmt(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(Fmt(std::nan("")), "NaN");
}

TEST(MetricsTest, CounterGaugeGolden) {
  Registry r;
  Counter& c = r.NewCounter("ward_b_total", "Things counted.");
  Gauge& g = r.NewGauge("ward_a", "A gauge\nwith \\ newline.");
  c.Inc();
  c.Inc(2.5);
  c.Inc(-4);  // ignored
  g.Set(10);
  g.Dec(3);
  g.Inc(0.5);
  EXPECT_EQ(c.value(), 3.5);
  EXPECT_EQ(g.value(), 7.5);
  EXPECT_EQ(r.Expose(),
            "# HELP ward_a A gauge\\nwith \\\\ newline.\n"
            "# TYPE ward_a gauge\n"
            "ward_a 7.5\n"
            "# HELP ward_b_total Things counted.\n"
            "# TYPE ward_b_total counter\n"
            "ward_b_total 3.5\n");
}

TEST(MetricsTest, HistogramGolden) {
  Registry r;
  Histogram& h = r.NewHistogram("ward_latency_seconds", "Latency.", {1, 0.5, 2});
  h.Observe(0.5);  // le is inclusive
  h.Observe(0.7);
  h.Observe(3);
  h.Observe(0.1);
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(r.Expose(),
            "# HELP ward_latency_seconds Latency.\n"
            "# TYPE ward_latency_seconds histogram\n"
            "ward_latency_seconds_bucket{le=\"0.5\"} 2\n"
            "ward_latency_seconds_bucket{le=\"1\"} 3\n"
            "ward_latency_seconds_bucket{le=\"2\"} 3\n"
            "ward_latency_seconds_bucket{le=\"+Inf\"} 4\n"
            "ward_latency_seconds_sum 4.3\n"
            "ward_latency_seconds_count 4\n");
}

TEST(MetricsTest, FamiliesAndLabelEscaping) {
  Registry r;
  auto& f = r.NewCounterFamily("ward_requests_total", "Requests.", {"code", "path"});
  f.WithLabelValues({"200", "/a\"b\\c\nd"}).Inc(2);
  f.WithLabelValues({"500", "/"}).Inc();
  f.WithLabelValues({"404", "/x"}).Inc();
  f.Remove({"404", "/x"});
  auto& hf = r.NewHistogramFamily("ward_dur_seconds", "D.", {"handler"}, {1});
  hf.WithLabelValues({"q"}).Observe(2);
  EXPECT_EQ(r.Expose(),
            "# HELP ward_dur_seconds D.\n"
            "# TYPE ward_dur_seconds histogram\n"
            "ward_dur_seconds_bucket{handler=\"q\",le=\"1\"} 0\n"
            "ward_dur_seconds_bucket{handler=\"q\",le=\"+Inf\"} 1\n"
            "ward_dur_seconds_sum{handler=\"q\"} 2\n"
            "ward_dur_seconds_count{handler=\"q\"} 1\n"
            "# HELP ward_requests_total Requests.\n"
            "# TYPE ward_requests_total counter\n"
            "ward_requests_total{code=\"200\",path=\"/a\\\"b\\\\c\\nd\"} 2\n"
            "ward_requests_total{code=\"500\",path=\"/\"} 1\n");
}

TEST(MetricsTest, WrongNumberOfLabelValuesDoesNotCrash) {
  Registry r;
  auto& f = r.NewGaugeFamily("g", "h", {"a", "b"});
  f.WithLabelValues({"x"}).Set(1);
  f.WithLabelValues({"x", "", "extra"}).Inc();
  EXPECT_EQ(f.size(), 1u);
  EXPECT_NE(r.Expose().find("g{a=\"x\",b=\"\"} 2\n"), std::string::npos);
}

TEST(MetricsTest, ReRegistrationAndConflicts) {
  Registry r;
  Counter& a = r.NewCounter("c_total", "h");
  Counter& b = r.NewCounter("c_total", "h");
  EXPECT_EQ(&a, &b);
  Gauge& conflict = r.NewGauge("c_total", "h");  // wrong type: detached
  conflict.Set(42);
  a.Inc();
  EXPECT_EQ(r.Expose(), "# HELP c_total h\n# TYPE c_total counter\nc_total 1\n");
}

TEST(MetricsTest, CollectorsSortedIn) {
  Registry r;
  r.NewGauge("b_gauge", "b").Set(1);
  r.AddCollector([](std::string* out) {
    AppendHeader(out, "c_series", "c", MetricType::kGauge);
    AppendSample(out, "c_series", {{"x", "y"}}, 5);
    AppendHeader(out, "a_series", "a", MetricType::kCounter);
    AppendSample(out, "a_series", {}, 2);
  });
  EXPECT_EQ(r.Expose(),
            "# HELP a_series a\n# TYPE a_series counter\na_series 2\n"
            "# HELP b_gauge b\n# TYPE b_gauge gauge\nb_gauge 1\n"
            "# HELP c_series c\n# TYPE c_series gauge\nc_series{x=\"y\"} 5\n");
}

TEST(MetricsTest, Buckets) {
  EXPECT_EQ(ExponentialBuckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
  EXPECT_TRUE(ExponentialBuckets(0, 2, 4).empty());
  EXPECT_TRUE(ExponentialBuckets(1, 1, 4).empty());
  EXPECT_EQ(LinearBuckets(1, 2, 3), (std::vector<double>{1, 3, 5}));
  Histogram h({});
  EXPECT_EQ(h.upper_bounds(), DefBuckets());
  Histogram inf({1, std::numeric_limits<double>::infinity(), 1});
  EXPECT_EQ(inf.upper_bounds(), (std::vector<double>{1}));
  inf.Observe(std::nan(""));
  EXPECT_EQ(inf.cumulative_count(0), 0u);
  EXPECT_EQ(inf.count(), 1u);
}

TEST(MetricsTest, ConcurrentUpdates) {
  Registry r;
  Counter& c = r.NewCounter("c", "h");
  Histogram& h = r.NewHistogram("h", "h", ExponentialBuckets(1, 2, 20));
  auto& fam = r.NewCounterFamily("f", "h", {"t"});
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      Counter& mine = fam.WithLabelValues({std::to_string(t % 2)});
      for (int i = 0; i < 10000; ++i) {
        c.Inc();
        h.Observe(i);
        mine.Inc();
        if (i % 1000 == 0) (void)r.Expose();
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(c.value(), 40000);
  EXPECT_EQ(h.count(), 40000u);
  EXPECT_EQ(fam.WithLabelValues({"0"}).value() + fam.WithLabelValues({"1"}).value(), 40000);
}

TEST(MetricsTest, DefaultRegistryIsShared) { EXPECT_EQ(&DefaultRegistry(), &DefaultRegistry()); }

}  // namespace
}  // namespace ward::metrics
