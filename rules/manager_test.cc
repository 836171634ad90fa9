// Manager: loading files (globs, errors), group threads on the real clock,
// prompt Stop, and reloads that keep alert state.
#include "rules/manager.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "rules/test_util.h"

namespace ward::rules {
namespace {

using testing::Env;

class RulesManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ward-rules-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  std::shared_ptr<Options> RealClockOptions() {
    auto o = env_.MakeOptions();
    o->now_ms = nullptr;  // the system clock
    return o;
  }
  // Polls `cond` for up to 5 s.
  template <typename F>
  bool WaitFor(F cond) {
    for (int i = 0; i < 500; ++i) {
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return cond();
  }

  Env env_;
  std::string dir_;
};

constexpr const char* kFile = R"(groups:
- name: b
  interval: 50ms
  rules:
  - record: rec
    expr: vector(1)
  - alert: Always
    expr: vector(1)
    for: 1h
- name: a
  interval: 50ms
  rules:
  - record: rec_a
    expr: vector(2)
)";

TEST_F(RulesManagerTest, LoadsEvaluatesAndStopsPromptly) {
  Write("r1.yml", kFile);
  Manager m(RealClockOptions());
  ASSERT_TRUE(m.Update(60000, {dir_ + "/*.yml", dir_ + "/missing-*.yml"}, {}, "").ok());
  auto groups = m.RuleGroups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0]->name(), "a");  // sorted by file, then name
  EXPECT_EQ(groups[1]->name(), "b");
  EXPECT_EQ(groups[1]->interval_ms(), 50);
  ASSERT_EQ(m.AlertingRules().size(), 1u);
  EXPECT_TRUE(WaitFor(
      [&] { return groups[1]->last_evaluation_ms() > 0 && groups[0]->last_evaluation_ms() > 0; }));
  EXPECT_TRUE(WaitFor([&] { return !env_.Raw("rec").empty(); }));
  // The first group of a fresh manager restores after its second iteration.
  EXPECT_TRUE(WaitFor([&] { return m.AlertingRules()[0]->restored(); }));
  auto start = std::chrono::steady_clock::now();
  m.Stop();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::milliseconds(500));
  m.Stop();  // idempotent
}

TEST_F(RulesManagerTest, ReloadKeepsAlertState) {
  std::string f = Write("r.yml", kFile);
  Manager m(RealClockOptions());
  ASSERT_TRUE(m.Update(60000, {f}, {}, "").ok());
  std::shared_ptr<AlertingRule> rule;
  ASSERT_TRUE(WaitFor([&] {
    auto rs = m.AlertingRules();
    return !rs.empty() && !rs[0]->ActiveAlerts().empty();
  }));
  const int64_t active_at = m.AlertingRules()[0]->ActiveAlerts()[0].active_at_ms;
  auto group_b = m.RuleGroups()[1];

  // Same files: the very same groups keep running.
  ASSERT_TRUE(m.Update(60000, {f}, {}, "").ok());
  EXPECT_EQ(m.RuleGroups()[1].get(), group_b.get());

  // A changed group is replaced; an unchanged one keeps running.
  Write("r.yml", std::string(kFile) + "  - record: rec_a2\n    expr: vector(3)\n");
  ASSERT_TRUE(m.Update(60000, {f}, {}, "").ok());
  auto groups = m.RuleGroups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[1].get(), group_b.get());  // b unchanged
  EXPECT_EQ(groups[0]->rules().size(), 2u);   // a replaced
  // Change group b (another recording expression): its alert state survives.
  std::string changed = kFile;
  changed.replace(changed.find("vector(1)\n  - alert"), 9, "vector(5)");
  Write("r.yml", changed);
  ASSERT_TRUE(m.Update(60000, {f}, {}, "").ok());
  groups = m.RuleGroups();
  EXPECT_NE(groups[1].get(), group_b.get());
  auto act = m.AlertingRules()[0]->ActiveAlerts();
  ASSERT_EQ(act.size(), 1u);
  EXPECT_EQ(act[0].active_at_ms, active_at);
  EXPECT_EQ(act[0].state, AlertState::kPending);
  m.Stop();
}

TEST_F(RulesManagerTest, SlowEvaluationsCountMissedIterations) {
  auto o = RealClockOptions();
  o->query = [](const promql::parser::Expr&, int64_t) -> Result<promql::Vector> {
    std::this_thread::sleep_for(std::chrono::milliseconds(130));
    return promql::Vector{};
  };
  std::string f = Write(
      "r.yml",
      "groups:\n- name: slow\n  interval: 50ms\n  rules:\n  - record: x\n    expr: vector(1)\n");
  Manager m(o);
  ASSERT_TRUE(m.Update(60000, {f}, {}, "").ok());
  auto& missed = env_.registry.NewCounterFamily("prometheus_rule_group_iterations_missed_total", "",
                                                {"rule_group"});
  EXPECT_TRUE(WaitFor([&] { return missed.WithLabelValues({f + ";slow"}).value() >= 2; }));
  auto start = std::chrono::steady_clock::now();
  m.Stop();  // waits for the evaluation in flight only
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST_F(RulesManagerTest, LoadErrorKeepsPreviousRules) {
  std::string good = Write("good.yml", kFile);
  std::string bad =
      Write("bad.yml", "groups:\n- name: x\n  rules:\n  - record: 'bad name'\n    expr: up\n");
  Manager m(RealClockOptions());
  ASSERT_TRUE(m.Update(60000, {good}, {}, "").ok());
  Status st = m.Update(60000, {good, bad}, {}, "");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("error loading rules, previous rule set restored"),
            std::string::npos);
  EXPECT_NE(std::string(st.message()).find("bad.yml"), std::string::npos) << st.ToString();
  EXPECT_EQ(m.RuleGroups().size(), 2u);
  m.Stop();
}

TEST_F(RulesManagerTest, RemovedGroupSeriesMarkedStale) {
  std::string f = Write(
      "r.yml",
      "groups:\n- name: g\n  interval: 50ms\n  rules:\n  - record: gone\n    expr: vector(1)\n");
  Manager m(RealClockOptions());
  ASSERT_TRUE(m.Update(60000, {f}, {}, "").ok());
  ASSERT_TRUE(WaitFor([&] { return !env_.Raw("gone").empty(); }));
  Write("r.yml", "groups: []\n");
  ASSERT_TRUE(m.Update(60000, {f}, {}, "").ok());
  EXPECT_TRUE(m.RuleGroups().empty());
  // Stale marker after two intervals.
  EXPECT_TRUE(WaitFor([&] {
    auto raw = env_.Raw("gone");
    return !raw.empty() && storage::IsStaleNaN(raw[0].second.back().second);
  }));
  m.Stop();
}

}  // namespace
}  // namespace ward::rules
