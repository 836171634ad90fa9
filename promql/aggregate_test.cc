// The fused aggregation (aggregations over a streamed selector or range
// function, aggregate.cc) against the step-by-step path: each query runs on
// an engine with fuse_aggregations on and on one with it off. Results must
// match bit for bit, in the same order, errors included.
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "promql/engine.h"
#include "tsdb/head.h"

namespace ward::promql {
namespace {

class FusedAggregateTest : public ::testing::Test {
 protected:
  FusedAggregateTest() : head_(tsdb::HeadOptions{}, nullptr, nullptr) {}

  // Series m1/m2 x g in {a,b,c} x i in 0..7, each with a random subset of a
  // 15s grid over 20 minutes (some off-grid), values from a mix of
  // counters, gauges and special values.
  void Fill() {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0, 1);
    for (const char* name : {"m1", "m2"}) {
      for (const char* g : {"a", "b", "c"}) {
        for (int i = 0; i < 8; i++) {
          labels::Labels l{{"__name__", name}, {"g", g}, {"i", std::to_string(i)}};
          auto app = head_.NewAppender();
          double v = u(rng) * 100;
          for (int64_t t = 0; t <= 1200000; t += 15000) {
            const double p = u(rng);
            if (p < 0.2) continue;  // a gap
            const int64_t ts = p < 0.25 ? t + 7000 : t;
            double x;
            if (p < 0.27) {
              x = std::nan("");
            } else if (p < 0.29) {
              x = std::numeric_limits<double>::infinity();
            } else if (p < 0.30) {
              x = storage::StaleNaN();
            } else if (p < 0.33) {
              x = 1e308;  // overflows sums and averages
            } else if (p < 0.36) {
              v = 0;  // a counter reset
              x = v;
            } else {
              v += u(rng) * 10;
              x = i % 2 == 0 ? v : -v * 1e-3;
            }
            ASSERT_TRUE(app->Append(0, l, ts, x).ok());
          }
          ASSERT_TRUE(app->Commit().ok());
        }
      }
    }
  }

  static bool SameFloat(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return std::memcmp(&a, &b, sizeof(a)) == 0;
  }

  // Compares results (or errors) of `fused` and `reference`.
  void ExpectSame(const Result<QueryResult>& fused, const Result<QueryResult>& reference,
                  const std::string& what) {
    ASSERT_EQ(fused.ok(), reference.ok())
        << what << ": " << (fused.ok() ? reference.status() : fused.status()).ToString();
    if (!fused.ok()) {
      EXPECT_EQ(fused.status().ToString(), reference.status().ToString()) << what;
      return;
    }
    const Value& a = fused.value().value;
    const Value& b = reference.value().value;
    ASSERT_EQ(a.index(), b.index()) << what;
    if (const auto* va = std::get_if<Vector>(&a)) {
      const auto& vb = std::get<Vector>(b);
      ASSERT_EQ(va->size(), vb.size()) << what;
      for (size_t i = 0; i < va->size(); i++) {
        EXPECT_EQ((*va)[i].metric, vb[i].metric) << what << " #" << i;
        EXPECT_EQ((*va)[i].t, vb[i].t) << what;
        EXPECT_TRUE(SameFloat((*va)[i].f, vb[i].f))
            << what << " " << (*va)[i].metric.ToString() << ": " << (*va)[i].f << " vs " << vb[i].f;
      }
    } else if (const auto* ma = std::get_if<Matrix>(&a)) {
      const auto& mb = std::get<Matrix>(b);
      ASSERT_EQ(ma->size(), mb.size()) << what;
      for (size_t i = 0; i < ma->size(); i++) {
        EXPECT_EQ((*ma)[i].metric, mb[i].metric) << what << " #" << i;
        ASSERT_EQ((*ma)[i].floats.size(), mb[i].floats.size())
            << what << " " << (*ma)[i].metric.ToString();
        for (size_t j = 0; j < mb[i].floats.size(); j++) {
          EXPECT_EQ((*ma)[i].floats[j].t, mb[i].floats[j].t) << what;
          EXPECT_TRUE(SameFloat((*ma)[i].floats[j].f, mb[i].floats[j].f))
              << what << " " << (*ma)[i].metric.ToString() << " t=" << mb[i].floats[j].t << ": "
              << (*ma)[i].floats[j].f << " vs " << mb[i].floats[j].f;
        }
      }
    }
  }

  static EngineOptions Unfused() {
    EngineOptions o;
    o.fuse_aggregations = false;
    return o;
  }

  // Runs `agg` with `{}` replaced by `input` on both engines, as instant
  // queries at a few times and as range queries.
  void Check(const std::string& agg, const std::string& input) {
    std::string q = agg;
    q.replace(q.find("{}"), 2, input);
    for (int64_t t : {0, 30000, 301000, 600000, 1200000}) {
      ExpectSame(engine_.InstantQuery(head_, q, t), unfused_.InstantQuery(head_, q, t),
                 q + " @" + std::to_string(t));
    }
    ExpectSame(engine_.RangeQuery(head_, q, 0, 1200000, 15000),
               unfused_.RangeQuery(head_, q, 0, 1200000, 15000), q + " range 15s");
    ExpectSame(engine_.RangeQuery(head_, q, 10000, 1100000, 47000),
               unfused_.RangeQuery(head_, q, 10000, 1100000, 47000), q + " range 47s");
  }

  tsdb::Head head_;
  Engine engine_{EngineOptions{}};
  Engine unfused_{Unfused()};
};

TEST_F(FusedAggregateTest, MatchesStepByStep) {
  Fill();
  const std::vector<std::string> aggs = {
      "sum({})",
      "sum by (g) ({})",
      "sum without (i) ({})",
      "avg by (g) ({})",
      "count by (g) ({})",
      "group by (g) ({})",
      "min by (g) ({})",
      "max without (g) ({})",
      "stddev by (g) ({})",
      "stdvar({})",
      "sum by (__name__) ({})",
      "count without (__name__, g) ({})",
      "topk(3, {})",
      "topk by (g) (2, {})",
      "bottomk(4, {})",
      "bottomk without (i) (1, {})",
  };
  const std::vector<std::string> inputs = {
      "m1",
      "{__name__=~\"m.\"}",
      "m1 offset 1m",
      "rate(m1[1m])",
      "increase(m2[2m])",
      "max_over_time(m1[90s])",
      "last_over_time({__name__=~\"m.\", g=\"b\"}[1m])",
      "rate({__name__=~\"m.\"}[1m])",  // names dropped: duplicate label sets
      "sum_over_time(m1[1m] @ 600)",
  };
  for (const std::string& a : aggs) {
    for (const std::string& in : inputs) {
      Check(a, in);
      if (HasFatalFailure()) return;
    }
  }
}

TEST_F(FusedAggregateTest, TopkParameters) {
  Fill();
  // k < 1, NaN and huge k leave the fused path; k varying per step stays.
  for (std::string k : {"0", "-1", "NaN", "1e19", "scalar(count(m1) - 40)", "2.9"}) {
    Check("topk(" + k + ", {})", "m1");
    Check("bottomk by (g) (" + k + ", {})", "rate(m1[1m])");
    if (HasFatalFailure()) return;
  }
}

TEST_F(FusedAggregateTest, DuplicateLabelSetsAfterNameDrop) {
  labels::Labels a{{"__name__", "x_total"}, {"job", "j"}};
  labels::Labels b{{"__name__", "y_total"}, {"job", "j"}};
  auto app = head_.NewAppender();
  for (int64_t t = 0; t <= 120000; t += 15000) {
    ASSERT_TRUE(app->Append(0, a, t, static_cast<double>(t)).ok());
    ASSERT_TRUE(app->Append(0, b, t, static_cast<double>(t)).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  auto r = engine_.InstantQuery(head_, "sum(rate({job=\"j\"}[1m]))", 120000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("same labelset"), std::string::npos)
      << r.status().ToString();
  // last_over_time keeps the name: no duplicates.
  r = engine_.InstantQuery(head_, "count(last_over_time({job=\"j\"}[1m]))", 120000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& v = std::get<Vector>(r.value().value);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].f, 2);
}

}  // namespace
}  // namespace ward::promql
