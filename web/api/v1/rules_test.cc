// /api/v1/rules, /api/v1/alerts and /api/v1/alertmanagers over a real
// rules::Manager evaluating a rule file against the fixture's data.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "rules/manager.h"
#include "web/api/v1/test_util.h"

namespace ward::web::api::v1 {
namespace {

class RulesAPITest : public APIServerFixture {
 protected:
  void CustomizeOptions(APIOptions* o) override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ward-rules-api-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    file_ = (dir_ / "r.yml").string();
    std::ofstream(file_) << R"(groups:
  - name: g1
    interval: 1d
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: NodeDown
        expr: up{job="node"} == 0
        for: 5m
        keep_firing_for: 1m
        labels:
          severity: page
        annotations:
          summary: 'down {{ $labels.instance }}'
      - alert: Broken
        expr: up * on() up
  - name: g2
    interval: 1d
    rules:
      - record: other
        expr: vector(1)
        labels:
          team: x
)";
    auto ropts = std::make_shared<rules::Options>();
    ropts->engine = engine_.get();
    ropts->queryable = head_.get();
    ropts->registry = &rules_registry_;
    ropts->now_ms = [] { return kT0 + 300000; };
    manager_ = std::make_unique<rules::Manager>(ropts);
    ASSERT_TRUE(manager_->Update(86400000, {file_}, labels::Labels(), "http://ward:9090").ok());
    // Evaluate once at a fixed time (the groups' own slots are a day apart).
    for (const auto& g : manager_->RuleGroups()) g->Eval(kT0 + 300000);
    o->rules = manager_.get();
    o->alertmanagers = [] {
      return std::vector<AlertmanagerURL>{{"http://am:9093/api/v2/alerts", false},
                                          {"http://gone:9093/api/v2/alerts", true}};
    };
  }
  void TearDown() override {
    APIServerFixture::TearDown();
    if (manager_) manager_->Stop();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::string file_;
  metrics::Registry rules_registry_;
  std::unique_ptr<rules::Manager> manager_;
};

TEST_F(RulesAPITest, GroupsRulesAndAlerts) {
  HttpReply r = Get("/api/v1/rules");
  ASSERT_EQ(r.code, 200) << r.body;
  const std::string& b = r.body;
  // Groups in file order, with their interval and limit.
  EXPECT_NE(b.find(R"({"status":"success","data":{"groups":[{"name":"g1","file":")" + file_ +
                   R"j(","rules":[{"name":"job:up:sum","query":"sum by (job) (up)","labels":{},)j"
                   R"("health":"ok",)"),
            std::string::npos)
      << b;
  // The pending alert of NodeDown, its value in Go's 'e' form and activeAt.
  EXPECT_NE(b.find(R"({"state":"pending","name":"NodeDown","query":"up{job=\"node\"} == 0",)"
                   R"("duration":300,"keepFiringFor":60,"labels":{"severity":"page"},)"
                   R"("annotations":{"summary":"down {{ $labels.instance }}"},"alerts":[{"labels":)"
                   R"({"alertname":"NodeDown","instance":"localhost:9100","job":"node",)"
                   R"("severity":"page"},"annotations":{"summary":"down {{ $labels.instance }}"},)"
                   R"("state":"pending","activeAt":"2023-07-22T04:31:40Z","value":"0e+00"}],)"
                   R"("health":"ok",)"),
            std::string::npos)
      << b;
  // An evaluation error: health err with lastError.
  EXPECT_NE(b.find(R"("name":"Broken",)"), std::string::npos) << b;
  EXPECT_NE(b.find(R"("health":"err","lastError":")"), std::string::npos) << b;
  EXPECT_NE(b.find(R"("interval":86400,"limit":0,"evaluationTime":)"), std::string::npos) << b;
  EXPECT_NE(b.find(R"({"name":"g2",)"), std::string::npos) << b;

  // Filters.
  HttpReply rec = Get("/api/v1/rules?type=record");
  EXPECT_EQ(rec.body.find("NodeDown"), std::string::npos) << rec.body;
  EXPECT_NE(rec.body.find("job:up:sum"), std::string::npos) << rec.body;
  HttpReply alerts_only = Get("/api/v1/rules?type=alert");
  EXPECT_EQ(alerts_only.body.find(R"("name":"g2")"), std::string::npos)
      << "a group left without rules is not listed: " << alerts_only.body;
  HttpReply by_name = Get("/api/v1/rules?rule_name[]=other");
  EXPECT_EQ(by_name.body.find(R"("name":"g1")"), std::string::npos) << by_name.body;
  EXPECT_NE(by_name.body.find(R"("labels":{"team":"x"})"), std::string::npos) << by_name.body;
  HttpReply by_group = Get("/api/v1/rules?rule_group[]=g2&file[]=" + file_);
  EXPECT_NE(by_group.body.find(R"("name":"g2")"), std::string::npos) << by_group.body;
  EXPECT_EQ(by_group.body.find(R"("name":"g1")"), std::string::npos) << by_group.body;
  HttpReply by_label = Get("/api/v1/rules?match[]=" + Escape(R"({severity="page"})"));
  EXPECT_NE(by_label.body.find("NodeDown"), std::string::npos) << by_label.body;
  EXPECT_EQ(by_label.body.find("job:up:sum"), std::string::npos) << by_label.body;
  HttpReply excl = Get("/api/v1/rules?type=alert&exclude_alerts=true");
  EXPECT_NE(excl.body.find(R"("alerts":null)"), std::string::npos) << excl.body;

  // Pagination: one group per page, the token leads to the next.
  HttpReply p1 = Get("/api/v1/rules?group_limit=1");
  size_t at = p1.body.find(R"("groupNextToken":")");
  ASSERT_NE(at, std::string::npos) << p1.body;
  std::string token = p1.body.substr(at + 18, 16);
  HttpReply p2 = Get("/api/v1/rules?group_limit=1&group_next_token=" + token);
  EXPECT_NE(p2.body.find(R"({"name":"g2")"), std::string::npos) << p2.body;
  EXPECT_EQ(p2.body.find("groupNextToken"), std::string::npos) << p2.body;

  // Bad parameters.
  HttpReply bad = Get("/api/v1/rules?type=x");
  EXPECT_EQ(bad.code, 400);
  EXPECT_EQ(bad.body,
            R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"type\": )"
            R"(not supported value \"x\""})");
  EXPECT_EQ(Get("/api/v1/rules?exclude_alerts=maybe").code, 400);
  EXPECT_EQ(Get("/api/v1/rules?group_limit=0").code, 400);
  EXPECT_EQ(Get("/api/v1/rules?group_limit=1&group_next_token=nope").code, 400);

  // /alerts: the active alerts of every alerting rule.
  EXPECT_EQ(Get("/api/v1/alerts").body,
            R"({"status":"success","data":{"alerts":[{"labels":{"alertname":"NodeDown",)"
            R"("instance":"localhost:9100","job":"node","severity":"page"},"annotations":)"
            R"({"summary":"down {{ $labels.instance }}"},"state":"pending",)"
            R"("activeAt":"2023-07-22T04:31:40Z","value":"0e+00"}]}})");
  EXPECT_EQ(Get("/api/v1/alertmanagers").body,
            R"({"status":"success","data":{"activeAlertmanagers":[{"url":)"
            R"("http://am:9093/api/v2/alerts"}],"droppedAlertmanagers":[{"url":)"
            R"("http://gone:9093/api/v2/alerts"}]}})");
}

}  // namespace
}  // namespace ward::web::api::v1
