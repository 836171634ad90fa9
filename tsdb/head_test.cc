#include "tsdb/head.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <thread>

#include "tsdb/head_read.h"
#include "tsdb/test_util.h"

namespace ward::tsdb {
namespace {

using labels::Labels;
using labels::Matcher;
using labels::MatchType;

using testing::Sample;
using testing::SeriesMap;

Matcher M(MatchType t, const std::string& n, const std::string& v) {
  return *Matcher::Make(t, n, v);
}

// Reads a whole select into a map, checking sort order.
SeriesMap Query(storage::Queryable& q, int64_t mint, int64_t maxt, const std::vector<Matcher>& ms) {
  auto querier = q.NewQuerier(mint, maxt);
  EXPECT_TRUE(querier.ok());
  auto ss = (*querier)->Select(true, nullptr, ms);
  SeriesMap out;
  Labels prev;
  bool first = true;
  while (ss->Next()) {
    const auto& s = ss->At();
    if (!first) {
      EXPECT_LT(Labels::Compare(prev, s.Labels()), 0) << "series not sorted";
    }
    first = false;
    prev = s.Labels();
    auto it = s.Iterator();
    std::vector<Sample> samples;
    while (it->Next() == storage::ValueType::kFloat) {
      Sample smp;
      it->At(&smp.t, &smp.v);
      samples.push_back(smp);
    }
    EXPECT_TRUE(it->Err().ok()) << it->Err().ToString();
    out[s.Labels()] = std::move(samples);
  }
  EXPECT_TRUE(ss->Err().ok());
  return out;
}

class TsdbHeadTest : public ::testing::Test {
 protected:
  Head head_{HeadOptions{}, nullptr, nullptr};
};

TEST_F(TsdbHeadTest, AppendAndQueryRoundTrip) {
  Labels a{{"__name__", "up"}, {"job", "a"}};
  Labels b{{"__name__", "up"}, {"job", "b"}};
  Labels c{{"__name__", "other"}, {"job", "a"}};
  auto app = head_.NewAppender();
  auto ra = app->Append(0, a, 1000, 1);
  ASSERT_TRUE(ra.ok());
  ASSERT_TRUE(app->Append(0, b, 1000, 2).ok());
  ASSERT_TRUE(app->Append(0, c, 1000, 3).ok());
  // Cached ref: labels may be empty.
  ASSERT_TRUE(app->Append(*ra, Labels(), 2000, 1.5).ok());
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(head_.NumSeries(), 3u);
  EXPECT_EQ(head_.MinTime(), 1000);
  EXPECT_EQ(head_.MaxTime(), 2000);
  EXPECT_EQ(head_.stats().samples_appended.load(), 4u);

  SeriesMap got = Query(head_, 0, 10000, {M(MatchType::kEqual, "__name__", "up")});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[a], (std::vector<Sample>{{1000, 1}, {2000, 1.5}}));
  EXPECT_EQ(got[b], (std::vector<Sample>{{1000, 2}}));
  // Time range filtering.
  got = Query(head_, 1500, 10000, {M(MatchType::kEqual, "job", "a")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[a], (std::vector<Sample>{{2000, 1.5}}));
  // A range outside the head returns nothing.
  EXPECT_TRUE(Query(head_, 5000, 6000, {M(MatchType::kEqual, "job", "a")}).empty());

  auto q = *head_.NewQuerier(0, 10000);
  EXPECT_EQ(*q->LabelNames({}), (std::vector<std::string>{"__name__", "job"}));
  EXPECT_EQ(*q->LabelValues("job", {}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*q->LabelValues("job", {M(MatchType::kEqual, "__name__", "other")}),
            (std::vector<std::string>{"a"}));
  EXPECT_EQ(*q->LabelValues("__name__", {M(MatchType::kEqual, "job", "b")}),
            (std::vector<std::string>{"up"}));
}

TEST_F(TsdbHeadTest, Rejections) {
  Labels a{{"__name__", "x"}};
  {
    auto app = head_.NewAppender();
    ASSERT_TRUE(app->Append(0, a, 10'000'000, 1).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  auto app = head_.NewAppender();
  auto older = app->Append(0, a, 9'999'000, 1);
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.status().subcode(), StatusSubcode::kOutOfOrder);
  EXPECT_EQ(older.status().message(), "out of order sample");
  auto dup = app->Append(0, a, 10'000'000, 2);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().subcode(), StatusSubcode::kDuplicate);
  EXPECT_EQ(dup.status().message(), "duplicate sample for timestamp");
  // Same timestamp and value: accepted silently, nothing added.
  EXPECT_TRUE(app->Append(0, a, 10'000'000, 1).ok());
  // Older than max time - chunk_range/2: out of bounds.
  auto oob = app->Append(0, a, 10'000'000 - 3'600'001, 1);
  ASSERT_FALSE(oob.ok());
  EXPECT_EQ(oob.status().subcode(), StatusSubcode::kOutOfBounds);
  EXPECT_EQ(oob.status().message(), "out of bounds");
  // The batch stays usable.
  EXPECT_TRUE(app->Append(0, a, 10'001'000, 3).ok());
  ASSERT_TRUE(app->Commit().ok());
  SeriesMap got = Query(head_, 0, 20'000'000, {M(MatchType::kEqual, "__name__", "x")});
  EXPECT_EQ(got[a], (std::vector<Sample>{{10'000'000, 1}, {10'001'000, 3}}));
  EXPECT_EQ(head_.stats().out_of_order.load(), 1u);
  EXPECT_EQ(head_.stats().duplicates.load(), 1u);
  EXPECT_EQ(head_.stats().out_of_bounds.load(), 1u);
}

TEST_F(TsdbHeadTest, InBatchOutOfOrderDroppedAtCommit) {
  Labels a{{"__name__", "x"}};
  auto app = head_.NewAppender();
  ASSERT_TRUE(app->Append(0, a, 2000, 1).ok());
  ASSERT_TRUE(app->Append(0, a, 1000, 2).ok());  // checked against committed data only
  ASSERT_TRUE(app->Commit().ok());
  SeriesMap got = Query(head_, 0, 5000, {M(MatchType::kEqual, "__name__", "x")});
  EXPECT_EQ(got[a], (std::vector<Sample>{{2000, 1}}));
}

TEST_F(TsdbHeadTest, RollbackDiscardsSamples) {
  Labels a{{"__name__", "x"}};
  auto app = head_.NewAppender();
  ASSERT_TRUE(app->Append(0, a, 1000, 1).ok());
  ASSERT_TRUE(app->Rollback().ok());
  EXPECT_TRUE(Query(head_, 0, 5000, {M(MatchType::kEqual, "__name__", "x")}).empty());
  EXPECT_EQ(head_.NumSeries(), 1u);  // the series stays, as in Prometheus
}

TEST_F(TsdbHeadTest, EmptyLabelsRejected) {
  auto app = head_.NewAppender();
  EXPECT_FALSE(app->Append(0, Labels(), 1000, 1).ok());
  EXPECT_FALSE(app->Append(12345, Labels(), 1000, 1).ok());
}

TEST_F(TsdbHeadTest, EmptyLabelValuesAreDropped) {
  auto app = head_.NewAppender();
  auto r1 = app->Append(0, Labels{{"__name__", "x"}, {"a", ""}}, 1000, 1);
  ASSERT_TRUE(r1.ok());
  auto r2 = app->Append(0, Labels{{"__name__", "x"}}, 2000, 2);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(*r1, *r2);
  EXPECT_FALSE(app->Append(0, Labels{{"a", ""}}, 1000, 1).ok());
  auto dup = app->Append(0, Labels(std::vector<labels::Label>{{"a", "1"}, {"a", "2"}}), 1000, 1);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().message(), "invalid sample: label name \"a\" is not unique");
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(head_.NumSeries(), 1u);
}

TEST_F(TsdbHeadTest, StaleNaNBitsPreserved) {
  Labels a{{"__name__", "x"}};
  double stale = storage::StaleNaN();
  double other_nan = std::nan("7");
  auto app = head_.NewAppender();
  ASSERT_TRUE(app->Append(0, a, 1000, 1).ok());
  ASSERT_TRUE(app->Append(0, a, 2000, stale).ok());
  ASSERT_TRUE(app->Append(0, a, 3000, other_nan).ok());
  ASSERT_TRUE(app->Commit().ok());
  SeriesMap got = Query(head_, 0, 5000, {M(MatchType::kEqual, "__name__", "x")});
  ASSERT_EQ(got[a].size(), 3u);
  EXPECT_TRUE(storage::IsStaleNaN(got[a][1].v));
  EXPECT_FALSE(storage::IsStaleNaN(got[a][2].v));
  EXPECT_TRUE(std::isnan(got[a][2].v));
}

TEST_F(TsdbHeadTest, ChunksCutAt120SamplesAndAtRangeBoundary) {
  Labels a{{"__name__", "x"}};
  const int64_t step = 15'000;  // 480 samples per 2h range
  std::vector<Sample> want;
  for (int i = 0; i < 600; ++i) {
    auto app = head_.NewAppender();
    int64_t t = i * step;
    ASSERT_TRUE(app->Append(0, a, t, i * 0.5).ok());
    ASSERT_TRUE(app->Commit().ok());
    want.push_back({t, i * 0.5});
  }
  MemSeries* s = head_.GetByLabels(a, a.Hash());
  ASSERT_NE(s, nullptr);
  // [0, 2h) holds 480 samples: four full chunks of 120. Then the open chunk.
  ASSERT_EQ(s->full_chunks.size(), 4u);
  for (const ChunkMeta& c : s->full_chunks) {
    EXPECT_EQ(c.num_samples, 120);
    EXPECT_TRUE(c.in_memory);
  }
  EXPECT_EQ(s->full_chunks[3].maxt, 479 * step);
  ASSERT_TRUE(s->head_chunk.has_value());
  EXPECT_EQ(s->head_chunk->NumSamples(), 120);
  EXPECT_EQ(s->head_mint, 7'200'000);
  SeriesMap got = Query(head_, 0, 1'000'000'000, {M(MatchType::kEqual, "__name__", "x")});
  EXPECT_EQ(got[a], want);

  // Seek across chunks.
  auto q = *head_.NewQuerier(100 * step, 1'000'000'000);
  auto ss = q->Select(true, nullptr, {M(MatchType::kEqual, "__name__", "x")});
  ASSERT_TRUE(ss->Next());
  auto it = ss->At().Iterator();
  ASSERT_EQ(it->Seek(0), storage::ValueType::kFloat);
  EXPECT_EQ(it->AtT(), 100 * step);
  ASSERT_EQ(it->Seek(350 * step + 1), storage::ValueType::kFloat);
  EXPECT_EQ(it->AtT(), 351 * step);
  ASSERT_EQ(it->Seek(351 * step), storage::ValueType::kFloat);  // stays
  EXPECT_EQ(it->AtT(), 351 * step);
  ASSERT_EQ(it->Next(), storage::ValueType::kFloat);
  EXPECT_EQ(it->AtT(), 352 * step);
  ASSERT_EQ(it->Seek(599 * step), storage::ValueType::kFloat);
  EXPECT_EQ(it->AtT(), 599 * step);
  EXPECT_EQ(it->Seek(600 * step), storage::ValueType::kNone);
}

TEST_F(TsdbHeadTest, FastSamplesCutAt120) {
  Labels a{{"__name__", "x"}};
  auto app = head_.NewAppender();
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(app->Append(0, a, i, i).ok());
  ASSERT_TRUE(app->Commit().ok());
  MemSeries* s = head_.GetByLabels(a, a.Hash());
  ASSERT_NE(s, nullptr);
  for (const ChunkMeta& c : s->full_chunks) EXPECT_EQ(c.num_samples, 120);
  EXPECT_EQ(s->full_chunks.size(), 8u);
}

// Random workload checked against a naive model: random series, samples
// with occasional out-of-order and duplicate timestamps, random matchers and
// time ranges.
TEST_F(TsdbHeadTest, RandomWorkloadAgainstModel) {
  std::mt19937_64 rng(7);
  const char* jobs[] = {"a", "b", "c", "d"};
  const char* insts[] = {"", "i1", "i2", "i3"};
  const char* names[] = {"up", "cpu", "mem"};
  std::vector<Labels> all;
  for (const char* n : names) {
    for (const char* j : jobs) {
      for (const char* i : insts) {
        std::vector<labels::Label> ls{{"__name__", n}, {"job", j}};
        if (*i) ls.push_back({"instance", i});
        all.push_back(Labels(ls));
      }
    }
  }
  SeriesMap model;
  std::map<Labels, storage::SeriesRef> refs;
  int64_t now = 1'000'000;
  for (int batch = 0; batch < 300; ++batch) {
    auto app = head_.NewAppender();
    std::map<Labels, std::vector<Sample>> pending;
    std::map<Labels, int> touched;
    for (int k = 0; k < 20; ++k) {
      const Labels& l = all[rng() % all.size()];
      if (touched[l]++) continue;  // one sample per series per batch
      int64_t t = now + static_cast<int64_t>(rng() % 5000) - 2500;
      double v = static_cast<double>(rng() % 4);
      auto& m = model[l];
      auto r = app->Append(refs.count(l) && rng() % 2 ? refs[l] : 0, l, t, v);
      int64_t last = m.empty() ? std::numeric_limits<int64_t>::min() : m.back().t;
      if (t < last) {
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.status().subcode(), StatusSubcode::kOutOfOrder);
      } else if (t == last && std::memcmp(&v, &m.back().v, sizeof v) != 0) {
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.status().subcode(), StatusSubcode::kDuplicate);
      } else {
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        refs[l] = *r;
        if (t != last) pending[l].push_back({t, v});
      }
    }
    if (rng() % 10 == 0) {
      ASSERT_TRUE(app->Rollback().ok());
    } else {
      ASSERT_TRUE(app->Commit().ok());
      for (auto& [l, v] : pending) model[l].insert(model[l].end(), v.begin(), v.end());
    }
    now += 1000;
  }
  const MatchType types[] = {MatchType::kEqual, MatchType::kNotEqual, MatchType::kRegexMatch,
                             MatchType::kRegexNoMatch};
  const char* lnames[] = {"__name__", "job", "instance"};
  const char* pats[] = {"a", "up", "i1", "", ".*", ".+", "a|b", "i.*", "c.*"};
  int nonempty = 0;
  for (int q = 0; q < 200; ++q) {
    std::vector<Matcher> ms;
    int n = 1 + rng() % 3;
    for (int k = 0; k < n; ++k) {
      MatchType t = types[rng() % 4];
      std::string p = pats[rng() % 9];
      if ((t == MatchType::kEqual || t == MatchType::kNotEqual) &&
          p.find_first_of(".*|+") != std::string::npos) {
        p = "b";
      }
      ms.push_back(M(t, lnames[rng() % 3], p));
    }
    int64_t mint = 1'000'000 + static_cast<int64_t>(rng() % 400'000) - 50'000;
    int64_t maxt = mint + static_cast<int64_t>(rng() % 200'000);
    SeriesMap want;
    for (const auto& [l, samples] : model) {
      bool ok = true;
      for (const Matcher& m : ms) ok = ok && m.Matches(l.Get(m.name()));
      if (!ok) continue;
      std::vector<Sample> in;
      for (const Sample& s : samples) {
        if (s.t >= mint && s.t <= maxt) in.push_back(s);
      }
      if (!in.empty()) want[l] = in;
    }
    SeriesMap got = Query(head_, mint, maxt, ms);
    // The head may return a series whose chunks overlap the range but hold
    // no sample in it; drop those before comparing.
    for (auto it = got.begin(); it != got.end();) {
      it = it->second.empty() ? got.erase(it) : std::next(it);
    }
    std::string desc;
    for (const Matcher& m : ms) desc += m.ToString() + " ";
    ASSERT_EQ(got, want) << desc << " [" << mint << "," << maxt << "]";
    nonempty += !want.empty();
  }
  EXPECT_GT(nonempty, 40);
}

TEST_F(TsdbHeadTest, ConcurrentAppendAndQuery) {
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([this, w] {
      for (int i = 0; i < 200; ++i) {
        auto app = head_.NewAppender();
        for (int s = 0; s < 20; ++s) {
          Labels l{{"__name__", "m"}, {"s", std::to_string(s)}, {"w", std::to_string(w % 2)}};
          (void)app->Append(0, l, i * 1000 + w, s);
        }
        ASSERT_TRUE(app->Commit().ok());
      }
    });
  }
  threads.emplace_back([this] {
    for (int i = 0; i < 50; ++i)
      Query(head_, 0, 1'000'000, {M(MatchType::kEqual, "__name__", "m")});
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(head_.NumSeries(), 40u);
  SeriesMap got = Query(head_, 0, 1'000'000, {M(MatchType::kEqual, "__name__", "m")});
  ASSERT_EQ(got.size(), 40u);
  for (auto& [l, samples] : got) {
    for (size_t i = 1; i < samples.size(); ++i) EXPECT_LT(samples[i - 1].t, samples[i].t);
  }
}

TEST(HeadDeleteTest, TombstonesHideSamplesAndSeekSkipsThem) {
  Head head(HeadOptions{}, nullptr, nullptr);
  auto app = head.NewAppender();
  Labels a{{"__name__", "a"}}, b{{"__name__", "b"}};
  for (int64_t t = 0; t < 100; ++t) {
    ASSERT_TRUE(app->Append(0, a, t, static_cast<double>(t)).ok());
    ASSERT_TRUE(app->Append(0, b, t, static_cast<double>(t)).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(head.Tombstones(), nullptr);
  auto before = head.NewQuerier(0, 99);  // opened before: keeps seeing all
  ASSERT_TRUE(head.Delete(10, 19, {M(MatchType::kEqual, "__name__", "a")}).ok());
  ASSERT_TRUE(head.Delete(30, 1000, {M(MatchType::kEqual, "__name__", "a")}).ok());
  ASSERT_TRUE(head.Delete(0, 1000, {M(MatchType::kEqual, "__name__", "b")}).ok());
  ASSERT_TRUE(head.Delete(500, 600, {M(MatchType::kEqual, "__name__", "b")}).ok());  // no overlap
  ASSERT_TRUE(head.Delete(0, 5, {M(MatchType::kEqual, "__name__", "none")}).ok());
  ASSERT_NE(head.Tombstones(), nullptr);
  EXPECT_EQ(head.Tombstones()->NumIntervals(), 3u);

  SeriesMap got = Query(head, 0, 99, {M(MatchType::kRegexMatch, "__name__", ".+")});
  ASSERT_EQ(got.size(), 1u);  // b is wholly deleted
  std::vector<Sample> want;
  for (int64_t t = 0; t < 30; ++t) {
    if (t < 10 || t > 19) want.push_back({t, static_cast<double>(t)});
  }
  EXPECT_EQ(got[a], want);
  // b's samples outside any tombstone range would still show; none exist.
  EXPECT_TRUE(Query(head, 50, 60, {M(MatchType::kEqual, "__name__", "b")}).empty());

  auto q = head.NewQuerier(0, 99);
  ASSERT_TRUE(q.ok());
  auto ss = (*q)->Select(true, nullptr, {M(MatchType::kEqual, "__name__", "a")});
  ASSERT_TRUE(ss->Next());
  auto it = ss->At().Iterator();
  ASSERT_EQ(it->Seek(12), storage::ValueType::kFloat);
  EXPECT_EQ(it->AtT(), 20);
  EXPECT_EQ(it->Seek(29), storage::ValueType::kFloat);
  EXPECT_EQ(it->Next(), storage::ValueType::kNone);

  // The querier opened before the deletes still sees everything.
  ASSERT_TRUE(before.ok());
  auto old = (*before)->Select(true, nullptr, {M(MatchType::kRegexMatch, "__name__", ".+")});
  int n = 0;
  while (old->Next()) ++n;
  EXPECT_EQ(n, 2);
}


// Series keep their label ids varint-packed (1-3 bytes each): labels must
// come back exactly for ids of every width, for series with more labels
// than the inline decode buffers hold, and lookups by labels must find them.
TEST_F(TsdbHeadTest, LabelsRoundTripWithWideSymbolIdsAndManyLabels) {
  std::vector<Labels> all;
  // 20k unique values push symbol ids past 2^14 (3-byte varints).
  for (int i = 0; i < 20000; ++i) {
    std::string zz = std::to_string(i % 300);
    zz.insert(zz.begin(), 'v');
    all.push_back(Labels{{"__name__", "m"}, {"id", std::to_string(i)}, {"zz", zz}});
  }
  // 40 labels: more than the 32 ids decoded inline.
  std::vector<labels::Label> many;
  for (int k = 0; k < 40; ++k) {
    std::string n = std::to_string(100 + k), v = std::to_string(k);
    n.insert(n.begin(), 'l');
    v.insert(v.begin(), 'x');
    many.push_back({n, v});
  }
  all.push_back(Labels(std::move(many)));
  auto app = head_.NewAppender();
  std::vector<storage::SeriesRef> refs;
  for (size_t i = 0; i < all.size(); ++i) {
    auto r = app->Append(0, all[i], 1000, static_cast<double>(i));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    refs.push_back(*r);
  }
  ASSERT_TRUE(app->Commit().ok());
  for (size_t i = 0; i < all.size(); i += 997) {
    const MemSeries* s = head_.GetByLabels(all[i], all[i].Hash());
    ASSERT_NE(s, nullptr) << all[i].ToString();
    EXPECT_EQ(s->ref, refs[i]);
    EXPECT_EQ(head_.LabelsOf(*s), all[i]);
  }
  const MemSeries* wide = head_.GetByLabels(all.back(), all.back().Hash());
  ASSERT_NE(wide, nullptr);
  EXPECT_EQ(head_.LabelsOf(*wide), all.back());
  // Through a querier: exact labels, and label values under a matcher.
  SeriesMap got = Query(head_, 0, 2000, {M(MatchType::kRegexMatch, "id", "1999.")});
  ASSERT_EQ(got.size(), 10u);
  for (const auto& [ls, samples] : got) {
    EXPECT_EQ(ls.Get("__name__"), "m");
    ASSERT_EQ(samples.size(), 1u);
    EXPECT_EQ(all[static_cast<size_t>(samples[0].v)], ls);
  }
  auto q = *head_.NewQuerier(0, 2000);
  auto vals = q->LabelValues("zz", {M(MatchType::kEqual, "id", "19999")});
  ASSERT_TRUE(vals.ok());
  EXPECT_EQ(*vals, (std::vector<std::string>{"v" + std::to_string(19999 % 300)}));
  auto names = q->LabelNames({M(MatchType::kEqual, "l100", "x0")});
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 40u);
}

TEST_F(TsdbHeadTest, MoreThan65535LabelsRejected) {
  std::vector<labels::Label> ls;
  for (int i = 0; i < 65536; ++i) ls.push_back({std::to_string(1000000 + i), "v"});
  auto app = head_.NewAppender();
  auto r = app->Append(0, Labels(std::move(ls)), 1000, 1.0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  EXPECT_TRUE(app->Commit().ok());
  EXPECT_EQ(head_.NumSeries(), 0u);
}

TEST(ChunkListTest, PushEraseTakeAssign) {
  ChunkList l;
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.begin(), l.end());
  for (int i = 0; i < 10; ++i) {
    ChunkMeta m;
    m.ref = static_cast<uint64_t>(i);
    m.mint = i * 10;
    m.maxt = i * 10 + 9;
    l.push_back(m);
  }
  ASSERT_EQ(l.size(), 10u);
  EXPECT_EQ(l.front().mint, 0);
  EXPECT_EQ(l.back().maxt, 99);
  l.erase(l.begin(), l.begin() + 3);
  ASSERT_EQ(l.size(), 7u);
  EXPECT_EQ(l[0].ref, 3u);
  EXPECT_EQ(l.back().ref, 9u);
  l.erase(l.begin() + 2, l.begin() + 2);  // empty range: no-op
  EXPECT_EQ(l.size(), 7u);
  std::vector<ChunkMeta> v = l.Take();
  EXPECT_TRUE(l.empty());
  ASSERT_EQ(v.size(), 7u);
  EXPECT_EQ(v[6].ref, 9u);
  l = std::move(v);
  ASSERT_EQ(l.size(), 7u);
  EXPECT_EQ(l[1].ref, 4u);
  l.erase(l.begin(), l.end());
  EXPECT_TRUE(l.empty());
  l = std::vector<ChunkMeta>{};
  EXPECT_TRUE(l.empty());
}

// Series::LatestIn on head series answers exactly what reading the samples
// answers (the newest sample in [mint, maxt]), or says kUnknown; checked on
// random series, windows and querier ranges, with a tombstone on one series.
TEST_F(TsdbHeadTest, LatestInMatchesTheSamples) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 40; ++i) {
    auto app = head_.NewAppender();
    Labels ls({{"__name__", "m"}, {"i", std::to_string(i)}});
    int64_t t = static_cast<int64_t>(rng() % 1000);
    const int n = 1 + static_cast<int>(rng() % 300);  // up to 3 chunks
    for (int k = 0; k < n; ++k) {
      double v = (k % 17 == 5) ? storage::StaleNaN() : static_cast<double>(rng() % 1000) / 8;
      ASSERT_TRUE(app->Append(0, ls, t, v).ok());
      t += 1 + static_cast<int64_t>(rng() % 30);
    }
    ASSERT_TRUE(app->Commit().ok());
  }
  ASSERT_TRUE(head_.Delete(100, 400, {M(MatchType::kEqual, "i", "3")}).ok());
  int found = 0, none = 0, unknown = 0;
  for (int round = 0; round < 300; ++round) {
    int64_t qmin = static_cast<int64_t>(rng() % 8000) - 500;
    int64_t qmax = qmin + static_cast<int64_t>(rng() % 8000);
    auto q = head_.NewQuerier(qmin, qmax);
    ASSERT_TRUE(q.ok());
    auto ss = (*q)->Select(false, nullptr, {M(MatchType::kEqual, "__name__", "m")});
    int64_t mint = static_cast<int64_t>(rng() % 8000) - 500;
    int64_t maxt = mint + static_cast<int64_t>(rng() % 600);
    while (ss->Next()) {
      const storage::Series& s = ss->At();
      // What reading the samples gives.
      bool want = false;
      Sample w{0, 0};
      auto it = s.Iterator();
      while (it->Next() == storage::ValueType::kFloat) {
        Sample smp;
        it->At(&smp.t, &smp.v);
        if (smp.t >= mint && smp.t <= maxt) want = true, w = smp;
      }
      int64_t lt = 0;
      double lv = 0;
      switch (s.LatestIn(mint, maxt, &lt, &lv)) {
        case storage::Series::Latest::kUnknown:
          ++unknown;
          break;
        case storage::Series::Latest::kNone:
          ++none;
          EXPECT_FALSE(want) << s.Labels().ToString() << " " << mint << ".." << maxt;
          break;
        case storage::Series::Latest::kFound:
          ++found;
          ASSERT_TRUE(want) << s.Labels().ToString();
          EXPECT_TRUE((Sample{lt, lv}) == w) << s.Labels().ToString() << " got " << lt << " want "
                                             << w.t;
          break;
      }
    }
  }
  // Every answer occurs (the test would not test much otherwise).
  EXPECT_GT(found, 100);
  EXPECT_GT(none, 100);
  EXPECT_GT(unknown, 100);
}

}  // namespace
}  // namespace ward::tsdb
