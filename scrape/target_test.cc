#include "scrape/target.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace ward::scrape {
namespace {

config::ScrapeConfig Job() {
  config::ScrapeConfig c;
  c.job_name = "node";
  c.scrape_interval = 15000;
  c.scrape_timeout = 10000;
  c.scrape_protocols = {"OpenMetricsText1.0.0", "PrometheusText0.0.4"};
  return c;
}

relabel::Config Rule(relabel::Action a, std::vector<std::string> src, std::string regex,
                     std::string target = "", std::string replacement = "$1") {
  relabel::Config r;
  r.action = a;
  r.source_labels = std::move(src);
  EXPECT_TRUE(r.SetRegex(regex).ok());
  r.target_label = std::move(target);
  r.replacement = std::move(replacement);
  return r;
}

TEST(PopulateLabelsTest, DefaultsAndInstance) {
  labels::Labels out, disc;
  ASSERT_TRUE(PopulateLabels(labels::Labels({{"__address__", "h:9100"}, {"__meta_x", "y"}}), Job(),
                             &out, &disc)
                  .ok());
  EXPECT_EQ(disc.ToString(),
            "{__address__=\"h:9100\", __meta_x=\"y\", __metrics_path__=\"/metrics\", "
            "__scheme__=\"http\", __scrape_interval__=\"15s\", __scrape_timeout__=\"10s\", "
            "job=\"node\"}");
  EXPECT_EQ(out.ToString(),
            "{__address__=\"h:9100\", __metrics_path__=\"/metrics\", __scheme__=\"http\", "
            "__scrape_interval__=\"15s\", __scrape_timeout__=\"10s\", instance=\"h:9100\", "
            "job=\"node\"}");
  Target t(out, disc, Job());
  EXPECT_EQ(t.labels().ToString(), "{instance=\"h:9100\", job=\"node\"}");
  EXPECT_EQ(t.url(), "http://h:9100/metrics");
  EXPECT_EQ(t.interval_ms(), 15000);
  EXPECT_EQ(t.timeout_ms(), 10000);
}

TEST(PopulateLabelsTest, ParamsSchemePathAndRelabel) {
  config::ScrapeConfig c = Job();
  c.params = {{"module", {"http_2xx", "other"}}, {"q", {"a b&c"}}};
  c.relabel_configs.push_back(
      Rule(relabel::Action::kReplace, {"__address__"}, "(.*)", "__param_target"));
  c.relabel_configs.push_back(
      Rule(relabel::Action::kReplace, {}, "(.*)", "__address__", "blackbox:9115"));
  c.relabel_configs.push_back(Rule(relabel::Action::kReplace, {}, "(.*)", "__scheme__", "https"));
  c.relabel_configs.push_back(
      Rule(relabel::Action::kReplace, {}, "(.*)", "__metrics_path__", "/probe"));
  labels::Labels out, disc;
  ASSERT_TRUE(
      PopulateLabels(labels::Labels({{"__address__", "example.com"}}), c, &out, &disc).ok());
  Target t(out, disc, c);
  EXPECT_EQ(
      t.url(),
      "https://blackbox:9115/probe?module=http_2xx&module=other&q=a+b%26c&target=example.com");
  EXPECT_EQ(t.labels().Get("instance"), "blackbox:9115");
}

TEST(PopulateLabelsTest, DroppedAndErrors) {
  config::ScrapeConfig c = Job();
  c.relabel_configs.push_back(Rule(relabel::Action::kDrop, {"__address__"}, "drop.*"));
  labels::Labels out, disc;
  ASSERT_TRUE(PopulateLabels(labels::Labels({{"__address__", "drop:1"}}), c, &out, &disc).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(disc.Get("__address__"), "drop:1");

  Status s = PopulateLabels(labels::Labels({{"foo", "bar"}}), Job(), &out, &disc);
  EXPECT_EQ(s.ToString(), "no address");
  s = PopulateLabels(labels::Labels({{"__address__", "h:1/x"}}), Job(), &out, &disc);
  EXPECT_EQ(s.ToString(), "\"h:1/x\" is not a valid hostname");
  s = PopulateLabels(labels::Labels({{"__address__", "h:1"}, {"__scrape_timeout__", "60s"}}), Job(),
                     &out, &disc);
  EXPECT_EQ(s.ToString(),
            "scrape timeout cannot be greater than scrape interval (\"60s\" > \"15s\")");
  s = PopulateLabels(labels::Labels({{"__address__", "h:1"}, {"bad", "\xff"}}), Job(), &out, &disc);
  EXPECT_EQ(s.ToString().rfind("invalid label value for \"bad\": ", 0), 0u) << s.ToString();
  s = PopulateLabels(labels::Labels({{"__address__", "h:1"}, {"__scrape_interval__", "0s"}}), Job(),
                     &out, &disc);
  EXPECT_EQ(s.ToString(), "scrape interval cannot be 0");
  s = PopulateLabels(labels::Labels({{"__address__", "h:1"}, {"__scrape_interval__", "x"}}), Job(),
                     &out, &disc);
  EXPECT_NE(s.ToString().find("error parsing scrape interval"), std::string::npos);
}

TEST(PopulateLabelsTest, ExplicitInstanceKept) {
  labels::Labels out, disc;
  ASSERT_TRUE(PopulateLabels(labels::Labels({{"__address__", "h:1"}, {"instance", "mine"}}), Job(),
                             &out, &disc)
                  .ok());
  EXPECT_EQ(out.Get("instance"), "mine");
}

TEST(TargetTest, MergeGroupLabelsTargetWins) {
  auto m = MergeGroupLabels(labels::Labels({{"__address__", "a:1"}, {"env", "t"}}),
                            labels::Labels({{"env", "g"}, {"dc", "x"}}));
  EXPECT_EQ(m.ToString(), "{__address__=\"a:1\", dc=\"x\", env=\"t\"}");
}

TEST(TargetTest, OffsetWithinInterval) {
  labels::Labels out, disc;
  ASSERT_TRUE(PopulateLabels(labels::Labels({{"__address__", "h:1"}}), Job(), &out, &disc).ok());
  Target t(out, disc, Job());
  for (uint64_t seed : {0ull, 1ull, 0xdeadbeefull}) {
    auto off = t.Offset(seed);
    EXPECT_GE(off.count(), 0);
    EXPECT_LE(off, std::chrono::seconds(15));
  }
}

TEST(TargetTest, HealthUpdates) {
  labels::Labels out, disc;
  ASSERT_TRUE(PopulateLabels(labels::Labels({{"__address__", "h:1"}}), Job(), &out, &disc).ok());
  Target t(out, disc, Job());
  EXPECT_EQ(t.health().health, TargetHealth::kUnknown);
  t.SetHealth(1000, std::chrono::milliseconds(5), Status::Timeout("boom"));
  EXPECT_EQ(t.health().health, TargetHealth::kBad);
  EXPECT_EQ(t.health().last_error, "boom");
  EXPECT_EQ(HealthName(t.health().health), "down");
  t.SetHealth(2000, std::chrono::milliseconds(5), Status::OK());
  EXPECT_EQ(HealthName(t.health().health), "up");
  EXPECT_EQ(t.health().last_scrape_ms, 2000);
}

TEST(BuildRequestTest, HeadersAuthAndFiles) {
  config::ScrapeConfig c = Job();
  c.body_size_limit = 1234;
  c.enable_compression = false;
  std::string path = ::testing::TempDir() + "/scrape_target_test_token." + std::to_string(getpid());
  {
    std::ofstream f(path);
    f << "  secret-token\n";
  }
  c.http_client_config.authorization = config::Authorization{"Bearer", {}, path};
  labels::Labels out, disc;
  ASSERT_TRUE(PopulateLabels(labels::Labels({{"__address__", "h:1"}}), c, &out, &disc).ok());
  Target t(out, disc, c);
  auto req = BuildRequest(c, t);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  EXPECT_EQ(req->url, "http://h:1/metrics");
  EXPECT_EQ(req->user_agent, "ward/0.1.0");
  EXPECT_FALSE(req->accept_gzip);
  EXPECT_EQ(req->body_size_limit, 1234);
  EXPECT_EQ(req->timeout_ms, 10000);
  bool saw_auth = false, saw_timeout = false, saw_accept = false;
  for (const auto& h : req->headers) {
    if (h == "Authorization: Bearer secret-token") saw_auth = true;
    if (h == "X-Prometheus-Scrape-Timeout-Seconds: 10") saw_timeout = true;
    if (h.rfind("Accept: application/openmetrics-text", 0) == 0) saw_accept = true;
  }
  EXPECT_TRUE(saw_auth);
  EXPECT_TRUE(saw_timeout);
  EXPECT_TRUE(saw_accept);
  std::remove(path.c_str());
  auto bad = BuildRequest(c, t);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find(path), std::string::npos);
}

TEST(BuildRequestTest, FormatSeconds) {
  EXPECT_EQ(FormatSeconds(10000), "10");
  EXPECT_EQ(FormatSeconds(500), "0.5");
  EXPECT_EQ(FormatSeconds(1250), "1.25");
  EXPECT_EQ(FormatSeconds(0), "0");
}

}  // namespace
}  // namespace ward::scrape
