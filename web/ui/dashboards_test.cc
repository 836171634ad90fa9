#include "web/ui/dashboards.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "web/ui/assets.h"

namespace ward::web::ui {
namespace {

constexpr std::string_view kGood = R"(
title: Demo
time: 30m
variables:
  - name: job
    match: up
rows:
  - title: First
    panels:
      - title: Up
        type: stat
        unit: bool
        expr: up{job=~"$job"}
        legend: "{{instance}}"
      - title: Two queries
        stacked: true
        queries:
          - expr: rate(a[1m])
            legend: a
          - rate(b[1m])
)";

TEST(DashboardParse, Good) {
  auto d = ParseDashboard("demo", kGood);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->name, "demo");
  EXPECT_EQ(d->title, "Demo");
  EXPECT_EQ(d->time, "30m");
  ASSERT_EQ(d->variables.size(), 1u);
  EXPECT_EQ(d->variables[0].label, "job"); // defaults to the name
  EXPECT_EQ(d->variables[0].match, "up");
  EXPECT_TRUE(d->variables[0].all);
  ASSERT_EQ(d->rows.size(), 1u);
  ASSERT_EQ(d->rows[0].panels.size(), 2u);
  const DashboardPanel &p0 = d->rows[0].panels[0];
  EXPECT_EQ(p0.type, "stat");
  EXPECT_EQ(p0.unit, "bool");
  ASSERT_EQ(p0.queries.size(), 1u);
  EXPECT_EQ(p0.queries[0].expr, "up{job=~\"$job\"}");
  EXPECT_EQ(p0.queries[0].legend, "{{instance}}");
  const DashboardPanel &p1 = d->rows[0].panels[1];
  EXPECT_EQ(p1.type, "graph");
  EXPECT_EQ(p1.unit, "short");
  EXPECT_TRUE(p1.stacked);
  ASSERT_EQ(p1.queries.size(), 2u);
  EXPECT_EQ(p1.queries[1].expr, "rate(b[1m])");
}

TEST(DashboardParse, Errors) {
  struct Case {
    const char *yaml;
    const char *want; // substring of the error
  } cases[] = {
      {"", "empty dashboard"},
      {"- a\n- b\n", "must be a mapping"},
      {"title: x\n", "non-empty list \"rows\""},
      {"rows: []\n", "\"title\" is required"},
      {"title: x\ntitel: y\nrows: []\n", "unknown field \"titel\""},
      {"title: x\nrows:\n  - panels: []\n", "non-empty list \"panels\""},
      {"title: x\nrows:\n  - panels:\n    - title: p\n",
       "needs \"expr\" or a non-empty list \"queries\""},
      {"title: x\nrows:\n  - panels:\n    - title: p\n      expr: up\n      "
       "unit: parsecs\n",
       "unknown unit \"parsecs\""},
      {"title: x\nrows:\n  - panels:\n    - title: p\n      expr: up\n      "
       "type: pie\n",
       "graph or stat"},
      {"title: x\nrows:\n  - panels:\n    - title: p\n      expr: up\n      "
       "stacked: maybe\n",
       "true or false"},
      {"title: x\nrows:\n  - panels:\n    - title: p\n      expr: up\n      "
       "queries: [up]\n",
       "not both"},
      {"title: x\nrows:\n  - panels:\n    - expr: up\n",
       "\"title\" is required"},
      {"title: x\ntime: soon\nrows:\n  - panels:\n    - {title: p, expr: up}\n",
       "bad duration"},
      {"title: x\nvariables:\n  - name: 9bad\nrows:\n  - panels:\n    - "
       "{title: p, expr: up}\n",
       "bad or missing"},
      {"title: x\nvariables:\n  - name: a\n  - name: a\nrows:\n  - panels:\n   "
       " - {title: p, expr: up}\n",
       "defined twice"},
      {"title: [unclosed\n", "bad YAML"},
      {"title: x\nrows:\n  - panels:\n    - title: p\n      queries:\n        "
       "- legend: l\n",
       "\"expr\" is required"},
  };
  for (const Case &c : cases) {
    auto d = ParseDashboard("t", c.yaml);
    ASSERT_FALSE(d.ok()) << c.yaml;
    EXPECT_TRUE(d.status().IsInvalidArgument()) << c.yaml;
    EXPECT_NE(d.status().ToString().find(c.want), std::string::npos)
        << "yaml:\n"
        << c.yaml << "\nerror: " << d.status().ToString();
  }
}

TEST(DashboardParse, ErrorNamesLine) {
  auto d = ParseDashboard("t", "title: x\nrows:\n  - panels:\n    - title: p\n "
                               "     expr: up\n      unit: furlongs\n");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().ToString().find("line 6"), std::string::npos)
      << d.status().ToString();
}

TEST(DashboardJson, EscapesAndShape) {
  auto d = ParseDashboard("demo", "title: 'a \"b\" <c>'\nrows:\n  - panels:\n  "
                                  "  - {title: p, expr: 'up{a=\"x\\\\y\"}'}\n");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  std::string j = DashboardToJson(*d);
  EXPECT_NE(j.find(R"("title":"a \"b\" \u003cc\u003e")"), std::string::npos)
      << j;
  EXPECT_NE(j.find(R"("expr":"up{a=\"x\\\\y\"}")"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("variables":[])"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("type":"graph","unit":"short","stacked":false)"),
            std::string::npos)
      << j;
}

TEST(DashboardName, Valid) {
  EXPECT_TRUE(ValidDashboardName("etcd"));
  EXPECT_TRUE(ValidDashboardName("node-exporter_2"));
  EXPECT_FALSE(ValidDashboardName(""));
  EXPECT_FALSE(ValidDashboardName("../etc/passwd"));
  EXPECT_FALSE(ValidDashboardName("a.b"));
  EXPECT_FALSE(ValidDashboardName(std::string(101, 'a')));
}

class DashboardSourceTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() /
        ("ward_ui_dash_" +
         std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string &name, std::string_view text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

// A minimal valid dashboard titled `title`.
std::string Mini(const std::string& title) {
  return "title: " + title + "\nrows:\n  - panels:\n    - {title: p, expr: up}\n";
}

TEST_F(DashboardSourceTest, DirShadowsBuiltinAndListsErrors) {
  Write("etcd.yml", Mini("Mine"));
  Write("extra.yaml", Mini("Extra"));
  Write("broken.yml", "title: [\n");
  Write("notes.txt", "ignored");
  DashboardSource src({{"etcd", Mini("Shipped")}, {"other", Mini("Other")}},
                      dir_.string());
  auto list = src.List();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 4u);
  EXPECT_EQ((*list)[0].name, "broken");
  EXPECT_NE((*list)[0].error.find("bad YAML"), std::string::npos);
  EXPECT_EQ((*list)[1].name, "etcd");
  EXPECT_EQ((*list)[1].title, "Mine");
  EXPECT_EQ((*list)[1].source, "dir");
  EXPECT_EQ((*list)[2].name, "extra");
  EXPECT_EQ((*list)[3].name, "other");
  EXPECT_EQ((*list)[3].source, "builtin");

  auto d = src.Get("etcd");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->title, "Mine");
  EXPECT_EQ(src.Get("extra")->title, "Extra");
  EXPECT_EQ(src.Get("other")->title, "Other");
  EXPECT_TRUE(src.Get("missing").status().IsNotFound());
  EXPECT_TRUE(src.Get("../x").status().IsInvalidArgument());
  auto b = src.Get("broken");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().ToString().find("dashboard \"broken\""),
            std::string::npos);
}

TEST_F(DashboardSourceTest, MissingDirIsAnError) {
  DashboardSource src({}, (dir_ / "nope").string());
  auto list = src.List();
  ASSERT_FALSE(list.ok());
  EXPECT_TRUE(list.status().IsIOError());
}

TEST(EmbeddedDashboards, AllShippedDashboardsParse) {
  ASSERT_FALSE(EmbeddedDashboards().empty());
  bool etcd = false;
  for (const EmbeddedDashboard &e : EmbeddedDashboards()) {
    auto d = ParseDashboard(e.name, e.yaml);
    EXPECT_TRUE(d.ok()) << e.name << ": " << d.status().ToString();
    if (e.name == "etcd")
      etcd = true;
  }
  EXPECT_TRUE(etcd);
}

} // namespace
} // namespace ward::web::ui
