#include "discovery/targetgroup/targetgroup.h"

#include <gtest/gtest.h>

namespace ward::targetgroup {
namespace {

TEST(TargetGroupTest, ParsesJson) {
  auto groups = ParseGroups(R"([
    {"targets": ["localhost:9090", "example.org:443"], "labels": {"foo": "bar", "env": "prod"}},
    {"targets": ["my.domain:9100"], "extra": "ignored in JSON"}
  ])",
                            true);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(groups->size(), 2u);
  const Group& g = (*groups)[0];
  ASSERT_EQ(g.targets.size(), 2u);
  EXPECT_EQ(g.targets[0].ToString(), R"({__address__="localhost:9090"})");
  EXPECT_EQ(g.targets[1].Get(kAddressLabel), "example.org:443");
  EXPECT_EQ(g.labels.ToString(), R"({env="prod", foo="bar"})");
  EXPECT_TRUE((*groups)[1].labels.empty());
  EXPECT_TRUE(g.source.empty());
}

TEST(TargetGroupTest, ParsesYaml) {
  auto groups = ParseGroups(
      "- targets: ['a:1', 'b:2']\n"
      "  labels:\n"
      "    job: x\n"
      "- targets: []\n",
      false);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].targets.size(), 2u);
  EXPECT_EQ((*groups)[0].labels.Get("job"), "x");
  EXPECT_TRUE((*groups)[1].targets.empty());
}

TEST(TargetGroupTest, EmptyFileIsNoGroups) {
  auto groups = ParseGroups("", false);
  ASSERT_TRUE(groups.ok());
  EXPECT_TRUE(groups->empty());
  groups = ParseGroups("[]", true);
  ASSERT_TRUE(groups.ok());
  EXPECT_TRUE(groups->empty());
}

TEST(TargetGroupTest, Errors) {
  struct Case {
    const char* content;
    bool json;
    const char* error;
  };
  const Case cases[] = {
      {"{\"targets\": [\"a\"]}", true, "file must contain a list of target groups"},
      {"[{\"targets\": \"a:1\"}]", true, "\"targets\" must be a list of strings"},
      {"[{\"targets\": [\"a:1\"], \"labels\": {\"\": \"x\"}}]", true,
       "\"\" is not a valid label name"},
      {"- targets: ['a:1']\n  lables: {a: b}\n", false, "line 2: field lables not found"},
      {"- targets: ['a:1']\n-\n", false, "nil target group item found"},
      {"[{\"targets\": [\"a:1\"", true, "json: line 1"},
      {"- targets: [a\n", false, "yaml: line"},
      {"[{\"labels\": [1, 2]}]", true, "\"labels\" must be a map of strings"},
      {"[{\"targets\": [[\"a\"]]}]", true, "\"targets\" must be a list of strings"},
  };
  for (const auto& c : cases) {
    auto groups = ParseGroups(c.content, c.json);
    ASSERT_FALSE(groups.ok()) << c.content;
    EXPECT_NE(groups.status().ToString().find(c.error), std::string::npos)
        << c.content << " -> " << groups.status().ToString();
  }
}

}  // namespace
}  // namespace ward::targetgroup
