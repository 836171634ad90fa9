// End-to-end queries on an in-memory head.
#include "promql/engine.h"

#include <cmath>
#include <memory>
#include <thread>
#include <mutex>
#include <condition_variable>

#include "gtest/gtest.h"
#include "tsdb/head.h"

namespace ward::promql {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : head_(tsdb::HeadOptions{}, nullptr, nullptr) {}

  // Appends `n` samples v0, v0+inc, ... every `every_ms` from t=0.
  void Add(const labels::Labels& l, int n, double v0, double inc, int64_t every_ms = 15000) {
    auto app = head_.NewAppender();
    double v = v0;
    for (int i = 0; i < n; i++) {
      ASSERT_TRUE(app->Append(0, l, i * every_ms, v).ok());
      v += inc;
    }
    ASSERT_TRUE(app->Commit().ok());
  }
  void AddAt(const labels::Labels& l, int64_t t, double v) {
    auto app = head_.NewAppender();
    ASSERT_TRUE(app->Append(0, l, t, v).ok());
    ASSERT_TRUE(app->Commit().ok());
  }

  Vector Instant(std::string_view q, int64_t t) {
    auto r = engine_.InstantQuery(head_, q, t);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    if (!r.ok()) return {};
    auto* v = std::get_if<Vector>(&r.value().value);
    EXPECT_NE(v, nullptr) << q;
    return v ? *v : Vector{};
  }
  double InstantScalar(std::string_view q, int64_t t) {
    auto r = engine_.InstantQuery(head_, q, t);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    if (!r.ok()) return NAN;
    auto* v = std::get_if<Scalar>(&r.value().value);
    EXPECT_NE(v, nullptr) << q;
    return v ? v->v : NAN;
  }
  Matrix Range(std::string_view q, int64_t s, int64_t e, int64_t step) {
    auto r = engine_.RangeQuery(head_, q, s, e, step);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    if (!r.ok()) return {};
    auto* m = std::get_if<Matrix>(&r.value().value);
    EXPECT_NE(m, nullptr) << q;
    return m ? *m : Matrix{};
  }

  tsdb::Head head_;
  Engine engine_{EngineOptions{}};
};

TEST_F(EngineTest, ScalarsAndStrings) {
  EXPECT_EQ(InstantScalar("1 + 2 * 3", 0), 7);
  EXPECT_EQ(InstantScalar("2 ^ 3 ^ 2", 0), 512);
  EXPECT_EQ(InstantScalar("time()", 5000), 5);
  auto r = engine_.InstantQuery(head_, "\"hello\"", 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<String>(r.value().value).v, "hello");
}

TEST_F(EngineTest, SelectorLookbackAndStaleness) {
  labels::Labels a{{"__name__", "m"}, {"job", "a"}};
  AddAt(a, 0, 1);
  AddAt(a, 60000, 2);
  AddAt(a, 120000, storage::StaleNaN());
  auto v = Instant("m", 60000);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].f, 2);
  EXPECT_EQ(v[0].t, 60000);
  EXPECT_EQ(v[0].metric, a);
  EXPECT_TRUE(Instant("m", 120000).empty());  // stale marker ends the series
  // Lookback is left-open: a sample exactly 5m old is out.
  EXPECT_EQ(Instant("m offset 1m", 120000).size(), 1u);
  EXPECT_TRUE(Instant("m", 60000 + 300000).empty());
  EXPECT_EQ(Instant("m", 60000 + 299999).size(), 0u);  // stale marker at 120s hides it
  EXPECT_EQ(Instant("m @ 60", 999999)[0].f, 2);
}

TEST_F(EngineTest, RateAndAggregation) {
  for (int i = 0; i < 4; i++) {
    Add(
        labels::Labels{
            {"__name__", "req_total"}, {"job", i % 2 ? "x" : "y"}, {"i", std::to_string(i)}},
        41, 0, 15);  // +1/s
  }
  auto v = Instant("sum by (job) (rate(req_total[5m]))", 600000);
  ASSERT_EQ(v.size(), 2u);
  for (const Sample& s : v) {
    EXPECT_NEAR(s.f, 2, 1e-9);
    EXPECT_FALSE(s.metric.Has("__name__"));
  }
  auto m = Range("sum(rate(req_total[5m]))", 300000, 600000, 60000);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].floats.size(), 6u);
  EXPECT_NEAR(m[0].floats[0].f, 4, 1e-9);
  auto c = Instant("count(req_total) by (job)", 600000);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].f, 2);
  auto top = Instant("topk(1, req_total)", 600000);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].metric.MetricName(), "req_total");
  EXPECT_EQ(Instant("avg(req_total)", 600000)[0].f, 600);
  EXPECT_EQ(Instant("quantile(0.5, req_total)", 600000)[0].f, 600);
  EXPECT_EQ(Instant("count_values(\"v\", req_total)", 600000)[0].metric.Get("v"), "600");
}

TEST_F(EngineTest, BinaryMatching) {
  AddAt(labels::Labels{{"__name__", "a"}, {"x", "1"}, {"y", "p"}}, 0, 10);
  AddAt(labels::Labels{{"__name__", "a"}, {"x", "2"}, {"y", "p"}}, 0, 20);
  AddAt(labels::Labels{{"__name__", "b"}, {"x", "1"}}, 0, 2);
  AddAt(labels::Labels{{"__name__", "b"}, {"x", "2"}}, 0, 4);
  auto v = Instant("a / on(x) b", 0);
  ASSERT_EQ(v.size(), 2u);
  for (const Sample& s : v) {
    EXPECT_EQ(s.f, 5);
    EXPECT_EQ(s.metric.size(), 1u);  // only the `on` labels stay
  }
  auto g = Instant("a * on(x) group_left b", 0);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].metric.Get("y"), "p");
  EXPECT_EQ(Instant("a > 15", 0).size(), 1u);
  EXPECT_EQ(Instant("a > bool 15", 0).size(), 2u);
  EXPECT_EQ(Instant("a and on(x) b", 0).size(), 2u);
  EXPECT_EQ(Instant("a unless on(x) b", 0).size(), 0u);
  EXPECT_EQ(Instant("a or b", 0).size(), 4u);
  auto dup = engine_.InstantQuery(head_, "b + on() a", 0);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().ToString().find("many-to-many matching not allowed"), std::string::npos);
}

TEST_F(EngineTest, DuplicateLabelsetAfterNameDrop) {
  AddAt(labels::Labels{{"__name__", "a"}, {"x", "1"}}, 0, 1);
  AddAt(labels::Labels{{"__name__", "b"}, {"x", "1"}}, 0, 2);
  auto r = engine_.InstantQuery(head_, "abs({x=\"1\"})", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(), "vector cannot contain metrics with the same labelset");
  EXPECT_EQ(r.status().code(), StatusCode::kExecution);
}

TEST_F(EngineTest, SubqueryAndOverTime) {
  Add(labels::Labels{{"__name__", "g"}}, 41, 0, 1);
  auto v = Instant("max_over_time(g[2m:1m])", 600000);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].f, 40);
  EXPECT_EQ(Instant("count_over_time(g[1m])", 600000)[0].f, 4);  // left-open window
  EXPECT_EQ(Instant("last_over_time(g[1m])", 600000)[0].metric.MetricName(), "g");
  EXPECT_EQ(Instant("absent(nothing{a=\"b\"})", 0)[0].metric.Get("a"), "b");
  EXPECT_TRUE(Instant("absent(g)", 0).empty());
}

TEST_F(EngineTest, LabelFunctions) {
  AddAt(labels::Labels{{"__name__", "m"}, {"src", "a-b"}}, 0, 1);
  auto v = Instant("label_replace(m, \"dst\", \"$1\", \"src\", \"(.*)-.*\")", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric.Get("dst"), "a");
  EXPECT_EQ(v[0].metric.MetricName(), "m");
  auto j = Instant("label_join(m, \"j\", \",\", \"src\", \"src\")", 0);
  EXPECT_EQ(j[0].metric.Get("j"), "a-b,a-b");
}

TEST_F(EngineTest, Errors) {
  auto bad = engine_.InstantQuery(head_, "sum(", 0);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  auto range = engine_.RangeQuery(head_, "m[5m]", 0, 10, 1);
  EXPECT_EQ(range.status().code(), StatusCode::kInvalidArgument);
  auto nan = engine_.InstantQuery(head_, "topk(NaN, vector(1))", 0);
  EXPECT_EQ(nan.status().ToString(), "Parameter value is NaN");
  EngineOptions small;
  small.max_samples = 5;
  Engine tiny(small);
  Add(labels::Labels{{"__name__", "many"}}, 41, 0, 1);
  auto too = tiny.InstantQuery(head_, "many[10m]", 600000);
  ASSERT_FALSE(too.ok());
  EXPECT_EQ(too.status().ToString(),
            "query processing would load too many samples into memory in query execution");
}

TEST_F(EngineTest, HistogramQuantileClassic) {
  const char* les[] = {"0.1", "0.5", "+Inf"};
  double counts[] = {10, 30, 40};
  for (int i = 0; i < 3; i++) {
    AddAt(labels::Labels{{"__name__", "h_bucket"}, {"le", les[i]}}, 0, counts[i]);
  }
  auto v = Instant("histogram_quantile(0.5, h_bucket)", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v[0].f, 0.3);
  EXPECT_TRUE(v[0].metric.empty());
}

TEST_F(EngineTest, FillModifiers) {
  EngineOptions o;
  o.binop_fill_modifiers = true;
  Engine e(o);
  AddAt(labels::Labels{{"__name__", "l"}, {"k", "a"}}, 0, 10);
  AddAt(labels::Labels{{"__name__", "l"}, {"k", "c"}}, 0, 30);
  AddAt(labels::Labels{{"__name__", "r"}, {"k", "a"}}, 0, 100);
  AddAt(labels::Labels{{"__name__", "r"}, {"k", "d"}}, 0, 400);
  auto r = e.InstantQuery(head_, "l + fill(0) r", 0);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Vector& v = std::get<Vector>(r.value().value);
  ASSERT_EQ(v.size(), 3u);
  double sum = 0;
  for (const Sample& s : v) {
    sum += s.f;
    EXPECT_FALSE(s.metric.Has("__name__"));
  }
  EXPECT_EQ(sum, 110 + 30 + 400);
  auto right_only = e.InstantQuery(head_, "l + fill_right(1) r", 0);
  ASSERT_TRUE(right_only.ok());
  EXPECT_EQ(std::get<Vector>(right_only.value().value).size(), 2u);
}

TEST_F(EngineTest, AnchoredAndSmoothedSelectors) {
  EngineOptions o;
  o.extended_range_selectors = true;
  Engine e(o);
  // 0, 10, 20, ... every 15s: +10 per 15s.
  Add(labels::Labels{{"__name__", "c_total"}}, 41, 0, 10);
  auto inc = e.InstantQuery(head_, "increase(c_total[1m] anchored)", 300000);
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  // Anchored: value at 5m minus the value at the window start (4m): 40.
  EXPECT_DOUBLE_EQ(std::get<Vector>(inc.value().value)[0].f, 40);
  auto sm = e.InstantQuery(head_, "c_total smoothed", 307500);
  ASSERT_TRUE(sm.ok()) << sm.status().ToString();
  // Halfway between 200 (at 300s) and 210 (at 315s).
  EXPECT_DOUBLE_EQ(std::get<Vector>(sm.value().value)[0].f, 205);
  auto bad = e.InstantQuery(head_, "sum_over_time(c_total[1m] anchored)", 300000);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().ToString(),
            "anchored modifier can only be used with: changes, delta, increase, rate, resets - "
            "not with sum_over_time");
}

TEST_F(EngineTest, CountValuesMergesOverwrittenGroups) {
  AddAt(labels::Labels{{"__name__", "v"}, {"job", "a"}, {"i", "0"}}, 0, 6);
  AddAt(labels::Labels{{"__name__", "v"}, {"job", "b"}, {"i", "0"}}, 0, 6);
  auto v = Instant("count_values without (i) (\"job\", v)", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric.Get("job"), "6");
  EXPECT_EQ(v[0].f, 2);
}

TEST_F(EngineTest, HistogramFractionClassic) {
  const char* les[] = {"1", "2", "+Inf"};
  double counts[] = {10, 30, 40};
  for (int i = 0; i < 3; i++) {
    AddAt(labels::Labels{{"__name__", "h_bucket"}, {"le", les[i]}}, 0, counts[i]);
  }
  auto v = Instant("histogram_fraction(0, 1.5, h_bucket)", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v[0].f, 20.0 / 40);  // 10 below 1, half of the 20 in (1,2]
  EngineOptions o;
  o.experimental_functions = true;
  Engine e(o);
  auto r = e.InstantQuery(head_, "histogram_quantiles(h_bucket, \"q\", 0.25, 0.5)", 0);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Vector& q = std::get<Vector>(r.value().value);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].metric.Get("q"), "0.25");
  EXPECT_DOUBLE_EQ(q[0].f, 1);  // rank 10 of 40 ends the first bucket
}

TEST_F(EngineTest, DelayedNameRemovalMergesDisjointSeries) {
  EngineOptions o;
  o.delayed_name_removal = true;
  Engine e(o);
  AddAt(labels::Labels{{"__name__", "a"}}, 0, 1);
  AddAt(labels::Labels{{"__name__", "b"}}, 0, 3);
  AddAt(labels::Labels{{"__name__", "b"}}, 600000, 4);
  auto r = e.RangeQuery(head_, "-a or -b", 0, 600000, 600000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Matrix& m = std::get<Matrix>(r.value().value);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_TRUE(m[0].metric.empty());
  ASSERT_EQ(m[0].floats.size(), 2u);
  EXPECT_EQ(m[0].floats[0].f, -1);
  EXPECT_EQ(m[0].floats[1].f, -4);
}

TEST_F(EngineTest, SubqueryStepsAreAligned) {
  Add(labels::Labels{{"__name__", "g"}}, 41, 0, 1);
  // Steps of 7s aligned to multiples of 7s: (53s, 60s] holds only 56s.
  auto v = Instant("count_over_time(g[7s:7s])", 60000);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].f, 1);
  auto last = Instant("last_over_time(timestamp(g)[7s:7s])", 60000);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].f, 45);  // at 56s the newest sample is the one at 45s
}

TEST_F(EngineTest, InstantRangeAgreement) {
  for (int i = 0; i < 3; i++) {
    Add(labels::Labels{{"__name__", "m_total"}, {"i", std::to_string(i)}}, 41, i, i + 1);
  }
  const char* queries[] = {"sum(rate(m_total[2m]))", "m_total * 2 > 10", "topk(2, m_total)",
                           "avg_over_time(m_total[3m:30s])", "m_total offset 1m"};
  for (const char* q : queries) {
    Matrix m = Range(q, 120000, 480000, 60000);
    for (int64_t t = 120000; t <= 480000; t += 60000) {
      Vector v = Instant(q, t);
      size_t n = 0;
      for (const Series& s : m) {
        for (const FPoint& p : s.floats) {
          if (p.t != t) continue;
          n++;
          bool found = false;
          for (const Sample& x : v)
            if (x.metric == s.metric && x.f == p.f) found = true;
          EXPECT_TRUE(found) << q << " at " << t << " " << s.metric.ToString();
        }
      }
      EXPECT_EQ(n, v.size()) << q << " at " << t;
    }
  }
}

TEST_F(EngineTest, InfoAddsTargetInfoDataLabels) {
  EngineOptions o;
  o.experimental_functions = true;
  Engine e(o);
  AddAt(labels::Labels{{"__name__", "up"}, {"instance", "a"}, {"job", "j"}}, 0, 1);
  AddAt(
      labels::Labels{
          {"__name__", "target_info"}, {"instance", "a"}, {"job", "j"}, {"region", "eu"}},
      0, 1);
  auto r = e.InstantQuery(head_, "info(up)", 0);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Vector& v = std::get<Vector>(r.value().value);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric.Get("region"), "eu");
  EXPECT_EQ(v[0].metric.MetricName(), "up");
  auto none = e.InstantQuery(head_, "info(up, {missing=~\".+\"})", 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(std::get<Vector>(none.value().value).empty());
}

TEST_F(EngineTest, OversizedQueriesFailCleanly) {
  AddAt(labels::Labels{{"__name__", "m"}}, 0, 1);
  auto sub = engine_.InstantQuery(head_, "max_over_time(m[100y:1ms])", 0);
  ASSERT_FALSE(sub.ok());
  EXPECT_EQ(sub.status().code(), StatusCode::kExecution);
  auto range = engine_.RangeQuery(head_, "m", 0, int64_t{1} << 50, 1);
  ASSERT_FALSE(range.ok());
  EXPECT_EQ(range.status().code(), StatusCode::kExecution);
}

TEST_F(EngineTest, DeadlineTimesOut) {
  EngineOptions o;
  o.timeout_ms = 0;
  Engine e(o);
  AddAt(labels::Labels{{"__name__", "m"}}, 0, 1);
  auto r = e.RangeQuery(head_, "sum(m) + sum(m)", 0, 5000 * 1000, 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTimeout);
  EXPECT_EQ(r.status().ToString(), "query timed out in expression evaluation");
}

TEST_F(EngineTest, PerQueryTimeoutShortensTheDeadline) {
  AddAt(labels::Labels{{"__name__", "m"}}, 0, 1);
  auto e = parser::ParseExpr("sum(m) + sum(m)", engine_.ParseOpts());
  ASSERT_TRUE(e.ok());
  // A long range with a 1 ms budget cannot finish; the same without a
  // per-query timeout does, under the engine's default 2m.
  auto r = engine_.RangeQuery(head_, *e.value(), 0, 10800 * 1000, 1, 0, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTimeout);
  auto ok = engine_.RangeQuery(head_, *e.value(), 0, 10 * 1000, 1000, 0, 60000);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  const QueryStats& st = ok.value().stats;
  EXPECT_GE(st.exec_seconds, st.eval_seconds);
  EXPECT_GE(st.eval_seconds, st.inner_eval_seconds);
  EXPECT_GE(st.exec_seconds, st.queue_seconds);
}

// A Queryable whose NewQuerier blocks until released: holds a query slot.
class BlockingQueryable : public storage::Queryable {
 public:
  explicit BlockingQueryable(storage::Queryable& inner) : inner_(inner) {}
  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override {
    std::unique_lock<std::mutex> l(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(l, [this] { return released_; });
    return inner_.NewQuerier(mint, maxt);
  }
  void WaitEntered() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return entered_; });
  }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  storage::Queryable& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false, released_ = false;
};

TEST(EngineQueueTest, MaxConcurrencyQueuesAndTimesOut) {
  tsdb::Head head(tsdb::HeadOptions{}, nullptr, nullptr);
  EngineOptions opts;
  opts.max_concurrency = 1;
  opts.timeout_ms = 200;
  Engine engine(opts);
  BlockingQueryable blocking(head);
  Result<QueryResult> first = Status::Internal("not run");
  std::thread t([&] { first = engine.InstantQuery(blocking, "1", 0); });
  blocking.WaitEntered();
  // The only slot is taken: this query waits in the queue until its deadline.
  auto second = engine.InstantQuery(head, "2", 0);
  EXPECT_EQ(second.status().code(), StatusCode::kTimeout);
  EXPECT_EQ(second.status().ToString(), "query timed out in query queue");
  blocking.Release();
  t.join();
  // (The first query may itself have run past its 200 ms deadline while
  // blocked; either way it released its slot.)
  // The slot is free again.
  EXPECT_TRUE(engine.InstantQuery(head, "3", 0).ok());
}

}  // namespace
}  // namespace ward::promql
