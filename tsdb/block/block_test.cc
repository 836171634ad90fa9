// Tests of blocks: ULIDs and meta.json, writing a block from the head and
// reading it back (differential against the head querier on random
// matchers), chunk cutting, tombstones, and a corruption table for Open.
#include "tsdb/block/block.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "tsdb/block/block_writer.h"
#include "tsdb/block/merge_querier.h"
#include "tsdb/block/meta.h"
#include "tsdb/chunkenc/dense.h"
#include "tsdb/head.h"
#include "util/varint.h"

namespace ward::tsdb::block {
namespace {

namespace fs = std::filesystem;
using labels::Labels;
using labels::Matcher;
using labels::MatchType;

struct Sample {
  int64_t t;
  uint64_t v_bits;
  bool operator==(const Sample&) const = default;
};
using SeriesMap = std::map<std::string, std::vector<Sample>>;

// Drains a set into label string -> samples, dropping empty series.
SeriesMap Collect(storage::SeriesSet& set) {
  SeriesMap out;
  while (set.Next()) {
    const storage::Series& s = set.At();
    auto it = s.Iterator();
    std::vector<Sample> samples;
    while (it->Next() == storage::ValueType::kFloat) {
      int64_t t;
      double v;
      it->At(&t, &v);
      samples.push_back({t, varint::Float64Bits(v)});
    }
    EXPECT_TRUE(it->Err().ok()) << it->Err().ToString();
    if (samples.empty()) continue;
    out[s.Labels().ToString()] = std::move(samples);
  }
  EXPECT_TRUE(set.Err().ok()) << set.Err().ToString();
  return out;
}

Matcher M(MatchType t, const char* n, const char* v) { return Matcher::Make(t, n, v).value(); }

class BlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ward_block_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A small random workload: up to 60 series over three hours.
  void FillHead(Head* head, uint32_t seed) {
    std::mt19937 rng(seed);
    const char* jobs[] = {"api", "db", "etcd"};
    const char* envs[] = {"prod", "dev", ""};
    auto app = head->NewAppender();
    for (int i = 0; i < 60; ++i) {
      labels::Builder b;
      b.Set("__name__", i % 4 == 0 ? "up" : (i % 4 == 1 ? "requests_total" : "latency"));
      b.Set("job", jobs[rng() % 3]);
      b.Set("instance", "host-" + std::to_string(rng() % 7));
      const char* env = envs[rng() % 3];
      if (*env) b.Set("env", env);
      if (rng() % 5 == 0) b.Set("zone", "z" + std::to_string(i));
      Labels l = b.Build();
      int64_t t = static_cast<int64_t>(rng() % 600000);
      int n = 1 + static_cast<int>(rng() % 400);
      double v = rng() % 100;
      for (int k = 0; k < n; ++k) {
        double val = (rng() % 50 == 0) ? storage::StaleNaN() : v;
        auto r = app->Append(0, l, t, val);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        t += 1000 + static_cast<int64_t>(rng() % 60000);
        v += (rng() % 3) * 0.5;
        if (t > 3 * 3600 * 1000) break;
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }

  std::string dir_;
};

TEST(ULIDTest, FormatAndParse) {
  int64_t ms = 1602237600000;
  std::string a = NewULID(ms), b = NewULID(ms);
  EXPECT_EQ(a.size(), 26u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.substr(0, 10), b.substr(0, 10));  // the time part
  int64_t got = 0;
  ASSERT_TRUE(ParseULID(a, &got));
  EXPECT_EQ(got, ms);
  EXPECT_LT(NewULID(ms), NewULID(ms + 1));
  // A ULID from Prometheus docs: time part 01EM65SHSX =
  // 2020-10-09T07:56:48.317Z.
  ASSERT_TRUE(ParseULID("01EM65SHSX4VARXBBHBF0M0FDS", &got));
  EXPECT_EQ(got, 1602230208317);
  EXPECT_FALSE(ParseULID("01EM65SHSX4VARXBBHBF0M0FD"));   // short
  EXPECT_FALSE(ParseULID("01EM65SHSX4VARXBBHBF0M0FDU"));  // U is not Crockford
  EXPECT_FALSE(ParseULID("81EM65SHSX4VARXBBHBF0M0FDS"));  // overflows 128 bits
}

TEST(MetaTest, EncodeMatchesPrometheus) {
  BlockMeta m;
  m.ulid = "01EM6Q6A1YPX4G9TEB20J22B2R";
  m.min_time = 1602237600000;
  m.max_time = 1602244800000;
  m.stats = {553673232, 1346066, 4440437, 0};
  m.compaction.level = 1;
  m.compaction.sources = {"01EM6Q6A1YPX4G9TEB20J22B2R"};
  const char* want =
      "{\n\t\"ulid\": \"01EM6Q6A1YPX4G9TEB20J22B2R\",\n\t\"minTime\": "
      "1602237600000,\n"
      "\t\"maxTime\": 1602244800000,\n\t\"stats\": {\n\t\t\"numSamples\": "
      "553673232,\n"
      "\t\t\"numSeries\": 1346066,\n\t\t\"numChunks\": "
      "4440437\n\t},\n\t\"compaction\": {\n"
      "\t\t\"level\": 1,\n\t\t\"sources\": "
      "[\n\t\t\t\"01EM6Q6A1YPX4G9TEB20J22B2R\"\n\t\t]\n"
      "\t},\n\t\"version\": 1\n}";
  EXPECT_EQ(EncodeMeta(m), want);
  auto back = DecodeMeta(want).value();
  EXPECT_EQ(back.ulid, m.ulid);
  EXPECT_EQ(back.min_time, m.min_time);
  EXPECT_EQ(back.max_time, m.max_time);
  EXPECT_EQ(back.stats.num_samples, 553673232u);
  EXPECT_EQ(back.stats.num_chunks, 4440437u);
  EXPECT_EQ(back.compaction.sources, m.compaction.sources);
  m.compaction.parents = {{"01EM6Q6A1YPX4G9TEB20J22B2R", 1, 2}};
  m.compaction.deletable = true;
  auto again = DecodeMeta(EncodeMeta(m)).value();
  ASSERT_EQ(again.compaction.parents.size(), 1u);
  EXPECT_EQ(again.compaction.parents[0].max_time, 2);
  EXPECT_TRUE(again.compaction.deletable);
}

TEST(MetaTest, CorruptionTable) {
  struct Case {
    std::string text, want;
  };
  std::vector<Case> cases = {
      {"", "malformed JSON"},
      {"{\"ulid\": ", "malformed JSON"},
      {"[]", "not a JSON object"},
      {"{\"minTime\":1,\"maxTime\":2,\"version\":1}", "ulid"},
      {"{\"ulid\":\"nope\",\"minTime\":1,\"maxTime\":2,\"version\":1}", "ulid"},
      {"{\"ulid\":\"01EM6Q6A1YPX4G9TEB20J22B2R\",\"minTime\":1,\"maxTime\":2,"
       "\"version\":3}",
       "version 3"},
      {"{\"ulid\":\"01EM6Q6A1YPX4G9TEB20J22B2R\",\"minTime\":3,\"maxTime\":2,"
       "\"version\":1}",
       "minTime"},
      {"{\"ulid\":\"01EM6Q6A1YPX4G9TEB20J22B2R\",\"maxTime\":2,\"version\":1}", "minTime"},
  };
  for (const Case& c : cases) {
    auto r = DecodeMeta(c.text, "b/meta.json");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_TRUE(r.status().IsCorruption());
    EXPECT_NE(r.status().ToString().find(c.want), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().ToString().find("b/meta.json"), std::string::npos);
  }
}

TEST_F(BlockTest, HeadVersusBlockDifferential) {
  Head head(HeadOptions{}, nullptr, nullptr);
  FillHead(&head, 42);
  const int64_t maxt = head.MaxTime() + 1;
  auto hq = head.NewQuerier(0, maxt - 1).value();
  auto ulid = WriteBlock(dir_, *hq, 0, maxt);
  ASSERT_TRUE(ulid.ok()) << ulid.status().ToString();
  ASSERT_FALSE(ulid.value().empty());
  EXPECT_TRUE(fs::exists(dir_ + "/" + ulid.value() + "/chunks/000001"));
  EXPECT_FALSE(fs::exists(dir_ + "/" + ulid.value() + ".tmp-for-creation"));
  auto b = Block::Open(dir_ + "/" + ulid.value());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  std::shared_ptr<Block> blk = b.value();
  EXPECT_EQ(blk->meta().ulid, ulid.value());
  EXPECT_EQ(blk->meta().stats.num_series, head.NumSeries());
  EXPECT_EQ(blk->meta().compaction.sources, std::vector<std::string>{ulid.value()});

  std::mt19937 rng(7);
  const char* names[] = {"__name__", "job", "instance", "env", "zone", "missing"};
  const char* values[] = {"up", "api", "db", "host-1", "prod", "", "z4", "latency"};
  const char* regexes[] = {".*", ".+", "host-[0-3]", "api|db", "p.*", "", "u.|l.*", "z1.*"};
  int checked = 0;
  for (int round = 0; round < 300; ++round) {
    std::vector<Matcher> ms;
    int n = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < n; ++i) {
      MatchType t = static_cast<MatchType>(rng() % 4);
      const char* name = names[rng() % 6];
      bool re = t == MatchType::kRegexMatch || t == MatchType::kRegexNoMatch;
      ms.push_back(M(t, name, re ? regexes[rng() % 8] : values[rng() % 8]));
    }
    // A random window inside the block.
    int64_t a = static_cast<int64_t>(rng() % maxt), c = static_cast<int64_t>(rng() % maxt);
    if (a > c) std::swap(a, c);
    if (round % 3 == 0) {
      a = 0;
      c = maxt - 1;
    }
    auto hq2 = head.NewQuerier(a, c).value();
    auto bq = blk->NewQuerier(a, c).value();
    SeriesMap want = Collect(*hq2->Select(true, nullptr, ms));
    SeriesMap got = Collect(*bq->Select(true, nullptr, ms));
    std::string what;
    for (const auto& m : ms) what += m.ToString() + " ";
    ASSERT_EQ(got.size(), want.size()) << what << a << ".." << c;
    for (const auto& [l, s] : want) {
      ASSERT_TRUE(got.count(l)) << what << l;
      EXPECT_EQ(got[l], s) << what << l;
    }
    checked += static_cast<int>(want.size());
    if (round % 3 == 0) {
      EXPECT_EQ(bq->LabelNames(ms).value(), hq2->LabelNames(ms).value()) << what;
      EXPECT_EQ(bq->LabelValues("instance", ms).value(), hq2->LabelValues("instance", ms).value())
          << what;
    }
  }
  EXPECT_GT(checked, 100);
  auto bq = blk->NewQuerier(0, maxt).value();
  EXPECT_EQ(bq->LabelNames({}).value(), hq->LabelNames({}).value());
  EXPECT_EQ(bq->LabelValues("job", {}).value(), hq->LabelValues("job", {}).value());
  // Sorted by labels (the index's series order).
  auto set = bq->Select(true, nullptr, {M(MatchType::kRegexMatch, "job", ".+")});
  std::vector<Labels> ls;
  while (set->Next()) ls.push_back(set->At().Labels());
  EXPECT_EQ(ls.size(), head.NumSeries());
  EXPECT_TRUE(std::is_sorted(ls.begin(), ls.end()));
  // Outside the block's range nothing is returned.
  auto none = blk->NewQuerier(maxt, maxt + 1000).value();
  EXPECT_FALSE(none->Select(true, nullptr, {M(MatchType::kRegexMatch, "job", ".+")})->Next());
}

TEST_F(BlockTest, SubRangeBlockAndSeek) {
  Head head(HeadOptions{}, nullptr, nullptr);
  FillHead(&head, 3);
  const int64_t mint = 3600 * 1000, maxt = 2 * 3600 * 1000;
  auto hq = head.NewQuerier(mint, maxt - 1).value();
  auto ulid = WriteBlock(dir_, *hq, mint, maxt).value();
  auto blk = Block::Open(dir_ + "/" + ulid).value();
  EXPECT_EQ(blk->MinTime(), mint);
  EXPECT_EQ(blk->MaxTime(), maxt);
  auto all = M(MatchType::kRegexMatch, "__name__", ".+");
  auto bq = blk->NewQuerier(0, 10 * maxt).value();
  auto hq2 = head.NewQuerier(mint, maxt - 1).value();
  EXPECT_EQ(Collect(*bq->Select(true, nullptr, {all})),
            Collect(*hq2->Select(true, nullptr, {all})));
  // Seek lands on the first sample at or after t, like the head's.
  auto bs = bq->Select(true, nullptr, {all});
  auto hs = hq2->Select(true, nullptr, {all});
  int n = 0;
  while (bs->Next()) {
    ASSERT_TRUE(hs->Next());
    auto bi = bs->At().Iterator();
    auto hi = hs->At().Iterator();
    for (int64_t t = mint; t < maxt; t += 450000) {
      auto bv = bi->Seek(t);
      auto hv = hi->Seek(t);
      ASSERT_EQ(bv, hv);
      if (bv == storage::ValueType::kNone) break;
      EXPECT_EQ(bi->AtT(), hi->AtT());
      ++n;
    }
  }
  EXPECT_GT(n, 10);
}

TEST_F(BlockTest, MergeQuerierOverBlocksAndHead) {
  Head head(HeadOptions{}, nullptr, nullptr);
  FillHead(&head, 99);
  const int64_t split = 5400 * 1000, maxt = head.MaxTime() + 1;
  auto hq = head.NewQuerier(0, maxt).value();
  std::string u1 = WriteBlock(dir_, *hq, 0, split).value();
  std::string u2 = WriteBlock(dir_, *hq, split, maxt).value();
  auto b1 = Block::Open(dir_ + "/" + u1).value();
  auto b2 = Block::Open(dir_ + "/" + u2).value();
  auto all = M(MatchType::kRegexMatch, "__name__", ".+");
  std::mt19937 rng(3);
  for (int round = 0; round < 20; ++round) {
    int64_t a = static_cast<int64_t>(rng() % maxt), c = static_cast<int64_t>(rng() % maxt);
    if (a > c) std::swap(a, c);
    std::vector<Matcher> ms = {all};
    if (round % 2) ms.push_back(M(MatchType::kNotEqual, "job", "db"));
    // Two disjoint blocks merged equal the head.
    std::vector<std::unique_ptr<storage::Querier>> qs;
    qs.push_back(b2->NewQuerier(a, c).value());
    qs.push_back(b1->NewQuerier(a, c).value());
    MergeQuerier mq(std::move(qs));
    auto hq2 = head.NewQuerier(a, c).value();
    SeriesMap got = Collect(*mq.Select(true, nullptr, ms));
    EXPECT_EQ(got, Collect(*hq2->Select(true, nullptr, ms))) << a << ".." << c;
    // Overlapping sources (block 1 and the head) de-duplicate timestamps.
    std::vector<std::unique_ptr<storage::Querier>> qs2;
    qs2.push_back(b1->NewQuerier(a, c).value());
    qs2.push_back(head.NewQuerier(a, c).value());
    MergeQuerier mq2(std::move(qs2));
    EXPECT_EQ(Collect(*mq2.Select(true, nullptr, ms)), Collect(*hq2->Select(true, nullptr, ms)));
  }
  // Seek across the block boundary.
  std::vector<std::unique_ptr<storage::Querier>> qs;
  qs.push_back(b1->NewQuerier(0, maxt).value());
  qs.push_back(b2->NewQuerier(0, maxt).value());
  MergeQuerier mq(std::move(qs));
  auto ms = mq.Select(true, nullptr, {all});
  auto hs = head.NewQuerier(0, maxt).value()->Select(true, nullptr, {all});
  int n = 0;
  while (ms->Next()) {
    ASSERT_TRUE(hs->Next());
    EXPECT_EQ(ms->At().Labels(), hs->At().Labels());
    auto mi = ms->At().Iterator();
    auto hi = hs->At().Iterator();
    for (int64_t t = 0; t < maxt; t += 900000) {
      auto mv = mi->Seek(t);
      ASSERT_EQ(mv, hi->Seek(t)) << t;
      if (mv == storage::ValueType::kNone) break;
      EXPECT_EQ(mi->AtT(), hi->AtT());
      ASSERT_EQ(mi->Next(), hi->Next());
      ++n;
    }
  }
  EXPECT_FALSE(hs->Next());
  EXPECT_GT(n, 20);
  // The merged set is sorted by labels.
  std::vector<Labels> ls;
  for (auto set = mq.Select(true, nullptr, {all}); set->Next();) ls.push_back(set->At().Labels());
  EXPECT_EQ(ls.size(), head.NumSeries());
  EXPECT_TRUE(std::is_sorted(ls.begin(), ls.end()));
  EXPECT_EQ(mq.LabelNames({}).value(), head.NewQuerier(0, maxt).value()->LabelNames({}).value());
  EXPECT_EQ(mq.LabelValues("instance", {}).value(),
            head.NewQuerier(0, maxt).value()->LabelValues("instance", {}).value());
}

// A SeriesSet over fixed data (for order and cutting tests).
class VectorSet : public storage::SeriesSet {
 public:
  struct S : storage::Series {
    labels::Labels l;
    std::vector<std::pair<int64_t, double>> samples;
    const labels::Labels& Labels() const override { return l; }
    std::unique_ptr<storage::SampleIterator> Iterator() const override {
      struct It : storage::SampleIterator {
        const std::vector<std::pair<int64_t, double>>* s;
        size_t i = 0;
        bool started = false;
        storage::ValueType Next() override {
          if (started) ++i;
          started = true;
          return i < s->size() ? storage::ValueType::kFloat : storage::ValueType::kNone;
        }
        storage::ValueType Seek(int64_t t) override {
          if (!started) started = true;
          while (i < s->size() && (*s)[i].first < t) ++i;
          return i < s->size() ? storage::ValueType::kFloat : storage::ValueType::kNone;
        }
        void At(int64_t* t, double* v) const override {
          *t = (*s)[i].first;
          *v = (*s)[i].second;
        }
        int64_t AtT() const override { return (*s)[i].first; }
        Status Err() const override { return Status::OK(); }
      };
      auto it = std::make_unique<It>();
      it->s = &samples;
      return it;
    }
  };
  std::vector<S> series;
  size_t i = 0;
  bool started = false;
  bool Next() override {
    if (started) ++i;
    started = true;
    return i < series.size();
  }
  const storage::Series& At() const override { return series[i]; }
  Status Err() const override { return Status::OK(); }
};

TEST_F(BlockTest, CutsChunksAt120Samples) {
  VectorSet set;
  set.series.resize(2);
  set.series[0].l = Labels{{"__name__", "a"}};
  set.series[1].l = Labels{{"__name__", "b"}};
  for (int i = 0; i < 300; ++i) set.series[0].samples.push_back({i * 1000, i * 1.0});
  set.series[1].samples.push_back({5, 1});
  set.series[1].samples.push_back({500000, 2});  // outside [0, 400000)
  auto ulid = WriteBlock(dir_, set, 0, 400000).value();
  auto blk = Block::Open(dir_ + "/" + ulid).value();
  EXPECT_EQ(blk->meta().stats.num_samples, 301u);
  EXPECT_EQ(blk->meta().stats.num_chunks, 4u);
  EXPECT_EQ(blk->meta().stats.num_series, 2u);
  std::vector<uint32_t> ids;
  ASSERT_TRUE(blk->index().AllPostings(&ids).ok());
  ASSERT_EQ(ids.size(), 2u);
  Labels l;
  std::vector<index::ChunkMeta> chks;
  ASSERT_TRUE(blk->index().Series(ids[0], &l, &chks).ok());
  ASSERT_EQ(chks.size(), 3u);
  EXPECT_EQ(chks[0].mint, 0);
  EXPECT_EQ(chks[0].maxt, 119000);
  EXPECT_EQ(chks[1].mint, 120000);
  EXPECT_EQ(chks[2].maxt, 299000);
  chunkenc::Encoding enc;
  std::string_view data;
  ASSERT_TRUE(blk->chunks().Chunk(chks[2].ref, &enc, &data).ok());
  EXPECT_EQ(chunkenc::XORChunk::FromBytes(data).value().NumSamples(), 60);
}

TEST_F(BlockTest, RejectsUnsortedAndSkipsEmpty) {
  VectorSet unsorted;
  unsorted.series.resize(2);
  unsorted.series[0].l = Labels{{"__name__", "b"}};
  unsorted.series[1].l = Labels{{"__name__", "a"}};
  unsorted.series[0].samples = {{1, 1}};
  unsorted.series[1].samples = {{1, 1}};
  auto r = WriteBlock(dir_, unsorted, 0, 100);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  VectorSet empty;
  empty.series.resize(1);
  empty.series[0].l = Labels{{"__name__", "a"}};
  empty.series[0].samples = {{1000, 1}};
  auto e = WriteBlock(dir_, empty, 0, 100);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e.value(), "");
  EXPECT_TRUE(fs::is_empty(dir_));  // temp dirs removed
}

TEST_F(BlockTest, TombstonesHideSamples) {
  VectorSet set;
  set.series.resize(2);
  set.series[0].l = Labels{{"__name__", "a"}};
  set.series[1].l = Labels{{"__name__", "b"}};
  for (int i = 0; i < 300; ++i) {
    set.series[0].samples.push_back({i, i * 1.0});
    set.series[1].samples.push_back({i, i * 2.0});
  }
  std::string ulid = WriteBlock(dir_, set, 0, 1000).value();
  std::string bdir = dir_ + "/" + ulid;
  std::vector<uint32_t> ids;
  {
    auto blk = Block::Open(bdir).value();
    ASSERT_TRUE(blk->index().AllPostings(&ids).ok());
  }
  tombstones::MemTombstones ts;
  ts.AddInterval(ids[0], {10, 19});
  ts.AddInterval(ids[1], {0, 1000});  // all of b
  ASSERT_TRUE(tombstones::WriteFile(bdir, ts).ok());
  auto blk = Block::Open(bdir).value();
  auto before = blk->NewQuerier(0, 1000).value();
  // Delete through the block: rewrites tombstones and meta.json.
  ASSERT_TRUE(blk->Delete(100, 250, {M(MatchType::kEqual, "__name__", "a")}).ok());
  ASSERT_TRUE(blk->Delete(5000, 6000, {M(MatchType::kEqual, "__name__", "a")}).ok());  // no chunk
  EXPECT_EQ(blk->NumTombstones(), 3u);
  EXPECT_EQ(ReadMetaFile(bdir).value().stats.num_tombstones, 3u);
  EXPECT_EQ(Block::Open(bdir).value()->NumTombstones(), 3u);
  // A querier opened before the delete keeps its view.
  EXPECT_EQ(Collect(*before->Select(true, nullptr, {M(MatchType::kEqual, "__name__", "a")}))
                .begin()
                ->second.size(),
            290u);
  auto q = blk->NewQuerier(0, 1000).value();
  SeriesMap got = Collect(*q->Select(true, nullptr, {M(MatchType::kRegexMatch, "__name__", ".*")}));
  ASSERT_EQ(got.size(), 1u);
  const auto& s = got["{__name__=\"a\"}"];
  EXPECT_EQ(s.size(), 300u - 10 - 151);
  for (const Sample& x : s) {
    EXPECT_FALSE((x.t >= 10 && x.t <= 19) || (x.t >= 100 && x.t <= 250)) << x.t;
  }
}

TEST_F(BlockTest, OpenCorruptionTable) {
  VectorSet set;
  set.series.resize(1);
  set.series[0].l = Labels{{"__name__", "a"}, {"job", "x"}};
  for (int i = 0; i < 10; ++i) set.series[0].samples.push_back({i, 1.0});
  std::string ulid = WriteBlock(dir_, set, 0, 100).value();
  std::string good = dir_ + "/" + ulid;
  ASSERT_TRUE(Block::Open(good).ok());

  struct Case {
    std::string name;
    std::function<void(const std::string&)> damage;
    std::string want;  // in the message
  };
  auto rewrite = [](const std::string& path, const std::function<void(std::string*)>& f) {
    std::ifstream in(path, std::ios::binary);
    std::string b((std::istreambuf_iterator<char>(in)), {});
    in.close();
    f(&b);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << b;
  };
  std::vector<Case> cases = {
      {"no meta", [](const std::string& d) { fs::remove(d + "/meta.json"); }, "meta.json"},
      {"bad meta",
       [&](const std::string& d) {
         rewrite(d + "/meta.json", [](std::string* b) { b->resize(10); });
       },
       "meta.json"},
      {"no index", [](const std::string& d) { fs::remove(d + "/index"); }, "index"},
      {"truncated index",
       [&](const std::string& d) {
         rewrite(d + "/index", [](std::string* b) { b->resize(b->size() - 7); });
       },
       "index"},
      {"index bad magic",
       [&](const std::string& d) { rewrite(d + "/index", [](std::string* b) { (*b)[1] ^= 1; }); },
       "magic"},
      {"index bad crc",
       [&](const std::string& d) { rewrite(d + "/index", [](std::string* b) { (*b)[10] ^= 1; }); },
       "checksum"},
      {"no chunks", [](const std::string& d) { fs::remove_all(d + "/chunks"); }, "chunks"},
      {"chunks bad magic",
       [&](const std::string& d) {
         rewrite(d + "/chunks/000001", [](std::string* b) { (*b)[0] ^= 1; });
       },
       "000001"},
      {"bad tombstones",
       [&](const std::string& d) {
         rewrite(d + "/tombstones", [](std::string* b) { (*b)[4] = 9; });
       },
       "tombstones"},
  };
  for (const Case& c : cases) {
    std::string d = dir_ + "/case";
    fs::remove_all(d);
    fs::copy(good, d, fs::copy_options::recursive);
    c.damage(d);
    auto r = Block::Open(d);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_TRUE(r.status().IsCorruption()) << c.name << ": " << r.status().ToString();
    EXPECT_NE(r.status().ToString().find(c.want), std::string::npos)
        << c.name << ": " << r.status().ToString();
    EXPECT_NE(r.status().ToString().find(d), std::string::npos) << c.name;
  }
  // A bad chunk checksum surfaces as the iterator's error, without a crash.
  std::string d = dir_ + "/case";
  fs::remove_all(d);
  fs::copy(good, d, fs::copy_options::recursive);
  rewrite(d + "/chunks/000001", [](std::string* b) { (*b)[12] ^= 1; });
  auto blk = Block::Open(d).value();
  auto q = blk->NewQuerier(0, 100).value();
  auto set2 = q->Select(true, nullptr, {M(MatchType::kEqual, "job", "x")});
  ASSERT_TRUE(set2->Next());
  auto it = set2->At().Iterator();
  EXPECT_EQ(it->Next(), storage::ValueType::kNone);
  EXPECT_TRUE(it->Err().IsCorruption());
  EXPECT_NE(it->Err().ToString().find("checksum"), std::string::npos) << it->Err().ToString();
}

// Dense blocks (dense_chunks.md) return exactly the samples of the same
// data written as XOR, over random windows, with Seek and tombstones, and
// hold only dense chunks.
TEST_F(BlockTest, DenseBlockMatchesXORBlock) {
  Head head(HeadOptions{}, nullptr, nullptr);
  FillHead(&head, 11);
  const int64_t maxt = head.MaxTime() + 1;
  auto hq = head.NewQuerier(0, maxt - 1).value();
  std::string xor_ulid = WriteBlock(dir_, *hq, 0, maxt).value();
  for (int per_chunk : {chunkenc::kDenseSamplesPerChunk, 50}) {
    SCOPED_TRACE(per_chunk);
    WriteBlockOptions wo;
    wo.chunk_encoding = chunkenc::Encoding::kDense;
    wo.dense_samples_per_chunk = per_chunk;
    auto hq2 = head.NewQuerier(0, maxt - 1).value();
    std::string dense_ulid = WriteBlock(dir_, *hq2, 0, maxt, wo).value();
    auto xb = Block::Open(dir_ + "/" + xor_ulid).value();
    auto db = Block::Open(dir_ + "/" + dense_ulid).value();
    EXPECT_EQ(db->meta().stats.num_samples, xb->meta().stats.num_samples);
    EXPECT_EQ(db->meta().stats.num_series, xb->meta().stats.num_series);
    EXPECT_EQ(db->meta().version, kMetaVersionDense);
    EXPECT_EQ(xb->meta().version, kMetaVersion1);
    if (per_chunk == chunkenc::kDenseSamplesPerChunk) {
      EXPECT_EQ(db->meta().stats.num_chunks, db->meta().stats.num_series);
      EXPECT_LT(db->Size(), xb->Size());
    }
    std::vector<uint32_t> ids;
    ASSERT_TRUE(db->index().AllPostings(&ids).ok());
    for (uint32_t id : ids) {
      Labels l;
      std::vector<index::ChunkMeta> chks;
      ASSERT_TRUE(db->index().Series(id, &l, &chks).ok());
      for (const auto& c : chks) {
        chunkenc::Encoding enc;
        std::string_view data;
        ASSERT_TRUE(db->chunks().Chunk(c.ref, &enc, &data).ok());
        EXPECT_EQ(enc, chunkenc::Encoding::kDense);
      }
    }
    auto all = M(MatchType::kRegexMatch, "__name__", ".+");
    std::mt19937 rng(5);
    for (int round = 0; round < 50; ++round) {
      int64_t a = static_cast<int64_t>(rng() % maxt), c = static_cast<int64_t>(rng() % maxt);
      if (a > c) std::swap(a, c);
      if (round == 0) a = 0, c = maxt - 1;
      auto xq = xb->NewQuerier(a, c).value();
      auto dq = db->NewQuerier(a, c).value();
      SeriesMap want = Collect(*xq->Select(true, nullptr, {all}));
      ASSERT_EQ(Collect(*dq->Select(true, nullptr, {all})), want) << a << ".." << c;
      // Seek agrees too.
      auto xs = xq->Select(true, nullptr, {all});
      auto ds = dq->Select(true, nullptr, {all});
      while (xs->Next()) {
        ASSERT_TRUE(ds->Next());
        auto xi = xs->At().Iterator();
        auto di = ds->At().Iterator();
        for (int64_t t = a; t <= c; t += 1 + (c - a) / 7) {
          auto xv = xi->Seek(t);
          ASSERT_EQ(di->Seek(t), xv);
          if (xv == storage::ValueType::kNone) break;
          ASSERT_EQ(di->AtT(), xi->AtT());
        }
      }
      EXPECT_FALSE(ds->Next());
    }
    // Tombstones hide samples inside a dense chunk as well.
    ASSERT_TRUE(db->Delete(600000, 3600000, {M(MatchType::kEqual, "__name__", "up")}).ok());
    ASSERT_TRUE(xb->Delete(600000, 3600000, {M(MatchType::kEqual, "__name__", "up")}).ok());
    auto xq = xb->NewQuerier(0, maxt).value();
    auto dq = db->NewQuerier(0, maxt).value();
    EXPECT_EQ(Collect(*dq->Select(true, nullptr, {all})),
              Collect(*xq->Select(true, nullptr, {all})));
    ASSERT_TRUE(tombstones::WriteFile(dir_ + "/" + xor_ulid, tombstones::MemTombstones()).ok());
    fs::remove_all(dir_ + "/" + dense_ulid);
  }
}

}  // namespace
}  // namespace ward::tsdb::block
