#include "tsdb/postings.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

namespace ward::tsdb {
namespace {

using labels::Matcher;
using labels::MatchType;

class TsdbPostingsTest : public ::testing::Test {
 protected:
  // Series i has the labels given; ids are 0, 1, 2, ...
  void AddSeries(std::vector<std::pair<std::string, std::string>> ls) {
    std::sort(ls.begin(), ls.end());
    std::vector<uint32_t> pairs;
    for (auto& [n, v] : ls) {
      pairs.push_back(syms_.Intern(n));
      pairs.push_back(syms_.Intern(v));
    }
    series_.push_back(std::map<std::string, std::string>(ls.begin(), ls.end()));
    postings_.Add(static_cast<uint32_t>(series_.size() - 1), pairs.data(), ls.size());
  }
  std::vector<uint32_t> Select(std::vector<Matcher> ms) {
    Roaring r = postings_.ForMatchers(ms);
    std::vector<uint32_t> out(r.begin(), r.end());
    return out;
  }
  static Matcher M(MatchType t, std::string n, std::string v) { return *Matcher::Make(t, n, v); }

  SymbolTable syms_;
  MemPostings postings_{&syms_};
  std::vector<std::map<std::string, std::string>> series_;
};

TEST_F(TsdbPostingsTest, SymbolTableInternsOnce) {
  uint32_t a = syms_.Intern("abc");
  uint32_t b = syms_.Intern("def");
  EXPECT_NE(a, b);
  EXPECT_EQ(a, syms_.Intern(std::string("abc")));
  EXPECT_EQ(syms_.Get(a), "abc");
  EXPECT_EQ(syms_.Get(b), "def");
  std::string big(100000, 'x');
  uint32_t c = syms_.Intern(big);
  EXPECT_EQ(syms_.Get(c), big);
  EXPECT_EQ(syms_.Get(a), "abc");
  uint32_t e = syms_.Intern("");
  EXPECT_EQ(syms_.Get(e), "");
  uint32_t found;
  EXPECT_TRUE(syms_.Find("def", &found));
  EXPECT_EQ(found, b);
  EXPECT_FALSE(syms_.Find("nope", &found));
}

TEST_F(TsdbPostingsTest, AllMatcherKinds) {
  AddSeries({{"__name__", "up"}, {"job", "a"}, {"env", "prod"}});  // 0
  AddSeries({{"__name__", "up"}, {"job", "b"}});                   // 1
  AddSeries({{"__name__", "up"}, {"job", "a"}, {"env", "dev"}});   // 2
  AddSeries(
      {{"__name__", "down"}, {"job", "c"}, {"env", ""}});  // 3 (empty value = absent in practice)
  AddSeries({{"__name__", "down"}, {"job", "b"}, {"env", "prod"}});  // 4

  using V = std::vector<uint32_t>;
  EXPECT_EQ(Select({M(MatchType::kEqual, "__name__", "up")}), (V{0, 1, 2}));
  EXPECT_EQ(Select({M(MatchType::kEqual, "__name__", "up"), M(MatchType::kEqual, "job", "a")}),
            (V{0, 2}));
  EXPECT_EQ(Select({M(MatchType::kEqual, "__name__", "nope")}), V{});
  EXPECT_EQ(Select({M(MatchType::kNotEqual, "job", "a")}), (V{1, 3, 4}));
  EXPECT_EQ(Select({M(MatchType::kRegexMatch, "job", "a|b")}), (V{0, 1, 2, 4}));
  EXPECT_EQ(Select({M(MatchType::kRegexNoMatch, "job", "a|b")}), (V{3}));
  // env="" selects series without env (1) and with an empty env (3).
  EXPECT_EQ(Select({M(MatchType::kEqual, "env", "")}), (V{1, 3}));
  // env!="" selects series with a non-empty env.
  EXPECT_EQ(Select({M(MatchType::kNotEqual, "env", "")}), (V{0, 2, 4}));
  // env=~".*" matches everything, env=~".+" only set ones.
  EXPECT_EQ(Select({M(MatchType::kRegexMatch, "env", ".*")}), (V{0, 1, 2, 3, 4}));
  EXPECT_EQ(Select({M(MatchType::kRegexMatch, "env", ".+")}), (V{0, 2, 4}));
  // env!~"prod" keeps series lacking env.
  EXPECT_EQ(Select({M(MatchType::kRegexNoMatch, "env", "prod")}), (V{1, 2, 3}));
  // env=~"prod|" : prod or absent.
  EXPECT_EQ(Select({M(MatchType::kRegexMatch, "env", "prod|")}), (V{0, 1, 3, 4}));
  // Regexes are anchored.
  EXPECT_EQ(Select({M(MatchType::kRegexMatch, "job", "a.*")}), (V{0, 2}));
  EXPECT_EQ(Select({M(MatchType::kRegexMatch, "__name__", "u")}), V{});
  // Combination with a must-be-set label and a negative matcher on it.
  EXPECT_EQ(Select({M(MatchType::kRegexMatch, "env", ".+"), M(MatchType::kNotEqual, "env", "dev")}),
            (V{0, 4}));
  // Unknown label: = "" matches all, != "x" matches all, = "x" nothing.
  EXPECT_EQ(Select({M(MatchType::kEqual, "zzz", "")}), (V{0, 1, 2, 3, 4}));
  EXPECT_EQ(Select({M(MatchType::kNotEqual, "zzz", "x")}), (V{0, 1, 2, 3, 4}));
  EXPECT_EQ(Select({M(MatchType::kEqual, "zzz", "x")}), V{});
  // No matchers select nothing.
  EXPECT_EQ(Select({}), V{});

  EXPECT_EQ(postings_.LabelNames(), (std::vector<std::string>{"__name__", "env", "job"}));
  EXPECT_EQ(postings_.LabelValues("job"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(postings_.LabelValues("nope").empty());
  Roaring all = postings_.All();
  EXPECT_EQ(all.cardinality(), 5u);
}

// Checks ForMatchers against a brute-force evaluation on random data.
TEST_F(TsdbPostingsTest, RandomAgainstBruteForce) {
  std::mt19937 rng(42);
  const char* names[] = {"a", "b", "c"};
  const char* values[] = {"", "x", "y", "z", "xy"};
  for (int i = 0; i < 300; ++i) {
    std::vector<std::pair<std::string, std::string>> ls;
    for (const char* n : names) {
      std::string v = values[rng() % 5];
      if (!v.empty()) ls.emplace_back(n, v);
    }
    if (ls.empty()) ls.emplace_back("a", "x");
    AddSeries(ls);
  }
  const MatchType types[] = {MatchType::kEqual, MatchType::kNotEqual, MatchType::kRegexMatch,
                             MatchType::kRegexNoMatch};
  const char* patterns[] = {"", "x", "y", "x.*", ".*", ".+", "x|", "z|y"};
  for (int q = 0; q < 500; ++q) {
    std::vector<Matcher> ms;
    int n = 1 + rng() % 3;
    for (int k = 0; k < n; ++k) {
      MatchType t = types[rng() % 4];
      std::string pat = patterns[rng() % 8];
      if (t == MatchType::kEqual || t == MatchType::kNotEqual) {
        if (pat.find_first_of(".*|+") != std::string::npos) pat = "x";
      }
      ms.push_back(M(t, names[rng() % 3], pat));
    }
    std::vector<uint32_t> want;
    for (uint32_t id = 0; id < series_.size(); ++id) {
      bool ok = true;
      for (const Matcher& m : ms) {
        auto it = series_[id].find(m.name());
        if (!m.Matches(it == series_[id].end() ? "" : it->second)) ok = false;
      }
      if (ok) want.push_back(id);
    }
    std::string desc;
    for (const Matcher& m : ms) desc += m.ToString() + " ";
    EXPECT_EQ(Select(ms), want) << desc;
  }
}


// Values held by one series are stored inline, values of several series as
// bitmaps; both kinds go through every transition (1 -> 2 series -> 0, a
// value coming back, ids too large to store inline) and mix in unions.
TEST_F(TsdbPostingsTest, SingleSeriesValuesAndBitmapsAcrossAddAndDelete) {
  using V = std::vector<uint32_t>;
  auto ids = [](const Roaring& r) { return V(r.begin(), r.end()); };
  const uint32_t n_id = syms_.Intern("id"), n_job = syms_.Intern("job");
  const uint32_t v_a = syms_.Intern("a"), v_b = syms_.Intern("b"), v_x = syms_.Intern("x");
  // Series 0..3: id=<i> (one series each), job=x (all of them).
  std::vector<uint32_t> vals;
  for (uint32_t i = 0; i < 4; ++i) vals.push_back(syms_.Intern("v" + std::to_string(i)));
  for (uint32_t i = 0; i < 4; ++i) {
    uint32_t pairs[] = {n_id, vals[i], n_job, v_x};
    postings_.Add(i, pairs, 2);
  }
  EXPECT_EQ(ids(postings_.Get("id", "v2")), V{2});
  EXPECT_EQ(ids(postings_.Get("job", "x")), (V{0, 1, 2, 3}));
  // A regex over single-series values and a bitmap value together.
  EXPECT_EQ(Select({M(MatchType::kRegexMatch, "id", "v1|v3")}), (V{1, 3}));
  EXPECT_EQ(Select({M(MatchType::kNotEqual, "id", "v0")}), (V{1, 2, 3}));
  // A second series with id=v2 turns the value into a bitmap; removing one
  // leaves the other; removing both drops the value.
  uint32_t dup[] = {n_id, vals[2], n_job, v_a};
  postings_.Add(10, dup, 2);
  EXPECT_EQ(ids(postings_.Get("id", "v2")), (V{2, 10}));
  postings_.Delete(2, std::vector<uint32_t>{n_id, vals[2], n_job, v_x}.data(), 2);
  EXPECT_EQ(ids(postings_.Get("id", "v2")), V{10});
  postings_.Delete(10, dup, 2);
  EXPECT_TRUE(postings_.Get("id", "v2").isEmpty());
  EXPECT_TRUE(postings_.Get("job", "a").isEmpty());
  EXPECT_EQ(postings_.LabelValues("id"), (std::vector<std::string>{"v0", "v1", "v3"}));
  EXPECT_EQ(postings_.LabelNames(), (std::vector<std::string>{"id", "job"}));
  // The freed bitmap slot is reused, and the value comes back.
  uint32_t again[] = {n_id, vals[2], n_job, v_b};
  postings_.Add(11, again, 2);
  postings_.Add(12, again, 2);
  EXPECT_EQ(ids(postings_.Get("id", "v2")), (V{11, 12}));
  EXPECT_EQ(ids(postings_.Get("job", "b")), (V{11, 12}));
  // Ids with the top bit set cannot be stored inline.
  const uint32_t big = 0x80000005u;
  uint32_t bigpairs[] = {n_id, syms_.Intern("huge"), n_job, v_x};
  postings_.Add(big, bigpairs, 2);
  EXPECT_EQ(ids(postings_.Get("id", "huge")), V{big});
  EXPECT_EQ(Select({M(MatchType::kRegexMatch, "id", "huge|v0")}), (V{0, big}));
  postings_.Delete(big, bigpairs, 2);
  EXPECT_TRUE(postings_.Get("id", "huge").isEmpty());
  EXPECT_EQ(ids(postings_.Get("job", "x")), (V{0, 1, 3}));
  // Single-series values load through AddBatch too.
  std::vector<MemPostings::Entry> batch;
  uint32_t b1[] = {n_id, syms_.Intern("w1")}, b2[] = {n_id, syms_.Intern("w2")};
  batch.push_back({20, b1, 1});
  batch.push_back({21, b2, 1});
  batch.push_back({22, b2, 1});
  postings_.AddBatch(batch);
  EXPECT_EQ(ids(postings_.Get("id", "w1")), V{20});
  EXPECT_EQ(ids(postings_.Get("id", "w2")), (V{21, 22}));
}

TEST_F(TsdbPostingsTest, SymbolsOfEveryLengthRoundTrip) {
  // Lengths around the 1- and 2-byte length prefixes and the arena's
  // own-block threshold.
  std::vector<std::pair<uint32_t, std::string>> got;
  for (size_t len : {0, 1, 127, 128, 129, 16383, 16384, 16385, 40000}) {
    std::string s(len, static_cast<char>('a' + len % 26));
    got.emplace_back(syms_.Intern(s), s);
  }
  for (const auto& [id, s] : got) {
    EXPECT_EQ(syms_.Get(id), s);
    uint32_t found;
    ASSERT_TRUE(syms_.Find(s, &found));
    EXPECT_EQ(found, id);
  }
  EXPECT_EQ(syms_.size(), got.size());
}

}  // namespace
}  // namespace ward::tsdb
