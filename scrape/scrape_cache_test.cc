#include "scrape/scrape_cache.h"

#include <gtest/gtest.h>

#include <set>

namespace ward::scrape {
namespace {

// The one-letter series names of these tests double as their refs.
storage::SeriesRef RefOf(const std::string& s) { return static_cast<unsigned char>(s[0]); }
std::string NameOf(const ScrapeCache::Entry& e) { return std::string(1, static_cast<char>(e.ref)); }

// Runs one scrape exposing `series`; returns the series that went stale.
std::set<std::string> Scrape(ScrapeCache& c, const std::vector<std::string>& series, bool ok) {
  c.BeginScrape();
  for (const auto& s : series) {
    ScrapeCache::Entry* e = c.Get(s);
    if (!e) {
      e = c.Add(s, false);
      e->ref = RefOf(s);
    }
    c.MarkSeen(e, true);
  }
  std::set<std::string> stale;
  c.EndScrape(ok, [&](const ScrapeCache::Entry& e) { stale.insert(NameOf(e)); });
  return stale;
}

TEST(ScrapeCacheTest, LookupByRawBytes) {
  ScrapeCache c;
  c.BeginScrape();
  EXPECT_EQ(c.Get("a{x=\"1\"}"), nullptr);
  auto* e = c.Add("a{x=\"1\"}", false);
  e->ref = 7;
  ASSERT_NE(c.Get("a{x=\"1\"}"), nullptr);
  EXPECT_EQ(c.Get("a{x=\"1\"}")->ref, 7u);
  EXPECT_EQ(c.Get("a{x=\"2\"}"), nullptr);
}

TEST(ScrapeCacheTest, VanishedSeriesGoStaleOnce) {
  ScrapeCache c;
  EXPECT_TRUE(Scrape(c, {"a", "b", "c"}, true).empty());
  EXPECT_EQ(Scrape(c, {"a", "c"}, true), (std::set<std::string>{"b"}));
  EXPECT_TRUE(Scrape(c, {"a", "c"}, true).empty());
  // b comes back, then goes again.
  EXPECT_TRUE(Scrape(c, {"a", "b", "c"}, true).empty());
  EXPECT_EQ(Scrape(c, {"c"}, true), (std::set<std::string>{"a", "b"}));
}

TEST(ScrapeCacheTest, FailedScrapeMarksEveryPreviousSeries) {
  ScrapeCache c;
  Scrape(c, {"a", "b"}, true);
  // A failed scrape that had partly parsed "a" still marks both.
  EXPECT_EQ(Scrape(c, {"a"}, false), (std::set<std::string>{"a", "b"}));
  // Another failure marks nothing more.
  EXPECT_TRUE(Scrape(c, {}, false).empty());
  // Recovery: nothing is stale; then normal tracking resumes.
  EXPECT_TRUE(Scrape(c, {"a", "b"}, true).empty());
  EXPECT_EQ(Scrape(c, {"b"}, true), (std::set<std::string>{"a"}));
}

TEST(ScrapeCacheTest, ExplicitTimestampsAreNotTracked) {
  ScrapeCache c;
  c.BeginScrape();
  auto* e = c.Add("t", false);
  c.MarkSeen(e, false);
  c.EndScrape(true, [](const ScrapeCache::Entry&) {});
  int stale = 0;
  c.BeginScrape();
  c.EndScrape(true, [&](const ScrapeCache::Entry&) { ++stale; });
  EXPECT_EQ(stale, 0);
}

TEST(ScrapeCacheTest, DroppedSeriesNeverStale) {
  ScrapeCache c;
  c.BeginScrape();
  c.MarkSeen(c.Add("d", true), false);
  c.EndScrape(true, [](const ScrapeCache::Entry&) {});
  int stale = 0;
  c.BeginScrape();
  c.EndScrape(false, [&](const ScrapeCache::Entry&) { ++stale; });
  EXPECT_EQ(stale, 0);
}

TEST(ScrapeCacheTest, ForEachCurrentAndForgetting) {
  ScrapeCache c;
  Scrape(c, {"a", "b"}, true);
  std::set<std::string> cur;
  c.ForEachCurrent([&](const ScrapeCache::Entry& e) { cur.insert(NameOf(e)); });
  EXPECT_EQ(cur, (std::set<std::string>{"a", "b"}));
  // Entries unseen for many scrapes are forgotten.
  for (int i = 0; i < 12; ++i) Scrape(c, {"a"}, true);
  EXPECT_EQ(c.size(), 1u);
}

// Many series, in shifting orders, with a target that shrinks (its unseen
// entries are forgotten and the slots packed) and a move in between: every
// lookup finds the entry of exactly its series.
TEST(ScrapeCacheTest, OrderChurnShrinkAndMove) {
  auto name = [](int i) { return "m{i=\"" + std::to_string(i) + "\"}"; };
  ScrapeCache c;
  auto scrape = [&](const std::vector<int>& ids) {
    c.BeginScrape();
    for (int i : ids) {
      std::string s = name(i);
      ScrapeCache::Entry* e = c.Get(s);
      if (e == nullptr) {
        e = c.Add(s, false);
        e->ref = static_cast<storage::SeriesRef>(i) + 1;
      }
      ASSERT_EQ(e->ref, static_cast<storage::SeriesRef>(i) + 1) << s;
      c.MarkSeen(e, true);
    }
    c.EndScrape(true, [](const ScrapeCache::Entry&) {});
  };
  std::vector<int> all(5000);
  for (int i = 0; i < 5000; i++) all[i] = i;
  scrape(all);
  std::vector<int> rev(all.rbegin(), all.rend());
  scrape(rev);  // every cursor guess misses: the index answers
  EXPECT_EQ(c.size(), 5000u);
  std::vector<int> few;
  for (int i = 0; i < 5000; i += 7) few.push_back(i);
  for (int k = 0; k < 12; k++) scrape(few);  // the others are forgotten, slots packed
  EXPECT_EQ(c.size(), few.size());
  c.BeginScrape();
  EXPECT_EQ(c.Get(name(1)), nullptr);
  ASSERT_NE(c.Get(name(7)), nullptr);
  EXPECT_EQ(c.Get(name(7))->ref, 8u);
  ScrapeCache moved(std::move(c));
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(moved.size(), few.size());
  moved.BeginScrape();
  ASSERT_NE(moved.Get(name(14)), nullptr);
  EXPECT_EQ(moved.Get(name(14))->ref, 15u);
  // New series reuse free slots and are found again.
  c = std::move(moved);
  scrape(all);
  EXPECT_EQ(c.size(), 5000u);
  scrape(all);
}

}  // namespace
}  // namespace ward::scrape
