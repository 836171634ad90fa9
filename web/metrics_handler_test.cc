// Exposition of metrics with const labels (util's own tests cannot build
// labels::Labels, which lives in ward_labels).
#include <gtest/gtest.h>

#include "model/labels/labels.h"
#include "util/metrics.h"

namespace ward::metrics {
namespace {

TEST(MetricsConstLabelsTest, Golden) {
  Registry r;
  r.NewGauge("ward_build_info", "Build facts.", labels::Labels{{"version", "0.1.0"}, {"branch", "ma\"in"}}).Set(1);
  Counter& a = r.NewCounter("ward_x_total", "X.", labels::Labels{{"shard", "a"}});
  Counter& b = r.NewCounter("ward_x_total", "X.", labels::Labels{{"shard", "b"}});
  EXPECT_NE(&a, &b);
  EXPECT_EQ(&a, &r.NewCounter("ward_x_total", "X.", labels::Labels{{"shard", "a"}}));
  a.Inc();
  b.Inc(2);
  auto& f = r.NewHistogramFamily("ward_h_seconds", "H.", {"op"}, {1}, labels::Labels{{"db", "main"}});
  f.WithLabelValues({"read"}).Observe(0.5);
  EXPECT_EQ(r.Expose(),
            "# HELP ward_build_info Build facts.\n"
            "# TYPE ward_build_info gauge\n"
            "ward_build_info{branch=\"ma\\\"in\",version=\"0.1.0\"} 1\n"
            "# HELP ward_h_seconds H.\n"
            "# TYPE ward_h_seconds histogram\n"
            "ward_h_seconds_bucket{db=\"main\",op=\"read\",le=\"1\"} 1\n"
            "ward_h_seconds_bucket{db=\"main\",op=\"read\",le=\"+Inf\"} 1\n"
            "ward_h_seconds_sum{db=\"main\",op=\"read\"} 0.5\n"
            "ward_h_seconds_count{db=\"main\",op=\"read\"} 1\n"
            "# HELP ward_x_total X.\n"
            "# TYPE ward_x_total counter\n"
            "ward_x_total{shard=\"a\"} 1\n"
            "ward_x_total{shard=\"b\"} 2\n");
}

}  // namespace
}  // namespace ward::metrics
