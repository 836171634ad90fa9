// Alerting rules: pending -> firing -> resolved with `for`, keep_firing_for,
// ALERTS / ALERTS_FOR_STATE read back from storage, errors, notifications
// (StartsAt/EndsAt/resend cadence), RestoreForState, and a few timelines of
// the alert generator compliance spec (conformance/alert_generator).
#include "rules/alerting.h"

#include <cmath>
#include <filesystem>

#include "rules/group.h"
#include "rules/test_util.h"

namespace ward::rules {
namespace {

using testing::Env;
using testing::kMin;
using testing::kT0;
using testing::L;

constexpr int64_t kSec = 1000;

// m{a="1"} = values[i] at kT0 + i*step.
void LoadSeries(Env& env, const labels::Labels& l, const std::vector<double>& values,
                int64_t step = kMin) {
  for (size_t i = 0; i < values.size(); ++i)
    env.Add(l, kT0 + static_cast<int64_t>(i) * step, values[i]);
}

std::shared_ptr<AlertingRule> Alerting(const Group& g, size_t i = 0) {
  return std::static_pointer_cast<AlertingRule>(g.rules()[i]);
}

// The newest sample of the series `name`{extra} at exactly t, or NaN.
double At(Env& env, std::string_view name, std::vector<std::pair<std::string, std::string>> extra,
          int64_t t) {
  for (auto& [ls, samples] : env.Raw(name, extra)) {
    for (auto& [st, v] : samples) {
      if (st == t) return v;
    }
  }
  return std::nan("");
}

constexpr const char* kForRule = R"(groups:
- name: g
  rules:
  - alert: HighValue
    expr: m > 10
    for: 2m
    labels: {severity: page}
    annotations: {summary: too high}
)";

TEST(RulesAlerting, PendingFiringResolved) {
  Env env;
  std::vector<double> vals(26, 5);
  for (int i = 0; i <= 4; ++i) vals[i] = 20;
  LoadSeries(env, L({{"__name__", "m"}, {"a", "1"}}), vals);
  auto o = env.MakeOptions();
  o->external_url = "http://ward:9090";
  auto g = env.MakeGroup(kForRule, o);
  ASSERT_NE(g, nullptr);
  auto r = Alerting(*g);
  EXPECT_EQ(r->Duration(), 2 * kMin);
  EXPECT_EQ(r->State(), AlertState::kUnknown);  // not evaluated yet
  EXPECT_EQ(AlertStateString(r->State()), "unknown");

  const labels::Labels alert_labels =
      L({{"a", "1"}, {"alertname", "HighValue"}, {"severity", "page"}});
  g->Eval(kT0);
  EXPECT_EQ(r->health(), Health::kOk);
  EXPECT_EQ(r->State(), AlertState::kPending);
  auto act = r->ActiveAlerts();
  ASSERT_EQ(act.size(), 1u);
  EXPECT_EQ(act[0].labels, alert_labels);
  EXPECT_EQ(act[0].annotations, L({{"summary", "too high"}}));
  EXPECT_EQ(act[0].active_at_ms, kT0);
  EXPECT_EQ(act[0].value, 20);
  EXPECT_EQ(
      At(env, "ALERTS", {{"alertstate", "pending"}, {"alertname", "HighValue"}, {"a", "1"}}, kT0),
      1);
  EXPECT_EQ(At(env, "ALERTS_FOR_STATE", {{"alertname", "HighValue"}, {"severity", "page"}}, kT0),
            static_cast<double>(kT0 / 1000));
  EXPECT_TRUE(env.sent.empty());  // pending alerts are not sent

  g->Eval(kT0 + kMin);
  EXPECT_EQ(r->State(), AlertState::kPending);
  EXPECT_TRUE(env.sent.empty());

  g->Eval(kT0 + 2 * kMin);
  EXPECT_EQ(r->State(), AlertState::kFiring);
  act = r->ActiveAlerts();
  EXPECT_EQ(act[0].fired_at_ms, kT0 + 2 * kMin);
  EXPECT_EQ(act[0].active_at_ms, kT0);
  ASSERT_EQ(env.sent.size(), 1u);
  EXPECT_EQ(env.sent[0].labels, alert_labels);
  EXPECT_EQ(env.sent[0].starts_at_ms, kT0 + 2 * kMin);
  EXPECT_EQ(env.sent[0].ends_at_ms, kT0 + 6 * kMin);  // ts + 4 * max(resend 1m, interval 1m)
  EXPECT_EQ(env.sent[0].generator_url, "http://ward:9090/graph?g0.expr=m+%3E+10&g0.tab=1");
  EXPECT_EQ(At(env, "ALERTS", {{"alertstate", "firing"}}, kT0 + 2 * kMin), 1);
  // The pending series ended: stale marker at the same evaluation.
  EXPECT_TRUE(storage::IsStaleNaN(At(env, "ALERTS", {{"alertstate", "pending"}}, kT0 + 2 * kMin)));
  EXPECT_EQ(At(env, "ALERTS_FOR_STATE", {}, kT0 + 2 * kMin), static_cast<double>(kT0 / 1000));

  g->Eval(kT0 + 3 * kMin);  // last sent 1m ago: not more than the resend delay
  EXPECT_EQ(env.sent.size(), 1u);
  g->Eval(kT0 + 4 * kMin);
  ASSERT_EQ(env.sent.size(), 2u);
  EXPECT_EQ(env.sent[1].ends_at_ms, kT0 + 8 * kMin);

  g->Eval(kT0 + 5 * kMin);  // value 5: resolved
  EXPECT_EQ(r->State(), AlertState::kInactive);
  EXPECT_TRUE(r->ActiveAlerts().empty());
  auto cur = r->CurrentAlerts();
  ASSERT_EQ(cur.size(), 1u);
  EXPECT_EQ(cur[0].resolved_at_ms, kT0 + 5 * kMin);
  ASSERT_EQ(env.sent.size(), 3u);
  EXPECT_EQ(env.sent[2].starts_at_ms, kT0 + 2 * kMin);
  EXPECT_EQ(env.sent[2].ends_at_ms, kT0 + 5 * kMin);
  EXPECT_TRUE(storage::IsStaleNaN(At(env, "ALERTS", {{"alertstate", "firing"}}, kT0 + 5 * kMin)));
  EXPECT_TRUE(storage::IsStaleNaN(At(env, "ALERTS_FOR_STATE", {}, kT0 + 5 * kMin)));

  // Resolved alerts are re-sent on the resend cadence for 15 minutes.
  size_t sends = env.sent.size();
  for (int i = 6; i <= 20; ++i) g->Eval(kT0 + i * kMin);
  EXPECT_EQ(r->CurrentAlerts().size(), 1u);  // 15m after resolution: still kept
  EXPECT_GT(env.sent.size(), sends);
  for (size_t i = sends; i < env.sent.size(); ++i)
    EXPECT_EQ(env.sent[i].ends_at_ms, kT0 + 5 * kMin);
  g->Eval(kT0 + 21 * kMin);
  EXPECT_TRUE(r->CurrentAlerts().empty());
}

TEST(RulesAlerting, ReturningAlertIsNew) {
  Env env;
  LoadSeries(env, L({{"__name__", "m"}}), {20, 5, 20, 20});
  auto g = env.MakeGroup("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: m > 10\n",
                         env.MakeOptions());
  auto r = Alerting(*g);
  g->Eval(kT0);
  EXPECT_EQ(r->State(), AlertState::kFiring);  // for: 0 fires at once
  g->Eval(kT0 + kMin);
  EXPECT_EQ(r->State(), AlertState::kInactive);
  g->Eval(kT0 + 2 * kMin);
  auto act = r->ActiveAlerts();
  ASSERT_EQ(act.size(), 1u);
  EXPECT_EQ(act[0].active_at_ms, kT0 + 2 * kMin);
  EXPECT_EQ(act[0].fired_at_ms, kT0 + 2 * kMin);
  EXPECT_EQ(act[0].resolved_at_ms, 0);
}

TEST(RulesAlerting, KeepFiringFor) {
  Env env;
  // Present at 0, gone at 1m..2m, back at 3m, gone from 4m on.
  LoadSeries(env, L({{"__name__", "m"}}), {20, 5, 5, 20, 5, 5, 5, 5, 5, 5});
  auto g = env.MakeGroup(R"(groups:
- name: g
  rules:
  - alert: A
    expr: m > 10
    keep_firing_for: 3m
)",
                         env.MakeOptions());
  auto r = Alerting(*g);
  EXPECT_EQ(r->KeepFiringFor(), 3 * kMin);
  g->Eval(kT0);
  EXPECT_EQ(r->State(), AlertState::kFiring);
  g->Eval(kT0 + kMin);
  EXPECT_EQ(r->State(), AlertState::kFiring);
  EXPECT_EQ(r->ActiveAlerts()[0].keep_firing_since_ms, kT0 + kMin);
  EXPECT_EQ(At(env, "ALERTS", {{"alertstate", "firing"}}, kT0 + kMin), 1);
  g->Eval(kT0 + 2 * kMin);
  EXPECT_EQ(r->State(), AlertState::kFiring);
  g->Eval(kT0 + 3 * kMin);  // back: keep_firing_since resets
  EXPECT_EQ(r->ActiveAlerts()[0].keep_firing_since_ms, 0);
  for (int i = 4; i <= 6; ++i) {
    g->Eval(kT0 + i * kMin);
    EXPECT_EQ(r->State(), AlertState::kFiring) << i;
  }
  g->Eval(kT0 + 7 * kMin);  // 3m after 4m: no longer kept
  EXPECT_EQ(r->State(), AlertState::kInactive);
  EXPECT_EQ(r->CurrentAlerts()[0].resolved_at_ms, kT0 + 7 * kMin);
  EXPECT_EQ(r->CurrentAlerts()[0].active_at_ms, kT0);
}

TEST(RulesAlerting, DuplicateLabelsetAfterAlertLabels) {
  Env env;
  env.Add(L({{"__name__", "m1"}, {"a", "1"}}), kT0, 1);
  env.Add(L({{"__name__", "m2"}, {"a", "1"}}), kT0, 1);
  auto g = env.MakeGroup(
      "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: '{__name__=~\"m1|m2\"}'\n",
      env.MakeOptions());
  g->Eval(kT0);
  auto r = Alerting(*g);
  EXPECT_EQ(r->health(), Health::kErr);
  EXPECT_EQ(r->last_error(),
            "vector contains metrics with the same labelset after applying alert labels");
  EXPECT_TRUE(r->ActiveAlerts().empty());
  EXPECT_TRUE(env.Raw("ALERTS").empty());
  EXPECT_TRUE(env.sent.empty());
}

TEST(RulesAlerting, LimitDropsAlerts) {
  Env env;
  env.Add(L({{"__name__", "m"}, {"a", "1"}}), kT0, 1);
  env.Add(L({{"__name__", "m"}, {"a", "2"}}), kT0, 1);
  auto g = env.MakeGroup("groups:\n- name: g\n  limit: 1\n  rules:\n  - alert: A\n    expr: m\n",
                         env.MakeOptions());
  g->Eval(kT0);
  auto r = Alerting(*g);
  EXPECT_EQ(r->health(), Health::kErr);
  EXPECT_EQ(r->last_error(), "exceeded limit of 1 with 2 alerts");
  EXPECT_TRUE(r->CurrentAlerts().empty());
  EXPECT_TRUE(env.Raw("ALERTS").empty());
}

TEST(RulesAlerting, TemplatesExpandedWithSeriesAndValue) {
  Env env;
  env.Add(L({{"__name__", "m"}, {"instance", "i1"}}), kT0, 42);
  auto o = env.MakeOptions();
  std::vector<std::string> names;
  o->expand = [&names](std::string_view alert, std::string_view text, const labels::Labels& ls,
                       double v, int64_t ts) {
    names.emplace_back(alert);
    return std::string(text) + ":" + std::string(ls.Get("instance")) + ":" +
           std::string(ls.MetricName()) + ":" + std::to_string(static_cast<int>(v)) + ":" +
           std::to_string(ts - kT0);
  };
  auto g = env.MakeGroup(R"(groups:
- name: g
  query_offset: 1s
  rules:
  - alert: A
    expr: m
    labels: {sev: s}
    annotations: {d: x}
)",
                         o);
  g->Eval(kT0 + 1000);
  auto act = Alerting(*g)->ActiveAlerts();
  ASSERT_EQ(act.size(), 1u);
  EXPECT_EQ(act[0].labels.Get("sev"), "s:i1:m:42:1000");  // ts is the evaluation time
  EXPECT_EQ(act[0].annotations.Get("d"), "x:i1:m:42:1000");
  EXPECT_EQ(act[0].labels.Get("__name__"), "");
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0], "A");
  // Samples are stamped with the query time.
  EXPECT_EQ(At(env, "ALERTS", {{"sev", "s:i1:m:42:1000"}}, kT0), 1);
}

TEST(RulesAlerting, AnnotationsAndValueUpdateWhilePending) {
  Env env;
  LoadSeries(env, L({{"__name__", "m"}}), {20, 30});
  auto o = env.MakeOptions();
  o->expand = [](std::string_view, std::string_view text, const labels::Labels&, double v,
                 int64_t) { return std::string(text) + std::to_string(static_cast<int>(v)); };
  auto g = env.MakeGroup(
      "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: m > 10\n    for: 5m\n    annotations: "
      "{v: 'value '}\n",
      o);
  g->Eval(kT0);
  g->Eval(kT0 + kMin);
  auto act = Alerting(*g)->ActiveAlerts();
  ASSERT_EQ(act.size(), 1u);
  EXPECT_EQ(act[0].value, 30);
  EXPECT_EQ(act[0].annotations.Get("v"), "value 30");
  EXPECT_EQ(act[0].active_at_ms, kT0);
}

TEST(RulesAlerting, ResendCadenceAndEndsAt) {
  Env env;
  LoadSeries(env, L({{"__name__", "m"}}), std::vector<double>(20, 20), 30 * kSec);
  auto g = env.MakeGroup(
      "groups:\n- name: g\n  interval: 30s\n  rules:\n  - alert: A\n    expr: m > 10\n",
      env.MakeOptions());
  std::vector<int64_t> sent_at;
  for (int i = 0; i < 8; ++i) {
    size_t before = env.sent.size();
    g->Eval(kT0 + i * 30 * kSec);
    if (env.sent.size() > before) {
      sent_at.push_back(i * 30);
      EXPECT_EQ(env.sent.back().starts_at_ms, kT0);
      EXPECT_EQ(env.sent.back().ends_at_ms, kT0 + i * 30 * kSec + 4 * kMin);  // 4 * max(1m, 30s)
    }
  }
  // Sent when it fired, then whenever the last send is more than 1m old.
  EXPECT_EQ(sent_at, (std::vector<int64_t>{0, 90, 180}));

  // A group interval longer than the resend delay: every evaluation, EndsAt 4 intervals on.
  Env env2;
  LoadSeries(env2, L({{"__name__", "m"}}), std::vector<double>(10, 20), 2 * kMin);
  auto g2 = env2.MakeGroup(
      "groups:\n- name: g\n  interval: 2m\n  rules:\n  - alert: A\n    expr: m > 10\n",
      env2.MakeOptions());
  g2->Eval(kT0);
  g2->Eval(kT0 + 2 * kMin);
  ASSERT_EQ(env2.sent.size(), 2u);
  EXPECT_EQ(env2.sent[1].ends_at_ms, kT0 + 2 * kMin + 8 * kMin);
}

TEST(RulesAlerting, NotRestoredWritesNoAlertsSeries) {
  Env env;
  env.Add(L({{"__name__", "m"}}), kT0, 20);
  auto g = env.MakeGroup("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: m\n    for: 1m\n",
                         env.MakeOptions(), /*should_restore=*/true);
  auto r = Alerting(*g);
  EXPECT_FALSE(r->restored());
  g->Eval(kT0);
  EXPECT_EQ(r->ActiveAlerts().size(), 1u);
  EXPECT_TRUE(env.Raw("ALERTS").empty());
  g->RestoreForState(kT0 + 1000);  // `for` below the grace period: just marked restored
  EXPECT_TRUE(r->restored());
  g->Eval(kT0 + kMin);
  EXPECT_EQ(At(env, "ALERTS", {{"alertstate", "firing"}}, kT0 + kMin), 1);
}

// Runs a `for` alert for 10 minutes on one "process", then restores it on a
// new group (same storage) after a downtime.
struct RestoreCase {
  int64_t hold;
  int64_t restart_at;      // relative to kT0
  int64_t want_active_at;  // relative to kT0
};

void RunRestore(const RestoreCase& c) {
  Env env;
  std::vector<double> vals(200, 20);
  LoadSeries(env, L({{"__name__", "m"}}), vals);
  std::string yaml = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: m > 10\n    for: " +
                     std::to_string(c.hold / kSec) + "s\n";
  auto o = env.MakeOptions();
  {
    auto g1 = env.MakeGroup(yaml, o);
    for (int i = 0; i <= 10; ++i) g1->Eval(kT0 + i * kMin);
  }
  auto g2 = env.MakeGroup(yaml, o, /*should_restore=*/true);
  g2->Eval(kT0 + c.restart_at);
  g2->RestoreForState(kT0 + c.restart_at);
  auto act = Alerting(*g2)->ActiveAlerts();
  ASSERT_EQ(act.size(), 1u);
  EXPECT_EQ(act[0].active_at_ms, kT0 + c.want_active_at)
      << "hold " << c.hold << " restart " << c.restart_at;
}

TEST(RulesGroup, RestoreForState) {
  // 30m `for`, down 5m after 10m pending: the 10m count, shifted by the downtime.
  RunRestore({30 * kMin, 15 * kMin, 5 * kMin});
  // 15m `for`: 5m remaining is under the 10m grace period -> fires 10m from restart.
  RunRestore({15 * kMin, 15 * kMin, 15 * kMin + 10 * kMin - 15 * kMin});
  // 10m `for`: it was firing when stopped -> original active_at.
  RunRestore({10 * kMin, 15 * kMin, 0});
  // Down longer than the outage tolerance (1h): nothing restored.
  RunRestore({30 * kMin, 10 * kMin + 2 * 60 * kMin, 10 * kMin + 2 * 60 * kMin});
  // `for` below the grace period: not restored.
  RunRestore({5 * kMin, 15 * kMin, 15 * kMin});
}

// ---- alert generator compliance timelines (interval 30s) ----

TEST(RulesAlertGeneratorSpec, ZeroForFiresImmediately) {
  Env env;
  LoadSeries(env,
             L({{"__name__", "alert_generator_test_suite"}, {"rulegroup", "ZeroFor_SmallFor"}}),
             std::vector<double>(10, 15), 30 * kSec);
  auto g = env.MakeGroup(R"(groups:
- name: ZeroFor_SmallFor
  interval: 30s
  rules:
  - alert: ZeroFor_SmallFor_ZeroFor
    expr: '{__name__="alert_generator_test_suite", rulegroup="ZeroFor_SmallFor"} > 10'
    labels: {foo: bar, rulegroup: ZeroFor_SmallFor}
  - alert: ZeroFor_SmallFor_SmallFor
    expr: '{__name__="alert_generator_test_suite", rulegroup="ZeroFor_SmallFor"} > 13'
    for: 15s
    labels: {ba_dum: tss, rulegroup: ZeroFor_SmallFor}
)",
                         env.MakeOptions());
  g->Eval(kT0);
  EXPECT_EQ(Alerting(*g, 0)->State(), AlertState::kFiring);
  EXPECT_EQ(Alerting(*g, 1)->State(), AlertState::kPending);
  ASSERT_EQ(env.sent.size(), 1u);
  EXPECT_EQ(env.sent[0].labels.Get("alertname"), "ZeroFor_SmallFor_ZeroFor");
  EXPECT_EQ(env.sent[0].starts_at_ms, kT0);
  // A `for` shorter than the interval fires at the next evaluation.
  g->Eval(kT0 + 30 * kSec);
  EXPECT_EQ(Alerting(*g, 1)->State(), AlertState::kFiring);
  EXPECT_EQ(Alerting(*g, 1)->ActiveAlerts()[0].fired_at_ms, kT0 + 30 * kSec);
}

TEST(RulesAlertGeneratorSpec, AlertsSeriesOverrideAndRuleOnAlerts) {
  Env env;
  LoadSeries(env, L({{"__name__", "s"}, {"variant", "one"}, {"alertstate", "very_critical"}}),
             {20, 20, 20}, 30 * kSec);
  LoadSeries(env, L({{"__name__", "s"}, {"variant", "two"}, {"alertstate", "very_critical"}}),
             {20, 20, 20}, 30 * kSec);
  auto g = env.MakeGroup(R"(groups:
- name: OrderCheck
  interval: 30s
  rules:
  - alert: Rule1
    expr: s > 10
    labels: {foo: bar}
  - alert: Rule2
    expr: (ALERTS{alertstate="firing", alertname="Rule1", variant="one"} + ignoring(variant) ALERTS{alertstate="firing", alertname="Rule1", variant="two"}) == 2
    labels: {foo: baz}
)",
                         env.MakeOptions());
  g->Eval(kT0);
  // ALERTS overrides alertstate from the series; Rule2 sees Rule1's series in the same evaluation.
  auto one = env.Raw("ALERTS", {{"alertname", "Rule1"}, {"variant", "one"}});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].first, L({{"__name__", "ALERTS"},
                             {"alertname", "Rule1"},
                             {"alertstate", "firing"},
                             {"foo", "bar"},
                             {"variant", "one"}}));
  auto r2 = Alerting(*g, 1)->ActiveAlerts();
  ASSERT_EQ(r2.size(), 1u);
  EXPECT_EQ(r2[0].labels, L({{"alertname", "Rule2"}, {"alertstate", "firing"}, {"foo", "baz"}}));
}

TEST(RulesAlertGeneratorSpec, PendingAndFiringAndResolved) {
  Env env;
  // > 10 for 9 minutes, then 5.
  std::vector<double> vals;
  for (int i = 0; i < 18; ++i) vals.push_back(20);
  for (int i = 0; i < 10; ++i) vals.push_back(5);
  LoadSeries(env, L({{"__name__", "t"}}), vals, 30 * kSec);
  auto g = env.MakeGroup(R"(groups:
- name: PendingAndFiringAndResolved
  interval: 30s
  rules:
  - alert: SimpleAlert
    expr: t > 10
    for: 6m
)",
                         env.MakeOptions());
  auto r = Alerting(*g);
  std::vector<std::pair<int, AlertState>> states;
  for (int i = 0; i < 24; ++i) {
    g->Eval(kT0 + i * 30 * kSec);
    states.emplace_back(i, r->State());
  }
  for (auto& [i, st] : states) {
    AlertState want = i < 12   ? AlertState::kPending
                      : i < 18 ? AlertState::kFiring
                               : AlertState::kInactive;
    EXPECT_EQ(st, want) << "eval " << i;
  }
  // Firing sent at 6m, then 7m30s (resend 1m, strictly older), resolved at 9m.
  ASSERT_GE(env.sent.size(), 3u);
  EXPECT_EQ(env.sent[0].starts_at_ms, kT0 + 6 * kMin);
  EXPECT_EQ(env.sent[1].ends_at_ms, kT0 + 7 * kMin + 30 * kSec + 4 * kMin);
  EXPECT_EQ(env.sent[2].ends_at_ms, kT0 + 9 * kMin);
}

TEST(RulesAlertGeneratorSpec, LoadsComplianceRuleFile) {
  const std::string path =
      std::string(WARD_SOURCE_DIR) + "/../shared/conformance/alert_generator/rules.yaml";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "compliance rules.yaml not found: " << path;
  auto rgs = rulefmt::ParseFile(path);
  ASSERT_TRUE(rgs.ok()) << rgs.status().ToString();
  ASSERT_FALSE(rgs->groups.empty());
  Env env;
  auto o = env.MakeOptions();
  for (const auto& rg : rgs->groups) {
    auto g = Group::Make(rg, path, o);
    ASSERT_TRUE(g.ok()) << rg.name << ": " << g.status().ToString();
    EXPECT_EQ((*g)->interval_ms(), 30 * kSec) << rg.name;
    // No data: every rule evaluates cleanly to nothing.
    (*g)->Eval(kT0);
    for (const auto& r : (*g)->rules()) EXPECT_EQ(r->health(), Health::kOk) << r->Name();
  }
}

TEST(RulesAlerting, TableLinkForExpression) {
  EXPECT_EQ(TableLinkForExpression("up{job=\"a b\"} / 2"),
            "/graph?g0.expr=up%7Bjob%3D%22a+b%22%7D+%2F+2&g0.tab=1");
}

}  // namespace
}  // namespace ward::rules
