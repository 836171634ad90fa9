#include "model/labels/labels.h"

#include <gtest/gtest.h>

#include "model/labels/matcher.h"

namespace ward::labels {
namespace {

TEST(LabelsTest, SortedGetAndString) {
  Labels ls{{"job", "etcd"}, {"__name__", "up"}, {"instance", "a:1"}};
  ASSERT_EQ(ls.size(), 3u);
  EXPECT_EQ(ls[0].name, "__name__");
  EXPECT_EQ(ls.Get("job"), "etcd");
  EXPECT_EQ(ls.Get("missing"), "");
  EXPECT_EQ(ls.ToString(), R"({__name__="up", instance="a:1", job="etcd"})");
  Labels q{{"a", "x\"y\n"}};
  EXPECT_EQ(q.ToString(), R"({a="x\"y\n"})");
}

TEST(LabelsTest, HashAndCompare) {
  Labels a{{"a", "1"}, {"b", "2"}};
  Labels b{{"b", "2"}, {"a", "1"}};
  Labels c{{"a", "12"}};
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.Hash(), b.Hash());
  EXPECT_NE(a.Hash(), c.Hash());
  // "a"="1","b"="2" must not collide with "a"="1b","" style concatenations.
  Labels d{{"a", "1b"}};
  EXPECT_NE(a.Hash(), d.Hash());
  EXPECT_LT(Labels::Compare(a, c), 0);
  EXPECT_EQ(a.HashForLabels({"a"}), Labels({{"a", "1"}, {"z", "9"}}).HashForLabels({"a"}));
}

TEST(LabelsTest, BuilderSetDelete) {
  Labels base{{"a", "1"}, {"b", "2"}};
  Builder b(base);
  b.Set("c", "3").Set("a", "").Set("b", "two");
  EXPECT_EQ(b.Build().ToString(), R"({b="two", c="3"})");
}

TEST(MatcherTest, AnchoredRegex) {
  auto m = Matcher::Make(MatchType::kRegexMatch, "job", "etc.");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->Matches("etcd"));
  EXPECT_FALSE(m->Matches("etcd2"));
  EXPECT_FALSE(m->Matches("xetcd"));
  auto nl = Matcher::Make(MatchType::kRegexMatch, "x", "a.b");
  EXPECT_TRUE(nl->Matches("a\nb"));
  auto nm = Matcher::Make(MatchType::kRegexNoMatch, "job", "a|b");
  EXPECT_TRUE(nm->Matches("c"));
  EXPECT_FALSE(nm->Matches("a"));
  EXPECT_TRUE(Matcher::Make(MatchType::kRegexMatch, "x", ".*")->MatchesEmpty());
  EXPECT_FALSE(Matcher::Make(MatchType::kRegexMatch, "x", "(").ok());
  EXPECT_EQ(nm->ToString(), R"(job!~"a|b")");
}

}  // namespace
}  // namespace ward::labels
