#include "scrape/manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <thread>

#include "scrape/test_util.h"

namespace ward::scrape {
namespace {

using testing::RecordingAppendable;
using testing::TestRequest;
using testing::TestResponse;
using testing::TestServer;

template <typename Pred>
bool WaitFor(Pred p, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (p()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return p();
}

config::ScrapeConfig Job(const std::string& name, int64_t interval_ms = 100) {
  config::ScrapeConfig c;
  c.job_name = name;
  c.scrape_interval = interval_ms;
  c.scrape_timeout = interval_ms;
  c.scrape_protocols = {"OpenMetricsText1.0.0", "PrometheusText0.0.4"};
  return c;
}

targetgroup::Group Group(const std::vector<labels::Labels>& targets) {
  targetgroup::Group g;
  g.targets = targets;
  g.source = "0";
  return g;
}

// Query parameter `t` picks the body: "m{t=\"<t>\"} 1".
TestResponse ByParam(const TestRequest& r) {
  std::string t;
  size_t q = r.target.find("t=");
  if (q != std::string::npos) t = r.target.substr(q + 2);
  return TestResponse{200, "text/plain; version=0.0.4", "m{t=\"" + t + "\"} 1\nother 2\n"};
}

class ManagerTest : public ::testing::Test {
 protected:
  ManagerTest() {
    opts_.registry = &registry_;
    opts_.http.workers = 2;
  }

  // {__name__=<name>, instance=<addr>, job=<job>}
  std::string Key(const std::string& name, const std::string& addr, const std::string& job) {
    return "{__name__=\"" + name + "\", instance=\"" + addr + "\", job=\"" + job + "\"}";
  }
  bool Up(const std::string& key, double want) {
    auto s = db_.Series(key);
    return !s.empty() && s.back().v == want;
  }

  RecordingAppendable db_;
  metrics::Registry registry_;
  Manager::Options opts_;
};

TEST_F(ManagerTest, ScrapesTargetsAndReports) {
  TestServer srv(ByParam);
  Manager m(db_, opts_);
  config::Config cfg;
  cfg.scrape_configs.push_back(Job("a"));
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  m.ApplyTargets({{"a", {Group({labels::Labels({{"__address__", srv.Address()}})})}}});
  std::string up = Key("up", srv.Address(), "a");
  ASSERT_TRUE(WaitFor([&] { return Up(up, 1); }));
  auto samples = db_.ByName("m");
  ASSERT_FALSE(samples.empty());
  EXPECT_EQ(samples[0].lset.ToString(),
            "{__name__=\"m\", instance=\"" + srv.Address() + "\", job=\"a\"}");  // t="" dropped
  ASSERT_TRUE(WaitFor([&] { return db_.Series(up).size() >= 3; }));              // keeps scraping

  auto active = m.ActiveTargets();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].scrape_pool, "a");
  EXPECT_EQ(active[0].scrape_url, srv.Url("/metrics"));
  EXPECT_EQ(active[0].health, TargetHealth::kGood);
  EXPECT_GT(active[0].last_scrape_ms, 0);
  EXPECT_EQ(m.ScrapePools(), std::vector<std::string>{"a"});
  EXPECT_NE(registry_.Expose().find("prometheus_target_scrape_pool_targets{scrape_job=\"a\"} 1"),
            std::string::npos);
  m.Stop();
}

TEST_F(ManagerTest, RemovedTargetAndJobGoStale) {
  TestServer srv(ByParam);
  Manager m(db_, opts_);
  config::Config cfg;
  cfg.scrape_configs.push_back(Job("a"));
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  labels::Labels t1({{"__address__", srv.Address()}, {"__param_t", "1"}, {"instance", "one"}});
  labels::Labels t2({{"__address__", srv.Address()}, {"__param_t", "2"}, {"instance", "two"}});
  m.ApplyTargets({{"a", {Group({t1, t2})}}});
  std::string m1 = "{__name__=\"m\", instance=\"one\", job=\"a\", t=\"1\"}";
  std::string m2 = "{__name__=\"m\", instance=\"two\", job=\"a\", t=\"2\"}";
  ASSERT_TRUE(WaitFor([&] { return !db_.Series(m1).empty() && !db_.Series(m2).empty(); }));

  m.ApplyTargets({{"a", {Group({t1})}}});
  ASSERT_TRUE(WaitFor([&] {
    auto s = db_.Series(m2);
    return !s.empty() && storage::IsStaleNaN(s.back().v);
  }));
  EXPECT_TRUE(storage::IsStaleNaN(db_.Series(Key("up", "two", "a")).back().v));
  EXPECT_EQ(m.ActiveTargets().size(), 1u);

  // Removing the job from the config marks the remaining target stale too.
  ASSERT_TRUE(m.ApplyConfig(config::Config()).ok());
  ASSERT_TRUE(WaitFor([&] {
    auto s = db_.Series(m1);
    return !s.empty() && storage::IsStaleNaN(s.back().v);
  }));
  EXPECT_TRUE(m.ActiveTargets().empty());
  m.Stop();
}

TEST_F(ManagerTest, ShutdownWritesNoStaleMarkers) {
  TestServer srv(ByParam);
  Manager m(db_, opts_);
  config::Config cfg;
  cfg.scrape_configs.push_back(Job("a"));
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  m.ApplyTargets({{"a", {Group({labels::Labels({{"__address__", srv.Address()}})})}}});
  std::string up = Key("up", srv.Address(), "a");
  ASSERT_TRUE(WaitFor([&] { return Up(up, 1); }));
  m.Stop();
  for (const auto& s : db_.Samples()) EXPECT_FALSE(storage::IsStaleNaN(s.v)) << s.lset.ToString();
}

TEST_F(ManagerTest, BasicAuthBearerFileAndGzip) {
  std::atomic<int> gz{0};
  TestServer srv([&](const TestRequest& r) {
    auto it = r.headers.find("authorization");
    std::string auth = it == r.headers.end() ? "" : it->second;
    if (auth != "Basic dTpw" && auth != "Bearer from-file") {
      return TestResponse{401, "text/plain", "no"};
    }
    TestResponse resp{200, "text/plain; version=0.0.4", "ok 1\n"};
    auto enc = r.headers.find("accept-encoding");
    if (enc != r.headers.end() && enc->second == "gzip") {
      resp.gzip = true;
      ++gz;
    }
    return resp;
  });
  std::string token =
      ::testing::TempDir() + "/scrape_manager_test_token." + std::to_string(getpid());
  {
    std::ofstream f(token);
    f << "from-file\n";
  }
  Manager m(db_, opts_);
  config::Config cfg;
  config::ScrapeConfig basic = Job("basic");
  basic.http_client_config.basic_auth = config::BasicAuth{"u", "", {"p"}, ""};
  config::ScrapeConfig bearer = Job("bearer");
  bearer.http_client_config.authorization = config::Authorization{"Bearer", {}, token};
  config::ScrapeConfig none = Job("none");
  cfg.scrape_configs = {basic, bearer, none};
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  auto g = Group({labels::Labels({{"__address__", srv.Address()}})});
  m.ApplyTargets({{"basic", {g}}, {"bearer", {g}}, {"none", {g}}});
  ASSERT_TRUE(WaitFor([&] {
    return Up(Key("up", srv.Address(), "basic"), 1) && Up(Key("up", srv.Address(), "bearer"), 1) &&
           Up(Key("up", srv.Address(), "none"), 0);
  }));
  EXPECT_FALSE(db_.Series(Key("ok", srv.Address(), "basic")).empty());
  EXPECT_GT(gz.load(), 0);
  for (const auto& t : m.ActiveTargets()) {
    if (t.scrape_pool == "none") {
      EXPECT_EQ(t.last_error, "server returned HTTP status 401 Unauthorized");
    }
  }
  m.Stop();
  std::remove(token.c_str());
}

TEST_F(ManagerTest, TimeoutAndBodySizeLimit) {
  TestServer srv([](const TestRequest& r) {
    TestResponse resp{200, "text/plain; version=0.0.4", "big_metric_name_here 1\n"};
    if (r.target.find("slow") != std::string::npos) resp.delay_ms = 1000;
    return resp;
  });
  Manager m(db_, opts_);
  config::Config cfg;
  config::ScrapeConfig slow = Job("slow", 200);
  slow.scrape_timeout = 50;
  slow.metrics_path = "/slow";
  config::ScrapeConfig limited = Job("limited");
  limited.body_size_limit = 5;
  cfg.scrape_configs = {slow, limited};
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  auto g = Group({labels::Labels({{"__address__", srv.Address()}})});
  m.ApplyTargets({{"slow", {g}}, {"limited", {g}}});
  ASSERT_TRUE(WaitFor([&] {
    return Up(Key("up", srv.Address(), "slow"), 0) && Up(Key("up", srv.Address(), "limited"), 0);
  }));
  for (const auto& t : m.ActiveTargets()) {
    if (t.scrape_pool == "slow") {
      EXPECT_NE(t.last_error.find("context deadline exceeded"), std::string::npos) << t.last_error;
      EXPECT_LT(t.last_scrape_duration_seconds, 0.5);
    } else {
      EXPECT_EQ(t.last_error, "body size limit exceeded");
    }
  }
  EXPECT_NE(registry_.Expose().find("prometheus_target_scrapes_exceeded_body_size_limit_total"),
            std::string::npos);
  m.Stop();
}

TEST_F(ManagerTest, TargetLimitAndDroppedTargets) {
  TestServer srv(ByParam);
  Manager m(db_, opts_);
  config::Config cfg;
  config::ScrapeConfig c = Job("a");
  c.target_limit = 1;
  relabel::Config drop;
  drop.action = relabel::Action::kDrop;
  drop.source_labels = {"__param_t"};
  ASSERT_TRUE(drop.SetRegex("drop").ok());
  c.relabel_configs.push_back(drop);
  cfg.scrape_configs = {c};
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  labels::Labels t1({{"__address__", srv.Address()}, {"__param_t", "1"}, {"instance", "one"}});
  labels::Labels t2({{"__address__", srv.Address()}, {"__param_t", "2"}, {"instance", "two"}});
  labels::Labels t3({{"__address__", srv.Address()}, {"__param_t", "drop"}});
  m.ApplyTargets({{"a", {Group({t1, t2, t3})}}});
  ASSERT_TRUE(
      WaitFor([&] { return Up(Key("up", "one", "a"), 0) && Up(Key("up", "two", "a"), 0); }));
  auto active = m.ActiveTargets();
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].last_error, "target_limit exceeded (number of targets: 2, limit: 1)");
  auto dropped = m.DroppedTargets();
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].discovered_labels.Get("__param_t"), "drop");
  EXPECT_EQ(m.DroppedTargetCounts()["a"], 1u);
  EXPECT_TRUE(db_.ByName("m").empty());

  // Back under the limit: scraping resumes.
  m.ApplyTargets({{"a", {Group({t1})}}});
  ASSERT_TRUE(WaitFor([&] { return Up(Key("up", "one", "a"), 1); }));
  m.Stop();
}

TEST_F(ManagerTest, ReloadAppliesChangedConfig) {
  TestServer srv(ByParam);
  Manager m(db_, opts_);
  config::Config cfg;
  cfg.scrape_configs = {Job("a")};
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  m.ApplyTargets({{"a", {Group({labels::Labels({{"__address__", srv.Address()}})})}}});
  ASSERT_TRUE(WaitFor([&] { return !db_.ByName("other").empty(); }));
  // Unchanged config: same loops.
  auto before = m.PoolForTesting("a")->loops();
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  EXPECT_EQ(m.PoolForTesting("a")->loops(), before);

  relabel::Config drop;
  drop.action = relabel::Action::kDrop;
  drop.source_labels = {"__name__"};
  ASSERT_TRUE(drop.SetRegex("other").ok());
  cfg.scrape_configs[0].metric_relabel_configs.push_back(drop);
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  EXPECT_NE(m.PoolForTesting("a")->loops(), before);
  size_t n = db_.ByName("other").size();
  size_t ups = db_.Series(Key("up", srv.Address(), "a")).size();
  ASSERT_TRUE(WaitFor([&] { return db_.Series(Key("up", srv.Address(), "a")).size() >= ups + 3; }));
  EXPECT_LE(db_.ByName("other").size(), n + 1);  // at most one in-flight scrape of the old loop
  m.Stop();
}

TEST_F(ManagerTest, ReloadKeepsWarmCacheWhenLabelsCannotChange) {
  TestServer srv(ByParam);
  Manager m(db_, opts_);
  config::Config cfg;
  cfg.scrape_configs = {Job("a")};
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  m.ApplyTargets({{"a", {Group({labels::Labels({{"__address__", srv.Address()}})})}}});
  ASSERT_TRUE(WaitFor([&] { return m.PoolForTesting("a")->loops()[0]->label_builds() == 2; }));
  // A reload that only changes a limit hands the cache over (unless the old
  // loop happened to be mid-scrape; a few attempts make that negligible).
  bool warm = false;
  for (int attempt = 0; attempt < 5 && !warm; ++attempt) {
    cfg.scrape_configs[0].sample_limit = 1000 + attempt;
    ASSERT_TRUE(m.ApplyConfig(cfg).ok());
    auto loop = m.PoolForTesting("a")->loops()[0];
    ASSERT_TRUE(WaitFor([&] { return loop->target()->health().last_scrape_ms != 0; }));
    warm = loop->label_builds() == 0;
  }
  EXPECT_TRUE(warm);
  m.Stop();
}

TEST_F(ManagerTest, ThousandTargetsOneClientLoop) {
  TestServer srv(ByParam);
  Manager m(db_, opts_);
  config::Config cfg;
  cfg.scrape_configs = {Job("many", 500)};
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  std::vector<labels::Labels> targets;
  constexpr int kN = 1000;
  for (int i = 0; i < kN; ++i) {
    std::string n = std::to_string(i);
    std::string instance = "i";
    instance += n;
    targets.push_back(
        labels::Labels({{"__address__", srv.Address()}, {"__param_t", n}, {"instance", instance}}));
  }
  m.ApplyTargets({{"many", {Group(targets)}}});
  ASSERT_TRUE(WaitFor(
      [&] {
        auto ts = m.ActiveTargets();
        if (ts.size() != kN) return false;
        for (const auto& t : ts) {
          if (t.health != TargetHealth::kGood) return false;
        }
        return true;
      },
      std::chrono::seconds(30)));
  EXPECT_GE(srv.requests(), kN);
  EXPECT_EQ(db_.ref_mismatches(), 0);
  m.Stop();
}

}  // namespace
}  // namespace ward::scrape
