#include "discovery/manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

namespace ward::discovery {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Collects deliveries and waits (bounded) for one that satisfies a predicate.
class Recorder {
 public:
  void operator()(const TargetSets& sets) {
    std::lock_guard<std::mutex> l(mu_);
    last_ = sets;
    ++count_;
    cv_.notify_all();
  }
  template <typename Pred>
  bool WaitFor(Pred pred, std::chrono::milliseconds timeout = 5000ms) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, timeout, [&] { return count_ > 0 && pred(last_); });
  }
  int count() {
    std::lock_guard<std::mutex> l(mu_);
    return count_;
  }
  TargetSets last() {
    std::lock_guard<std::mutex> l(mu_);
    return last_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  TargetSets last_;
  int count_ = 0;
};

size_t TargetCount(const TargetSets& sets, const std::string& job) {
  auto it = sets.find(job);
  if (it == sets.end()) return 0;
  size_t n = 0;
  for (const auto& g : it->second) n += g.targets.size();
  return n;
}

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ward_discovery_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& content) {
    // Write then rename, as tools that generate file_sd files should.
    std::ofstream(dir_ / (name + ".tmp")) << content;
    fs::rename(dir_ / (name + ".tmp"), dir_ / name);
  }
  fs::path dir_;
};

TEST_F(ManagerTest, StaticTargetsDeliveredAtOnce) {
  Recorder rec;
  ManagerOptions opts;
  opts.update_interval = 10s;  // the first delivery must not wait for it
  Manager m([&](const TargetSets& s) { rec(s); }, opts);
  ProviderConfigs pc;
  config::StaticConfig sc;
  sc.targets = {"a:1", "b:2"};
  sc.labels = labels::Labels{{"env", "prod"}};
  pc.static_configs.push_back(sc);
  pc.static_configs.push_back(config::StaticConfig{{"c:3"}, {}});
  ASSERT_TRUE(m.ApplyConfig({{"job1", pc}, {"empty", ProviderConfigs{}}}).ok());
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) { return TargetCount(s, "job1") == 3; }, 2000ms));
  TargetSets got = rec.last();
  ASSERT_EQ(got["job1"].size(), 2u);
  EXPECT_EQ(got["job1"][0].source, "0");
  EXPECT_EQ(got["job1"][1].source, "1");
  EXPECT_EQ(got["job1"][0].labels.Get("env"), "prod");
  EXPECT_EQ(got["job1"][0].targets[1].Get("__address__"), "b:2");
  EXPECT_TRUE(got.count("empty"));  // a job without targets is still announced
  EXPECT_EQ(m.Current().size(), 2u);
  m.Stop();
  EXPECT_FALSE(m.ApplyConfig({}).ok());
}

TEST_F(ManagerTest, FileSDReloadsOnChange) {
  Write("targets.json", R"([{"targets": ["a:1"], "labels": {"team": "x"}}])");
  Recorder rec;
  ManagerOptions opts;
  opts.update_interval = 50ms;
  opts.log = [](std::string_view) {};
  Manager m([&](const TargetSets& s) { rec(s); }, opts);
  ProviderConfigs pc;
  config::FileSDConfig f;
  f.files = {(dir_ / "*.json").string()};
  f.refresh_interval = 3600000;  // only inotify can explain a fast reload
  pc.file_sd_configs.push_back(f);
  ASSERT_TRUE(m.ApplyConfig({{"filejob", pc}}).ok());
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) { return TargetCount(s, "filejob") == 1; }));
  {
    TargetSets got = rec.last();
    const auto& g = got["filejob"][0];
    EXPECT_EQ(g.source, (dir_ / "targets.json").string() + ":0");
    EXPECT_EQ(g.labels.Get("team"), "x");
    EXPECT_EQ(g.labels.Get("__meta_filepath"), (dir_ / "targets.json").string());
  }

  // Change the file: new targets arrive.
  Write("targets.json", R"([{"targets": ["a:1", "b:2", "c:3"]}])");
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) { return TargetCount(s, "filejob") == 3; }));

  // A new matching file is picked up.
  Write("more.json", R"([{"targets": ["d:4"]}])");
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) { return TargetCount(s, "filejob") == 4; }));

  // A broken file keeps the last good groups.
  Write("targets.json", "[{\"targets\": [");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(TargetCount(m.Current(), "filejob"), 4u);

  // Removing a file removes its targets.
  fs::remove(dir_ / "more.json");
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) { return TargetCount(s, "filejob") == 3; }));
}

TEST_F(ManagerTest, ApplyConfigKeepsUnchangedAndDropsRemoved) {
  Recorder rec;
  ManagerOptions opts;
  opts.update_interval = 20ms;
  Manager m([&](const TargetSets& s) { rec(s); }, opts);
  ProviderConfigs a{{config::StaticConfig{{"a:1"}, {}}}, {}};
  ProviderConfigs b{{config::StaticConfig{{"b:1"}, {}}}, {}};
  ASSERT_TRUE(m.ApplyConfig({{"a", a}, {"b", b}}).ok());
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) { return s.size() == 2; }));
  ProviderConfigs b2{{config::StaticConfig{{"b:1", "b:2"}, {}}}, {}};
  ASSERT_TRUE(m.ApplyConfig({{"b", b2}}).ok());
  ASSERT_TRUE(
      rec.WaitFor([](const TargetSets& s) { return s.size() == 1 && TargetCount(s, "b") == 2; }));
  EXPECT_FALSE(rec.last().count("a"));
}

TEST_F(ManagerTest, RateLimitsDeliveries) {
  Write("t.json", R"([{"targets": ["a:1"]}])");
  Recorder rec;
  ManagerOptions opts;
  opts.update_interval = 400ms;
  Manager m([&](const TargetSets& s) { rec(s); }, opts);
  ProviderConfigs pc;
  pc.file_sd_configs.push_back(config::FileSDConfig{{(dir_ / "t.json").string()}, 3600000});
  ASSERT_TRUE(m.ApplyConfig({{"j", pc}}).ok());
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) { return TargetCount(s, "j") == 1; }));
  const int after_first = rec.count();
  // Several quick changes collapse into few deliveries.
  for (int i = 2; i <= 5; ++i) {
    std::string targets;
    for (int k = 0; k < i; ++k)
      targets += std::string(k ? "," : "") + "\"h" + std::to_string(k) + ":1\"";
    Write("t.json", "[{\"targets\": [" + targets + "]}]");
    std::this_thread::sleep_for(30ms);
  }
  ASSERT_TRUE(rec.WaitFor([](const TargetSets& s) { return TargetCount(s, "j") == 5; }));
  EXPECT_LE(rec.count() - after_first, 2);
}

TEST(ManagerSetsTest, FromConfig) {
  config::Config cfg;
  config::ScrapeConfig sc;
  sc.job_name = "node";
  sc.static_configs.push_back(config::StaticConfig{{"localhost:9100"}, {}});
  cfg.scrape_configs.push_back(sc);
  config::AlertmanagerConfig am;
  am.static_configs.push_back(config::StaticConfig{{"localhost:9093"}, {}});
  cfg.alerting.alertmanagers.push_back(am);
  auto sets = Manager::ScrapeSets(cfg);
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets["node"].static_configs[0].targets[0], "localhost:9100");
  auto ams = Manager::AlertmanagerSets(cfg);
  ASSERT_EQ(ams.size(), 1u);
  EXPECT_TRUE(ams.count("config-0"));
}

}  // namespace
}  // namespace ward::discovery
