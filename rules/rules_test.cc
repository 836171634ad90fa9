// Recording rules and group evaluation: outputs, labels, stale markers,
// errors in health/last_error, query offset, slot alignment, metrics.
#include <cmath>

#include "rules/group.h"
#include "rules/recording.h"
#include "rules/test_util.h"

namespace ward::rules {
namespace {

using testing::Env;
using testing::kMin;
using testing::kT0;
using testing::L;

TEST(RulesRecording, AppliesLabelsAndName) {
  Env env;
  env.Add(L({{"__name__", "http_requests"}, {"job", "api"}, {"instance", "a"}}), kT0, 1);
  env.Add(L({{"__name__", "http_requests"}, {"job", "api"}, {"instance", "b"}}), kT0, 2);
  env.Add(L({{"__name__", "http_requests"}, {"job", "web"}, {"instance", "c"}}), kT0, 5);
  auto g = env.MakeGroup(R"(groups:
- name: g
  labels: {team: infra, tier: x}
  rules:
  - record: job:http_requests:sum
    expr: sum by (job) (http_requests)
    labels: {tier: gold}
)",
                         env.MakeOptions());
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->rules()[0]->Query(), "sum by (job) (http_requests)");
  EXPECT_EQ(g->rules()[0]->health(), Health::kUnknown);
  g->Eval(kT0 + kMin);
  EXPECT_EQ(g->rules()[0]->health(), Health::kOk);
  EXPECT_EQ(g->rules()[0]->last_error(), "");
  EXPECT_EQ(g->rules()[0]->last_evaluation_ms(), kT0);  // the injected wall clock
  auto out = env.Raw("job:http_requests:sum");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].first, L({{"__name__", "job:http_requests:sum"},
                             {"job", "api"},
                             {"team", "infra"},
                             {"tier", "gold"}}));
  ASSERT_EQ(out[0].second.size(), 1u);
  EXPECT_EQ(out[0].second[0], std::make_pair(kT0 + kMin, 3.0));
  EXPECT_EQ(out[1].first.Get("job"), "web");
  EXPECT_EQ(out[1].second[0].second, 5.0);
}

TEST(RulesRecording, DuplicateLabelsetAfterRuleLabels) {
  Env env;
  env.Add(L({{"__name__", "up"}, {"instance", "a"}}), kT0, 1);
  env.Add(L({{"__name__", "up"}, {"instance", "b"}}), kT0, 1);
  auto g = env.MakeGroup(R"(groups:
- name: g
  rules:
  - record: up:copy
    expr: up
    labels: {instance: same}
  - record: after
    expr: vector(7)
)",
                         env.MakeOptions());
  ASSERT_NE(g, nullptr);
  g->Eval(kT0 + kMin);
  EXPECT_EQ(g->rules()[0]->health(), Health::kErr);
  EXPECT_EQ(g->rules()[0]->last_error(),
            "vector contains metrics with the same labelset after applying rule labels");
  EXPECT_TRUE(env.Raw("up:copy").empty());
  // The next rule still runs.
  EXPECT_EQ(g->rules()[1]->health(), Health::kOk);
  ASSERT_EQ(env.Raw("after").size(), 1u);
  EXPECT_EQ(
      env.registry.NewCounterFamily("prometheus_rule_evaluation_failures_total", "", {"rule_group"})
          .WithLabelValues({"rules.yml;g"})
          .value(),
      1);
}

TEST(RulesRecording, LimitExceeded) {
  Env env;
  env.Add(L({{"__name__", "up"}, {"instance", "a"}}), kT0, 1);
  env.Add(L({{"__name__", "up"}, {"instance", "b"}}), kT0, 1);
  auto g = env.MakeGroup(R"(groups:
- name: g
  limit: 1
  rules:
  - record: up:copy
    expr: up
)",
                         env.MakeOptions());
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->limit(), 1);
  g->Eval(kT0 + kMin);
  EXPECT_EQ(g->rules()[0]->health(), Health::kErr);
  EXPECT_EQ(g->rules()[0]->last_error(), "exceeded limit of 1 with 2 series");
  EXPECT_TRUE(env.Raw("up:copy").empty());
}

TEST(RulesRecording, ScalarResultBecomesOneSample) {
  Env env;
  auto g = env.MakeGroup(R"(groups:
- name: g
  rules:
  - record: answer
    expr: 40 + 2
    labels: {kind: scalar}
)",
                         env.MakeOptions());
  ASSERT_NE(g, nullptr);
  g->Eval(kT0);
  auto out = env.Raw("answer");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, L({{"__name__", "answer"}, {"kind", "scalar"}}));
  EXPECT_EQ(out[0].second[0], std::make_pair(kT0, 42.0));
}

TEST(RulesRecording, StaleMarkerWhenSeriesDisappears) {
  Env env;
  env.Add(L({{"__name__", "up"}, {"instance", "a"}}), kT0, 1);
  env.Add(L({{"__name__", "up"}, {"instance", "b"}}), kT0, 1);
  env.Add(L({{"__name__", "up"}, {"instance", "a"}}), kT0 + kMin, 1);
  // instance b gets a stale marker itself: it is gone from `up` at kT0+1m.
  env.Add(L({{"__name__", "up"}, {"instance", "b"}}), kT0 + kMin - 1, storage::StaleNaN());
  auto g = env.MakeGroup(R"(groups:
- name: g
  rules:
  - record: up:copy
    expr: up
)",
                         env.MakeOptions());
  ASSERT_NE(g, nullptr);
  g->Eval(kT0);
  g->Eval(kT0 + kMin);
  auto out = env.Raw("up:copy");
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[0].second.size(), 2u);
  EXPECT_EQ(out[0].second[1], std::make_pair(kT0 + kMin, 1.0));
  ASSERT_EQ(out[1].first.Get("instance"), "b");
  ASSERT_EQ(out[1].second.size(), 2u);
  EXPECT_EQ(out[1].second[1].first, kT0 + kMin);
  EXPECT_TRUE(storage::IsStaleNaN(out[1].second[1].second));
  // Not marked again on the next evaluation.
  g->Eval(kT0 + 2 * kMin);
  EXPECT_EQ(env.Raw("up:copy", {{"instance", "b"}})[0].second.size(), 2u);
}

TEST(RulesRecording, LaterRuleSeesEarlierResultInSameEval) {
  Env env;
  auto g = env.MakeGroup(R"(groups:
- name: g
  rules:
  - record: first
    expr: vector(3)
  - record: second
    expr: first * 2
)",
                         env.MakeOptions());
  ASSERT_NE(g, nullptr);
  g->Eval(kT0);
  auto out = env.Raw("second");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].second[0], std::make_pair(kT0, 6.0));
}

TEST(RulesGroup, QueryOffset) {
  Env env;
  env.Add(L({{"__name__", "m"}}), kT0, 1);
  env.Add(L({{"__name__", "m"}}), kT0 + kMin, 2);
  auto g = env.MakeGroup(R"(groups:
- name: g
  query_offset: 1m
  rules:
  - record: m:copy
    expr: m
)",
                         env.MakeOptions());
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->query_offset_ms(), kMin);
  g->Eval(kT0 + kMin);
  auto out = env.Raw("m:copy");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].second[0], std::make_pair(kT0, 1.0));  // queried and stamped at ts - 1m
}

TEST(RulesGroup, DefaultsFromOptions) {
  Env env;
  auto o = env.MakeOptions();
  o->default_interval_ms = 15000;
  o->default_query_offset_ms = 5000;
  auto g = env.MakeGroup("groups:\n- name: g\n  rules:\n  - record: a\n    expr: vector(1)\n", o);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->interval_ms(), 15000);
  EXPECT_EQ(g->query_offset_ms(), 5000);
  auto g2 = env.MakeGroup(
      "groups:\n- name: g\n  interval: 30s\n  query_offset: 0s\n  rules:\n  - record: a\n    "
      "expr: vector(1)\n",
      o);
  EXPECT_EQ(g2->interval_ms(), 30000);
  EXPECT_EQ(g2->query_offset_ms(), 0);
  // A default read at evaluation time follows reloads of the global config.
  int64_t global_offset = 1000;
  o->default_query_offset_fn = [&global_offset] { return global_offset; };
  auto g3 = env.MakeGroup("groups:\n- name: g\n  rules:\n  - record: a\n    expr: vector(1)\n", o);
  EXPECT_EQ(g3->query_offset_ms(), 1000);
  global_offset = 2000;
  EXPECT_EQ(g3->query_offset_ms(), 2000);
  EXPECT_EQ(g2->query_offset_ms(), 0);  // its own query_offset wins
}

TEST(RulesGroup, AppendErrorsAreNotFatal) {
  Env env;
  auto g = env.MakeGroup(R"(groups:
- name: g
  rules:
  - record: a
    expr: vector(1)
  - record: b
    expr: vector(2)
)",
                         env.MakeOptions());
  ASSERT_NE(g, nullptr);
  g->Eval(kT0 + kMin);
  // Going back in time: the samples are out of order for the head.
  env.Add(L({{"__name__", "b"}}), kT0 + 2 * kMin, 2);
  g->Eval(kT0 + kMin + 1000);
  EXPECT_EQ(g->rules()[0]->health(), Health::kOk);
  EXPECT_EQ(g->rules()[1]->health(), Health::kErr);
  EXPECT_FALSE(g->rules()[1]->last_error().empty());
  EXPECT_EQ(env.Raw("a")[0].second.size(), 2u);
}

TEST(RulesGroup, EvalTimestampAlignment) {
  Env env;
  auto o = env.MakeOptions();
  auto g = env.MakeGroup(
      "groups:\n- name: g\n  interval: 1m\n  rules:\n  - record: a\n    expr: vector(1)\n", o);
  auto h = env.MakeGroup(
      "groups:\n- name: other\n  interval: 1m\n  rules:\n  - record: a\n    expr: vector(1)\n", o);
  ASSERT_NE(g, nullptr);
  const int64_t off = g->EvalOffsetMs();
  EXPECT_GE(off, 0);
  EXPECT_LT(off, kMin);
  EXPECT_NE(off, h->EvalOffsetMs());  // spread by a hash of (file, name)
  for (int64_t start : {kT0, kT0 + 1, kT0 + 59999, kT0 + 123456, kT0 + off, kT0 + off + 1}) {
    int64_t ts = g->EvalTimestamp(start);
    EXPECT_LE(ts, start);
    EXPECT_GT(ts, start - kMin);
    // Slots sit at the same place in every interval (ms truncation of a
    // nanosecond offset can move the slot by <1ms).
    EXPECT_EQ(((ts - off) % kMin + kMin) % kMin, 0) << start;
  }
  EXPECT_EQ(g->EvalTimestamp(g->EvalTimestamp(kT0 + 5000) + kMin + 1),
            g->EvalTimestamp(kT0 + 5000) + kMin);
}

TEST(RulesGroup, MetricsAndEvaluationTimes) {
  Env env;
  auto g = env.MakeGroup(R"(groups:
- name: g
  interval: 30s
  rules:
  - record: a
    expr: vector(1)
  - record: b
    expr: vector(1) + on() vector(2)
)",
                         env.MakeOptions());
  ASSERT_NE(g, nullptr);
  env.now = kT0 + 12345;
  g->Eval(kT0);
  EXPECT_EQ(g->last_evaluation_ms(), kT0 + 12345);
  EXPECT_EQ(g->last_eval_timestamp_ms(), kT0);
  EXPECT_GE(g->evaluation_seconds(), 0);
  std::string text = env.registry.Expose();
  EXPECT_NE(text.find("prometheus_rule_group_rules{rule_group=\"rules.yml;g\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("prometheus_rule_group_interval_seconds{rule_group=\"rules.yml;g\"} 30"),
            std::string::npos);
  EXPECT_NE(text.find("prometheus_rule_evaluations_total{rule_group=\"rules.yml;g\"} 2"),
            std::string::npos);
  EXPECT_NE(
      text.find("prometheus_rule_group_last_evaluation_samples{rule_group=\"rules.yml;g\"} 2"),
      std::string::npos);
  EXPECT_NE(text.find("prometheus_rule_group_last_evaluation_timestamp_seconds{rule_group=\"rules."
                      "yml;g\"} 1.700000012345e+09"),
            std::string::npos)
      << text;
}

TEST(RulesGroup, BadExpressionIsLoadError) {
  rulefmt::RuleGroup rg;
  rg.name = "g";
  rulefmt::Rule r;
  r.record = "x";
  r.expr = "sum(";
  rg.rules.push_back(r);
  auto g = Group::Make(rg, "f.yml", std::make_shared<Options>());
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(g.status().IsInvalidArgument());
  EXPECT_EQ(std::string(g.status().message()).rfind("f.yml: ", 0), 0u) << g.status().ToString();
}

TEST(RulesGroup, EqualsAndCopyStateStaleSeries) {
  Env env;
  auto o = env.MakeOptions();
  const char* y1 = R"(groups:
- name: g
  rules:
  - record: a
    expr: vector(1)
  - record: gone
    expr: vector(2)
)";
  const char* y2 = R"(groups:
- name: g
  rules:
  - record: a
    expr: vector(1)
)";
  auto g1 = env.MakeGroup(y1, o);
  auto g1b = env.MakeGroup(y1, o);
  auto g2 = env.MakeGroup(y2, o);
  EXPECT_TRUE(g1->Equals(*g1b));
  EXPECT_FALSE(g1->Equals(*g2));
  g1->Eval(kT0);
  g2->CopyState(*g1);
  g2->Eval(kT0 + kMin);
  // The removed rule's series is marked stale by the new group's evaluation.
  auto gone = env.Raw("gone");
  ASSERT_EQ(gone.size(), 1u);
  ASSERT_EQ(gone[0].second.size(), 2u);
  EXPECT_TRUE(storage::IsStaleNaN(gone[0].second[1].second));
  // The kept rule did not get a stale marker.
  auto a = env.Raw("a");
  EXPECT_EQ(a[0].second.size(), 2u);
  EXPECT_EQ(a[0].second[1].second, 1.0);
}

TEST(RulesGroup, MarkAllStale) {
  Env env;
  auto g = env.MakeGroup("groups:\n- name: g\n  rules:\n  - record: a\n    expr: vector(1)\n",
                         env.MakeOptions());
  g->Eval(kT0);
  g->MarkAllStale(kT0 + 1000);
  auto a = env.Raw("a");
  ASSERT_EQ(a[0].second.size(), 2u);
  EXPECT_EQ(a[0].second[1].first, kT0 + 1000);
  EXPECT_TRUE(storage::IsStaleNaN(a[0].second[1].second));
}

}  // namespace
}  // namespace ward::rules
