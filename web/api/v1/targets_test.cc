// /api/v1/targets and /api/v1/scrape_pools with a real scrape::Manager
// scraping a local exporter, and the globalUrl rewriting.
#include <chrono>
#include <thread>

#include "config/config.h"
#include "gtest/gtest.h"
#include "scrape/manager.h"
#include "scrape/test_util.h"
#include "web/api/v1/handlers.h"
#include "web/api/v1/test_util.h"

namespace ward::web::api::v1 {
namespace {

class TargetsTest : public APIServerFixture {
 protected:
  void SetUp() override {
    exporter_ =
        std::make_unique<scrape::testing::TestServer>([](const scrape::testing::TestRequest&) {
          return scrape::testing::TestResponse{
              200, "text/plain; version=0.0.4",
              "# HELP m A \\\\ gauge.\n# TYPE m gauge\nm 1\n# TYPE c counter\nc_total 2\n"
              "u 3\n"};
        });
    scrape::Manager::Options mo;
    mo.registry = &scrape_registry_;
    mo.http.workers = 1;
    manager_ = std::make_unique<scrape::Manager>(head_storage_, mo);
    APIServerFixture::SetUp();
  }
  void TearDown() override {
    manager_->Stop();
    APIServerFixture::TearDown();
  }
  void CustomizeOptions(APIOptions* o) override {
    o->scrape = manager_.get();
    o->external_url = "http://ward.example:9090/";
    o->listen_address = "0.0.0.0:9090";
  }

  // The manager appends into its own head, apart from the fixture's data.
  tsdb::Head head_storage_{tsdb::HeadOptions{}, nullptr, nullptr};
  metrics::Registry scrape_registry_;
  std::unique_ptr<scrape::Manager> manager_;
  // The scrape target: not the API server itself, whose Stop() must not
  // race with the scraper's keep-alive connection.
  std::unique_ptr<scrape::testing::TestServer> exporter_;
};

TEST_F(TargetsTest, ActiveAndDroppedTargets) {
  auto cfg = config::Load(R"(
scrape_configs:
  - job_name: self
    scrape_interval: 100ms
    scrape_timeout: 100ms
    relabel_configs:
      - source_labels: [__address__]
        regex: 'drop\..*'
        action: drop
)",
                          "test.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  ASSERT_TRUE(manager_->ApplyConfig(cfg.value()).ok());
  const std::string addr = exporter_->Address();
  targetgroup::Group g;
  g.source = "0";
  g.targets = {labels::Labels({{"__address__", addr}}),
               labels::Labels({{"__address__", "drop.me:1"}})};
  manager_->ApplyTargets({{"self", {g}}});

  // Wait for a successful scrape.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string body;
  while (std::chrono::steady_clock::now() < deadline) {
    body = Get("/api/v1/targets").body;
    if (body.find(R"("health":"up")") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string active =
      R"({"status":"success","data":{"activeTargets":[{"discoveredLabels":{"__address__":")" +
      addr +
      R"(","__metrics_path__":"/metrics","__scheme__":"http","__scrape_interval__":"100ms",)"
      R"("__scrape_timeout__":"100ms","job":"self"},"labels":{"instance":")" +
      addr + R"(","job":"self"},"scrapePool":"self","scrapeUrl":"http://)" + addr +
      R"(/metrics","globalUrl":"http://ward.example:)" + std::to_string(exporter_->port()) +
      R"(/metrics","lastError":"","lastScrape":")";
  EXPECT_EQ(body.substr(0, active.size()), active) << body;
  EXPECT_NE(body.find(R"("health":"up","scrapeInterval":"100ms","scrapeTimeout":"100ms"}],)"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("droppedTargets":[{"discoveredLabels":{"__address__":"drop.me:1",)"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("droppedTargetCounts":{"self":1}}})"), std::string::npos) << body;

  // Filters.
  body = Get("/api/v1/targets?state=dropped").body;
  EXPECT_NE(body.find(R"({"activeTargets":[],"droppedTargets":[{)"), std::string::npos) << body;
  body = Get("/api/v1/targets?state=Active").body;
  EXPECT_NE(body.find(R"("droppedTargets":[],"droppedTargetCounts":null})"), std::string::npos)
      << body;
  body = Get("/api/v1/targets?scrapePool=other").body;
  EXPECT_NE(body.find(R"({"activeTargets":[],"droppedTargets":[],)"), std::string::npos) << body;
  EXPECT_EQ(Get("/api/v1/scrape_pools").body,
            R"({"status":"success","data":{"scrapePools":["self"]}})");
}

TEST_F(TargetsTest, MetadataFromTheLastScrapes) {
  auto cfg = config::Load(R"(
scrape_configs:
  - job_name: self
    scrape_interval: 100ms
    scrape_timeout: 100ms
)",
                          "test.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  ASSERT_TRUE(manager_->ApplyConfig(cfg.value()).ok());
  const std::string addr = exporter_->Address();
  targetgroup::Group g;
  g.source = "0";
  g.targets = {labels::Labels({{"__address__", addr}})};
  manager_->ApplyTargets({{"self", {g}}});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string body;
  while (std::chrono::steady_clock::now() < deadline) {
    body = Get("/api/v1/metadata").body;
    if (body.find(R"("m":)") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // HELP unescaped; families without TYPE are absent; sorted by name.
  EXPECT_EQ(body,
            R"({"status":"success","data":{"c":[{"type":"counter","help":"","unit":""}],)"
            R"("m":[{"type":"gauge","help":"A \\ gauge.","unit":""}]}})");
  EXPECT_EQ(Get("/api/v1/metadata?metric=c").body,
            R"({"status":"success","data":{"c":[{"type":"counter","help":"","unit":""}]}})");
  EXPECT_EQ(Get("/api/v1/metadata?limit=1").body,
            R"({"status":"success","data":{"c":[{"type":"counter","help":"","unit":""}]}})");
  EXPECT_EQ(Get("/api/v1/metadata?metric=nope").body, R"({"status":"success","data":{}})");
  HttpReply bad = Get("/api/v1/metadata?limit=x");
  EXPECT_EQ(bad.code, 400);
  EXPECT_EQ(bad.body, R"({"status":"error","errorType":"bad_data","error":"limit must be a number"})");

  const std::string target = R"({"instance":")" + addr + R"(","job":"self"})";
  EXPECT_EQ(Get("/api/v1/targets/metadata").body,
            R"({"status":"success","data":[{"target":)" + target +
                R"(,"metric":"c","type":"counter","help":"","unit":""},{"target":)" + target +
                R"(,"metric":"m","type":"gauge","help":"A \\ gauge.","unit":""}]})");
  EXPECT_EQ(Get("/api/v1/targets/metadata?metric=m&match_target={job=%22self%22}").body,
            R"({"status":"success","data":[{"target":)" + target +
                R"(,"type":"gauge","help":"A \\ gauge.","unit":""}]})");
  EXPECT_EQ(Get("/api/v1/targets/metadata?match_target={job=%22other%22}").body,
            R"({"status":"success","data":[]})");
  HttpReply badsel = Get("/api/v1/targets/metadata?match_target={job=");
  EXPECT_EQ(badsel.code, 400) << badsel.body;
}

TEST(GlobalURLTest, RewritesLocalhost) {
  APIOptions o;
  o.external_url = "https://prom.example:443/prefix";
  o.listen_address = "0.0.0.0:9090";
  API api(o);
  // ward itself: scheme, host and port of the external URL.
  EXPECT_EQ(api.GlobalURL("http://localhost:9090/prefix/metrics"),
            "https://prom.example:443/prefix/metrics");
  // Another local port: only the host.
  EXPECT_EQ(api.GlobalURL("http://127.0.0.1:9100/metrics?x=1"),
            "http://prom.example:9100/metrics?x=1");
  EXPECT_EQ(api.GlobalURL("http://[::1]:9100/metrics"), "http://prom.example:9100/metrics");
  // Not local: unchanged.
  EXPECT_EQ(api.GlobalURL("http://10.0.0.1:9100/metrics"), "http://10.0.0.1:9100/metrics");
  // External URL without a port; target without a port.
  APIOptions o2;
  o2.external_url = "http://prom.example/";
  o2.listen_address = ":9090";
  API api2(o2);
  EXPECT_EQ(api2.GlobalURL("http://localhost:9100/metrics"), "http://prom.example:9100/metrics");
  EXPECT_EQ(api2.GlobalURL("http://localhost:9090/metrics"), "http://prom.example/metrics");
  EXPECT_EQ(api2.GlobalURL("http://localhost/metrics"), "http://prom.example/metrics");
  API no_external(APIOptions{});
  EXPECT_EQ(no_external.GlobalURL("http://localhost:9100/metrics"),
            "http://localhost:9100/metrics");
}

}  // namespace
}  // namespace ward::web::api::v1
