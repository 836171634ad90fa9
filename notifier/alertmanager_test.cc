// Tests for turning discovered targets into Alertmanager URLs.
#include "notifier/alertmanager.h"

#include <gtest/gtest.h>

namespace ward::notifier {
namespace {

config::AlertmanagerConfig LoadAM(const std::string& am_yaml) {
  auto cfg = config::Load("alerting:\n  alertmanagers:\n" + am_yaml, "");
  EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
  if (!cfg.ok() || cfg->alerting.alertmanagers.empty()) return {};
  return cfg->alerting.alertmanagers[0];
}

targetgroup::Group Group(std::vector<std::string> addrs, labels::Labels common = {}) {
  targetgroup::Group g;
  for (auto& a : addrs) g.targets.push_back(labels::Labels{{"__address__", a}});
  g.labels = std::move(common);
  return g;
}

TEST(AlertmanagerTest, PostPath) {
  EXPECT_EQ(PostPath("/"), "/api/v2/alerts");
  EXPECT_EQ(PostPath(""), "/api/v2/alerts");
  EXPECT_EQ(PostPath("/am/"), "/am/api/v2/alerts");
  EXPECT_EQ(PostPath("am"), "/am/api/v2/alerts");
  EXPECT_EQ(PostPath("/a//b/../c"), "/a/c/api/v2/alerts");
  EXPECT_EQ(CleanPath("/../x/./"), "/x");
}

TEST(AlertmanagerTest, StaticTargetsGetSchemeAndPath) {
  auto cfg = LoadAM("    - scheme: https\n      path_prefix: /prefix\n");
  std::vector<labels::Labels> active, dropped;
  ASSERT_TRUE(AlertmanagersFromGroup(Group({"am1:9093", "am2:9093"}), cfg, &active, &dropped).ok());
  ASSERT_EQ(active.size(), 2u);
  EXPECT_TRUE(dropped.empty());
  EXPECT_EQ(AlertmanagerURL(active[0]), "https://am1:9093/prefix/api/v2/alerts");
  EXPECT_EQ(AlertmanagerURL(active[1]), "https://am2:9093/prefix/api/v2/alerts");
}

TEST(AlertmanagerTest, RelabelKeepsRewritesAndDrops) {
  auto cfg = LoadAM(
      "    - relabel_configs:\n"
      "        - source_labels: [zone]\n"
      "          regex: b\n"
      "          action: drop\n"
      "        - source_labels: [__address__]\n"
      "          regex: '(.*):9093'\n"
      "          target_label: __address__\n"
      "          replacement: '${1}:19093'\n"
      "        - target_label: __alerts_path__\n"
      "          replacement: /custom/api/v2/alerts\n");
  targetgroup::Group g = Group({"am1:9093", "am2:9093"}, labels::Labels{{"zone", "a"}});
  g.targets[1] = labels::Labels{{"__address__", "am2:9093"}, {"zone", "b"}};  // target label wins
  std::vector<labels::Labels> active, dropped;
  ASSERT_TRUE(AlertmanagersFromGroup(g, cfg, &active, &dropped).ok());
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(AlertmanagerURL(active[0]), "http://am1:19093/custom/api/v2/alerts");
  ASSERT_EQ(dropped.size(), 1u);
  // Dropped ones keep their labels from before relabeling.
  EXPECT_EQ(AlertmanagerURL(dropped[0]), "http://am2:9093/api/v2/alerts");
  EXPECT_EQ(dropped[0].Get("zone"), "b");
}

TEST(AlertmanagerTest, GroupSchemeLabelOverridesConfig) {
  auto cfg = LoadAM("    - scheme: http\n");
  std::vector<labels::Labels> active, dropped;
  ASSERT_TRUE(
      AlertmanagersFromGroup(Group({"am:1"}, labels::Labels{{"__scheme__", "https"}}), cfg, &active, &dropped).ok());
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(AlertmanagerURL(active[0]), "https://am:1/api/v2/alerts");
}

TEST(AlertmanagerTest, InvalidAddressFailsTheGroup) {
  auto cfg = LoadAM(
      "    - relabel_configs:\n"
      "        - target_label: __address__\n"
      "          replacement: 'host/path'\n");
  std::vector<labels::Labels> active, dropped;
  Status st = AlertmanagersFromGroup(Group({"am:1", "am:2"}), cfg, &active, &dropped);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.ToString().find("\"host/path\" is not a valid hostname"), std::string::npos) << st.ToString();
  EXPECT_TRUE(active.empty());
}

}  // namespace
}  // namespace ward::notifier
