// The known-series fast path of the text parser (Parser::SetKnownSeries):
// with any set of known series bytes, parsing must give exactly the entries,
// values, labels and errors of the full parse.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include "model/textparse/promparse.h"
#include "model/textparse/test_util.h"

namespace ward::textparse {
namespace {

using testing::Item;
using testing::ParseAll;

struct KnownSet {
  std::set<std::string, std::less<>> series;
  size_t asked = 0;
  static void* Fn(void* ctx, std::string_view s) {
    auto* k = static_cast<KnownSet*>(ctx);
    k->asked++;
    auto it = k->series.find(s);
    // Any non-null tag: the address of the stored copy.
    return it == k->series.end() ? nullptr : const_cast<std::string*>(&*it);
  }
};

std::string Describe(const std::vector<Item>& items, const Status& st) {
  std::string out;
  for (const Item& it : items) {
    out += std::to_string(static_cast<int>(it.entry)) + "|" + it.m + "|" +
           (it.ts ? std::to_string(*it.ts) : "-") + "|";
    uint64_t bits;
    std::memcpy(&bits, &it.v, 8);
    out += std::to_string(bits) + "|" + it.lset + "|" + it.help + "\n";
  }
  return out + "status: " + st.ToString();
}

std::vector<std::string> SeriesOf(std::string_view body) {
  PromParser p(body);
  Status st;
  std::vector<std::string> out;
  for (const Item& it : ParseAll(p, &st)) {
    if (it.entry == Entry::kSeries) out.push_back(it.m);
  }
  return out;
}

// Parses `body` in full and with `known`; both must agree. Returns how many
// entries came through the fast path.
size_t CheckSame(std::string_view body, KnownSet* known) {
  PromParser slow(body);
  Status slow_st;
  std::vector<Item> want = ParseAll(slow, &slow_st);

  PromParser fast(body);
  fast.SetKnownSeries(&KnownSet::Fn, known);
  Status fast_st;
  std::vector<Item> got;
  size_t tagged = 0;
  for (;;) {
    Result<Entry> r = fast.Next();
    if (!r.ok()) {
      fast_st = r.status();
      break;
    }
    if (*r == Entry::kEOF) break;
    Item it;
    it.entry = *r;
    if (*r == Entry::kSeries) {
      std::string_view s;
      fast.Series(&s, &it.ts, &it.v);
      it.m = std::string(s);
      if (fast.Known() != nullptr) {
        tagged++;
        EXPECT_EQ(*static_cast<std::string*>(fast.Known()), it.m);
      }
      labels::Labels ls;
      fast.Metric(&ls);
      it.lset = ls.ToString();
    } else if (*r == Entry::kHelp) {
      std::string_view m;
      fast.Help(&m, &it.help);
      it.m = std::string(m);
    } else if (*r == Entry::kType) {
      std::string_view m;
      fast.Type(&m, &it.typ);
      it.m = std::string(m);
    }
    got.push_back(std::move(it));
  }
  // test_util's Item also records comments/exemplars; compare what both fill.
  for (Item& it : want) {
    if (it.entry != Entry::kSeries && it.entry != Entry::kHelp && it.entry != Entry::kType) {
      Item blank;
      blank.entry = it.entry;
      it = blank;
    }
  }
  EXPECT_EQ(Describe(want, slow_st), Describe(got, fast_st)) << "body:\n" << body;
  return tagged;
}

constexpr std::string_view kTricky =
    "# HELP a_total Help with \\\\ and \\n.\n"
    "# TYPE a_total counter\n"
    "a_total 1\n"
    "a_total{x=\"1\"} 2 1700000000000\n"
    "a_total{x=\"}\",y=\"{\\\"q\\\"}\"} 3\n"
    "a_total{x=\"1\" , y=\"2\",} 4\n"
    "a_total {x=\"2\"} 5\n"
    "b\t7\n"
    "b{} 8\n"
    "b{x=\"multi\nline\"} 9\n"
    "c{le=\"+Inf\"} NaN\n"
    "c{le=\"1\"} -Inf 12\n"
    "d{x=\"\xc3\xa9\"} 1e3\n"
    "\n"
    "# a comment\n"
    "e{x=\"1\"}    +Inf   \n";

TEST(KnownSeriesTest, SameEntriesAsFullParse) {
  std::vector<std::string> all = SeriesOf(kTricky);
  ASSERT_EQ(all.size(), 12u) << [] {
    PromParser p(kTricky);
    Status st;
    ParseAll(p, &st);
    return st.ToString();
  }();
  KnownSet none;
  EXPECT_EQ(CheckSame(kTricky, &none), 0u);
  EXPECT_GT(none.asked, 0u);
  KnownSet every;
  every.series.insert(all.begin(), all.end());
  // Every line but `a_total {x="2"}` (blank before the brace), the '}'
  // inside a value and the value with a newline is fast.
  EXPECT_EQ(CheckSame(kTricky, &every), 9u);
  // Every subset of one series.
  for (const std::string& s : all) {
    KnownSet one;
    one.series.insert(s);
    CheckSame(kTricky, &one);
  }
}

TEST(KnownSeriesTest, PrefixOfAnotherLineIsNotTakenForIt) {
  // `a` is known, but `a {x="2"} 5` is another series.
  KnownSet k;
  k.series.insert("a");
  CheckSame("a 1\na {x=\"2\"} 5\n", &k);
  CheckSame("a 1\na{x=\"2\"} 5\n", &k);
}

TEST(KnownSeriesTest, ErrorsAfterAKnownSeriesAreTheSame) {
  KnownSet k;
  k.series.insert("a{x=\"1\"}");
  k.series.insert("a");
  for (std::string_view body :
       {"a{x=\"1\"} \n", "a{x=\"1\"} 1 2 3\n", "a{x=\"1\"} zz\n", "a{x=\"1\"} 1 x\n",
        "a 1 -5\n", "a{x=\"1\"} 1e999999\n", "a{x=\"1\"} 1 99999999999999999999\n",
        "a{x=\"1\"} 0x1p-3\n", "a{x=\"1\"}", "a{x=\"1\"} 1"}) {
    CheckSame(body, &k);
  }
}


TEST(KnownSeriesTest, FixturesAndMutationsAgree) {
  std::string body = testing::ReadSharedFixture("etcd-3.4-metrics.txt");
  if (body.empty()) {
    GTEST_SKIP() << "fixture etcd-3.4-metrics.txt not found under ../shared/fixtures "
                    "(shared test data absent)";
  }
  KnownSet k;
  for (std::string& s : SeriesOf(body)) k.series.insert(std::move(s));
  ASSERT_GT(k.series.size(), 100u);
  EXPECT_GT(CheckSame(body, &k), 100u);
  // Mutated bodies: the known set stays the one of the clean body, so known
  // series bytes now sit next to broken values, cut lines and stray bytes.
  std::mt19937 rng(7);
  const std::string alphabet = " \t\n{}\",=\\#x1.e+-\xff";
  for (int i = 0; i < 300; i++) {
    std::string m = body.substr(0, std::min<size_t>(body.size(), 4000 + rng() % 4000));
    for (int j = 0; j < 3; j++) m[rng() % m.size()] = alphabet[rng() % alphabet.size()];
    CheckSame(m, &k);
    if (::testing::Test::HasFailure()) break;
  }
}

}  // namespace
}  // namespace ward::textparse
