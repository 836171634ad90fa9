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

}  // namespace
}  // namespace ward::tsdb
