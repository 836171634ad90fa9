// Tests of block compaction: the plan (which blocks merge), leveled
// compaction in the DB equal to a model, a crash at every step, vertical
// compaction of overlapping (backfilled) blocks with deduplication,
// snapshots, and promtool reading a compacted block. Uses a 2 s minimum
// block range so every stage runs in milliseconds.
#include "tsdb/compact.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tsdb/block/block.h"
#include "tsdb/block/merge_querier.h"
#include "tsdb/db.h"
#include "tsdb/dump.h"

namespace ward::tsdb {
namespace {

namespace fs = std::filesystem;
using labels::Labels;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// ---- planning ----

block::BlockMeta Meta(const std::string& id, int64_t mint, int64_t maxt) {
  block::BlockMeta m;
  m.ulid = id;
  m.min_time = mint;
  m.max_time = maxt;
  return m;
}

std::vector<std::string> PlanIds(const std::vector<block::BlockMeta>& metas,
                                 const std::vector<int64_t>& ranges) {
  std::vector<std::string> out;
  for (size_t i : PlanCompaction(metas, ranges)) out.push_back(metas[i].ulid);
  return out;
}

using Ids = std::vector<std::string>;

TEST(CompactPlanTest, Ranges) {
  const int64_t h = 3600 * 1000;
  std::vector<int64_t> r = ExponentialBlockRanges(2 * h, 10, 3);
  ASSERT_EQ(r.size(), 10u);
  EXPECT_EQ(r[0], 2 * h);
  EXPECT_EQ(r[1], 6 * h);
  EXPECT_EQ(r[2], 18 * h);
  EXPECT_EQ(r[3], 54 * h);
  // 15d retention: max block 36h -> 2h, 6h, 18h.
  EXPECT_EQ(CompactionRanges(2 * h, 36 * h), (std::vector<int64_t>{2 * h, 6 * h, 18 * h}));
  // Max below min: just the head range, so no leveled compaction.
  EXPECT_EQ(CompactionRanges(2 * h, h), (std::vector<int64_t>{2 * h}));
}

TEST(CompactPlanTest, LeveledPlans) {
  const std::vector<int64_t> ranges = {20, 60, 180};
  // Nothing with fewer than two blocks.
  EXPECT_EQ(PlanIds({}, ranges), Ids{});
  EXPECT_EQ(PlanIds({Meta("a", 0, 20)}, ranges), Ids{});
  // Three blocks fill [0,60), the newest is left alone.
  EXPECT_EQ(PlanIds({Meta("a", 0, 20), Meta("b", 20, 40), Meta("c", 40, 60), Meta("d", 60, 80)},
                    ranges),
            (Ids{"a", "b", "c"}));
  // Order of the input does not matter.
  EXPECT_EQ(PlanIds({Meta("d", 60, 80), Meta("b", 20, 40), Meta("c", 40, 60), Meta("a", 0, 20)},
                    ranges),
            (Ids{"a", "b", "c"}));
  // The newest block is excluded: [0,60) is not complete without it.
  EXPECT_EQ(PlanIds({Meta("a", 0, 20), Meta("b", 20, 40), Meta("c", 40, 60)}, ranges), Ids{});
  // A partial window before the newest block is not merged yet either...
  EXPECT_EQ(PlanIds({Meta("a", 0, 20), Meta("b", 20, 40), Meta("c", 40, 60)}, ranges), Ids{});
  // ...but is once a later window has begun (it can no longer grow).
  EXPECT_EQ(PlanIds({Meta("a", 0, 20), Meta("b", 20, 40), Meta("c", 60, 80), Meta("d", 80, 100)},
                    ranges),
            (Ids{"a", "b"}));
  // Gaps are fine when the group spans the whole window.
  EXPECT_EQ(PlanIds({Meta("a", 0, 20), Meta("c", 40, 60), Meta("d", 60, 80)}, ranges),
            (Ids{"a", "c"}));
  // Level 2: three 60-blocks fill [0,180).
  EXPECT_EQ(PlanIds({Meta("a", 0, 60), Meta("b", 60, 120), Meta("c", 120, 180),
                     Meta("d", 180, 200)},
                    ranges),
            (Ids{"a", "b", "c"}));
  // The smaller range is planned first, the oldest group first.
  EXPECT_EQ(PlanIds({Meta("a", 0, 60), Meta("b", 60, 120), Meta("c", 120, 140),
                     Meta("d", 140, 160), Meta("e", 160, 180), Meta("f", 180, 200)},
                    ranges),
            (Ids{"c", "d", "e"}));
  // The biggest range caps the merge: 180-blocks stay as they are.
  EXPECT_EQ(PlanIds({Meta("a", 0, 180), Meta("b", 180, 360), Meta("c", 360, 540),
                     Meta("d", 540, 560)},
                    ranges),
            Ids{});
  // Only one range: no leveled compaction.
  EXPECT_EQ(PlanIds({Meta("a", 0, 20), Meta("b", 20, 40), Meta("c", 40, 60), Meta("d", 60, 80)},
                    {20}),
            Ids{});
}

TEST(CompactPlanTest, OverlappingBlocksComeFirst) {
  const std::vector<int64_t> ranges = {20, 60, 180};
  EXPECT_EQ(PlanIds({Meta("a", 0, 20), Meta("b", 10, 30), Meta("c", 40, 60)}, ranges),
            (Ids{"a", "b"}));
  // A chain of overlaps is one group; later overlaps wait for the next plan.
  EXPECT_EQ(PlanIds({Meta("a", 0, 20), Meta("b", 10, 30), Meta("c", 25, 35), Meta("d", 40, 60),
                     Meta("e", 50, 70)},
                    ranges),
            (Ids{"a", "b", "c"}));
  // The newest block takes part in vertical compaction (even with one range).
  EXPECT_EQ(PlanIds({Meta("a", 0, 20), Meta("b", 20, 40), Meta("c", 0, 40)}, {20}),
            (Ids{"a", "c", "b"}));
  // Touching is not overlapping (max_time is exclusive).
  EXPECT_EQ(PlanIds({Meta("a", 0, 20), Meta("b", 20, 40)}, {20}), Ids{});
}

// ---- the DB ----

using Model = std::map<std::string, std::map<int64_t, double>>;

constexpr int kSeries = 6;
constexpr int64_t kStep = 100;

Labels SeriesLabels(int i) { return Labels({{"__name__", "m"}, {"i", std::to_string(i)}}); }
double ValueAt(int i, int64_t t) { return i * 1000.0 + static_cast<double>(t) / 3.0; }

std::vector<labels::Matcher> All() {
  return {*labels::Matcher::Make(labels::MatchType::kRegexMatch, "__name__", ".+")};
}

// Every sample of `q`; duplicates or disorder fail the test.
Model Query(storage::Queryable& q, int64_t mint = kMin, int64_t maxt = kMax) {
  Model out;
  auto querier = q.NewQuerier(mint, maxt);
  EXPECT_TRUE(querier.ok()) << querier.status().ToString();
  if (!querier.ok()) return out;
  auto ss = (*querier)->Select(true, nullptr, All());
  while (ss->Next()) {
    auto& series = out[ss->At().Labels().ToString()];
    auto it = ss->At().Iterator();
    int64_t prev = kMin;
    while (it->Next() == storage::ValueType::kFloat) {
      int64_t t;
      double v;
      it->At(&t, &v);
      EXPECT_GT(t, prev) << "timestamps must increase";
      prev = t;
      series[t] = v;
    }
    EXPECT_TRUE(it->Err().ok()) << it->Err().ToString();
  }
  EXPECT_TRUE(ss->Err().ok()) << ss->Err().ToString();
  return out;
}

size_t Count(const Model& m) {
  size_t n = 0;
  for (const auto& [ls, s] : m) n += s.size();
  return n;
}

// Blocks sorted by min time never overlap.
void ExpectNoOverlap(const std::vector<std::shared_ptr<block::Block>>& blocks,
                     const std::string& where) {
  for (size_t i = 1; i < blocks.size(); ++i) {
    EXPECT_GE(blocks[i]->MinTime(), blocks[i - 1]->MaxTime())
        << where << ": blocks " << blocks[i - 1]->dir() << " and " << blocks[i]->dir()
        << " overlap";
  }
}

class CompactDBTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() /
            ("ward_compact_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
    opts_.min_block_duration_ms = 2000;  // ranges 2s, 6s, 18s, 54s, ...
    opts_.wal_compression = false;
    opts_.wal_fsync_interval_ms = 0;
    opts_.compaction_interval_ms = 0;
    opts_.samples_per_chunk = 8;
    opts_.truncate_wait_ms = 2000;
  }
  void TearDown() override {
    db_.reset();
    for (const auto& p : extra_dirs_) fs::remove_all(p);
    fs::remove_all(dir_);
  }
  std::string Extra(const std::string& suffix) {
    std::string p = dir_ + "_" + suffix;
    fs::remove_all(p);
    extra_dirs_.push_back(p);
    return p;
  }

  std::unique_ptr<DB> OpenAt(const std::string& dir) {
    auto db = DB::Open(dir, opts_);
    EXPECT_TRUE(db.ok()) << dir << ": " << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }

  // Appends every series' samples with from <= t < to into `db`, recording
  // them in `model`.
  static void AppendRange(DB& db, Model& model, int64_t from, int64_t to, int shift = 0) {
    auto app = db.NewAppender();
    for (int64_t t = from; t < to; t += kStep) {
      for (int i = 0; i < kSeries; ++i) {
        double v = ValueAt(i + shift, t);
        auto r = app->Append(0, SeriesLabels(i), t, v);
        ASSERT_TRUE(r.ok()) << r.status().ToString() << " t=" << t;
        model[SeriesLabels(i).ToString()][t] = v;
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }

  std::string dir_;
  Options opts_;
  std::unique_ptr<DB> db_;
  Model model_;
  std::vector<std::string> extra_dirs_;
};

TEST_F(CompactDBTest, LeveledCompactionMatchesModelAndSurvivesRestart) {
  db_ = OpenAt(dir_);
  ASSERT_NE(db_, nullptr);
  for (int64_t t = 0; t < 42000; t += 1000) {
    AppendRange(*db_, model_, t, t + 1000);
    ASSERT_TRUE(db_->Compact().ok());
    ExpectNoOverlap(db_->Blocks(), "t=" + std::to_string(t));
  }
  EXPECT_TRUE(Query(*db_) == model_);
  auto blocks = db_->Blocks();
  // [0,18000) and [18000,36000) at level 3, then 6 s and 2 s blocks.
  ASSERT_GE(blocks.size(), 3u);
  block::BlockMeta first = blocks[0]->meta();
  EXPECT_EQ(first.min_time, 0);
  EXPECT_EQ(first.max_time, 18000);
  EXPECT_EQ(first.compaction.level, 3);
  EXPECT_EQ(first.compaction.sources.size(), 9u);  // nine 2 s head blocks
  EXPECT_EQ(first.compaction.parents.size(), 3u);
  EXPECT_TRUE(std::is_sorted(first.compaction.sources.begin(), first.compaction.sources.end()));
  EXPECT_EQ(first.stats.num_samples, 18000 / kStep * kSeries);
  EXPECT_EQ(blocks[1]->MinTime(), 18000);
  EXPECT_EQ(blocks[1]->MaxTime(), 36000);
  for (const auto& b : blocks) {
    EXPECT_LE(b->MaxTime() - b->MinTime(), 18000);
    // Parents are gone from the disk.
    for (const auto& p : b->meta().compaction.parents) EXPECT_FALSE(fs::exists(dir_ + "/" + p.ulid));
  }
  ASSERT_TRUE(db_->Close().ok());
  db_ = OpenAt(dir_);
  ASSERT_NE(db_, nullptr);
  EXPECT_EQ(db_->Blocks().size(), blocks.size());
  EXPECT_TRUE(Query(*db_) == model_);
  EXPECT_TRUE(Query(*db_, 17000, 19050) == [&] {
    Model m;
    for (const auto& [ls, s] : model_)
      for (const auto& [t, v] : s)
        if (t >= 17000 && t <= 19050) m[ls][t] = v;
    return m;
  }());
}

// compacted_chunk_encoding = kDense: merged blocks hold only dense chunks
// (meta.json version 2), head blocks stay XOR, every sample stays readable
// across further merges (dense parents) and a restart.
TEST_F(CompactDBTest, DenseCompactedBlocksMatchModel) {
  opts_.compacted_chunk_encoding = chunkenc::Encoding::kDense;
  db_ = OpenAt(dir_);
  ASSERT_NE(db_, nullptr);
  for (int64_t t = 0; t < 42000; t += 1000) {
    AppendRange(*db_, model_, t, t + 1000);
    ASSERT_TRUE(db_->Compact().ok());
  }
  EXPECT_TRUE(Query(*db_) == model_);
  int dense_blocks = 0;
  for (const auto& b : db_->Blocks()) {
    block::BlockMeta m = b->meta();
    std::vector<uint32_t> ids;
    ASSERT_TRUE(b->index().AllPostings(&ids).ok());
    labels::Labels l;
    std::vector<index::ChunkMeta> chks;
    ASSERT_TRUE(b->index().Series(ids[0], &l, &chks).ok());
    chunkenc::Encoding enc;
    std::string_view data;
    ASSERT_TRUE(b->chunks().Chunk(chks[0].ref, &enc, &data).ok());
    if (m.compaction.level > 1) {
      EXPECT_EQ(enc, chunkenc::Encoding::kDense) << b->dir();
      EXPECT_EQ(m.version, block::kMetaVersionDense);
      EXPECT_EQ(chks.size(), 1u);  // one dense chunk per series and block
      ++dense_blocks;
    } else {
      EXPECT_EQ(enc, chunkenc::Encoding::kXOR) << b->dir();
      EXPECT_EQ(m.version, block::kMetaVersion1);
    }
  }
  EXPECT_GE(dense_blocks, 2);
  ASSERT_TRUE(db_->Close().ok());
  db_ = OpenAt(dir_);
  ASSERT_NE(db_, nullptr);
  EXPECT_TRUE(Query(*db_) == model_);
  EXPECT_TRUE(Query(*db_, 17000, 19050) == [&] {
    Model m;
    for (const auto& [ls, s] : model_)
      for (const auto& [t, v] : s)
        if (t >= 17000 && t <= 19050) m[ls][t] = v;
    return m;
  }());
  // A bad encoding value is refused.
  Options bad = opts_;
  bad.compacted_chunk_encoding = chunkenc::Encoding::kHistogram;
  EXPECT_TRUE(DB::Open(Extra("bad"), bad).status().IsInvalidArgument());
}

TEST_F(CompactDBTest, MaxBlockDurationCapsLevels) {
  opts_.max_block_duration_ms = 6000;  // 2 s and 6 s only
  db_ = OpenAt(dir_);
  ASSERT_NE(db_, nullptr);
  for (int64_t t = 0; t < 30000; t += 1000) {
    AppendRange(*db_, model_, t, t + 1000);
    ASSERT_TRUE(db_->Compact().ok());
  }
  EXPECT_TRUE(Query(*db_) == model_);
  for (const auto& b : db_->Blocks()) {
    EXPECT_LE(b->MaxTime() - b->MinTime(), 6000);
    EXPECT_LE(b->meta().compaction.level, 2);
  }
  EXPECT_GE(db_->Blocks().size(), 4u);
}

TEST_F(CompactDBTest, CrashAtEveryCompactionStepRecoversExactly) {
  std::vector<std::pair<std::string, Model>> snaps;
  int n = 0;
  opts_.test_hook = [&](const std::string& step) {
    if (step != "compaction_written" && step != "parents_deleted" && step != "block_written")
      return;
    std::string to = Extra("crash_" + std::to_string(n++) + "_" + step);
    fs::copy(dir_, to, fs::copy_options::recursive);
    fs::remove(to + "/lock");
    snaps.emplace_back(to, model_);
  };
  db_ = OpenAt(dir_);
  ASSERT_NE(db_, nullptr);
  for (int64_t t = 0; t < 24000; t += 1000) {
    AppendRange(*db_, model_, t, t + 1000);
    ASSERT_TRUE(db_->Sync().ok());
    ASSERT_TRUE(db_->Compact().ok());
  }
  db_.reset();
  opts_.test_hook = nullptr;
  int written = 0;
  for (const auto& [path, model] : snaps) written += path.find("compaction_written") != std::string::npos;
  ASSERT_GE(written, 4) << "expected several block compactions";
  for (const auto& [path, model] : snaps) {
    auto db = OpenAt(path);
    ASSERT_NE(db, nullptr);
    // A crash after the rename: the parents are deleted on open.
    ExpectNoOverlap(db->Blocks(), path);
    uint64_t in_blocks = 0;
    for (const auto& b : db->Blocks()) in_blocks += b->meta().stats.num_samples;
    Model got = Query(*db);
    EXPECT_TRUE(got == model) << "crash copy " << path << " differs";
    EXPECT_LE(in_blocks, Count(model)) << path << ": a sample is stored twice";
    // It keeps working.
    ASSERT_TRUE(db->CompactHead().ok()) << path;
    ExpectNoOverlap(db->Blocks(), path + " after compaction");
    EXPECT_TRUE(Query(*db) == model) << "crash copy " << path << " differs after compaction";
    ASSERT_TRUE(db->Close().ok());
    fs::remove_all(path);
  }
}

TEST_F(CompactDBTest, SnapshotHoldsBlocksAndHead) {
  db_ = OpenAt(dir_);
  ASSERT_NE(db_, nullptr);
  for (int64_t t = 0; t < 9000; t += 1000) {
    AppendRange(*db_, model_, t, t + 1000);
    ASSERT_TRUE(db_->Compact().ok());
  }
  ASSERT_FALSE(db_->Blocks().empty());
  ASSERT_LT(db_->head()->MinTime(), 9000);  // the head holds data too
  std::string snap = Extra("snap");
  ASSERT_TRUE(db_->Snapshot(snap, /*with_head=*/true).ok());
  std::string snap_blocks = Extra("snap_blocks");
  ASSERT_TRUE(db_->Snapshot(snap_blocks, /*with_head=*/false).ok());

  // Every directory is a block, readable alone; together they equal the DB.
  std::vector<std::unique_ptr<storage::Querier>> qs;
  size_t dirs = 0;
  for (const auto& e : fs::directory_iterator(snap)) {
    ASSERT_TRUE(block::ParseULID(e.path().filename().string())) << e.path();
    auto b = block::Block::Open(e.path().string());
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    auto q = (*b)->NewQuerier(kMin, kMax);
    ASSERT_TRUE(q.ok());
    qs.push_back(std::move(*q));
    ++dirs;
  }
  EXPECT_EQ(dirs, db_->Blocks().size() + 1);
  block::MergeQuerier merged(std::move(qs));
  auto ss = merged.Select(true, nullptr, All());
  Model got;
  while (ss->Next()) {
    auto it = ss->At().Iterator();
    while (it->Next() == storage::ValueType::kFloat) {
      int64_t t;
      double v;
      it->At(&t, &v);
      got[ss->At().Labels().ToString()][t] = v;
    }
  }
  EXPECT_TRUE(got == model_) << "snapshot blocks differ from the DB";

  // Appends after the snapshot do not show in it; it opens as a DB.
  Model later = model_;
  AppendRange(*db_, later, 9000, 9500);
  auto sdb = OpenAt(snap);
  ASSERT_NE(sdb, nullptr);
  EXPECT_TRUE(Query(*sdb) == model_);
  ASSERT_TRUE(sdb->Close().ok());
  // Without the head: only the blocks.
  EXPECT_EQ(static_cast<size_t>(std::distance(fs::directory_iterator(snap_blocks),
                                              fs::directory_iterator())),
            db_->Blocks().size());
  EXPECT_TRUE(Query(*db_) == later);
}

TEST_F(CompactDBTest, VerticalCompactionMergesBackfilledBlocksWithoutDuplicates) {
  // Two sources whose data overlap on [3000, 5000) (same samples there) are
  // snapshotted into one directory, as a backfill would leave it.
  Model model;
  std::string a = Extra("a"), b = Extra("b");
  {
    auto da = OpenAt(a);
    ASSERT_NE(da, nullptr);
    AppendRange(*da, model, 0, 5000);
    ASSERT_TRUE(da->Snapshot(dir_, true).ok());
    auto db = OpenAt(b);
    ASSERT_NE(db, nullptr);
    AppendRange(*db, model, 3000, 8000);
    ASSERT_TRUE(db->Snapshot(dir_, true).ok());
  }
  // One series only in the second source, with a different value at a
  // shared timestamp in the first: the older block's value wins.
  ASSERT_EQ(Count(model), 80u * kSeries);
  db_ = OpenAt(dir_);
  ASSERT_NE(db_, nullptr);
  ASSERT_EQ(db_->Blocks().size(), 2u);
  EXPECT_LT(db_->Blocks()[1]->MinTime(), db_->Blocks()[0]->MaxTime());
  EXPECT_TRUE(Query(*db_) == model) << "overlapping blocks must not show duplicates";
  ASSERT_TRUE(db_->Compact().ok());
  auto blocks = db_->Blocks();
  ASSERT_EQ(blocks.size(), 1u);
  block::BlockMeta m = blocks[0]->meta();
  EXPECT_EQ(m.min_time, 0);
  EXPECT_EQ(m.max_time, 7901);
  EXPECT_EQ(m.compaction.level, 2);
  EXPECT_EQ(m.compaction.parents.size(), 2u);
  EXPECT_EQ(m.stats.num_samples, Count(model)) << "duplicates must be dropped on disk";
  EXPECT_TRUE(Query(*db_) == model);
  ASSERT_TRUE(db_->Close().ok());
  db_ = OpenAt(dir_);
  ASSERT_NE(db_, nullptr);
  EXPECT_EQ(db_->Blocks().size(), 1u);
  EXPECT_TRUE(Query(*db_) == model);
}

TEST_F(CompactDBTest, VerticalCompactionKeepsTheOlderBlocksValueOnConflict) {
  Model first, second;
  std::string a = Extra("a"), b = Extra("b");
  {
    auto da = OpenAt(a);
    ASSERT_NE(da, nullptr);
    AppendRange(*da, first, 0, 3000);
    ASSERT_TRUE(da->Snapshot(dir_, true).ok());
    auto db = OpenAt(b);
    ASSERT_NE(db, nullptr);
    AppendRange(*db, second, 1000, 4000, /*shift=*/1);  // other values
    ASSERT_TRUE(db->Snapshot(dir_, true).ok());
  }
  Model want = second;
  for (const auto& [ls, s] : first)
    for (const auto& [t, v] : s) want[ls][t] = v;  // the older block wins
  db_ = OpenAt(dir_);
  ASSERT_NE(db_, nullptr);
  ASSERT_TRUE(db_->Compact().ok());
  ASSERT_EQ(db_->Blocks().size(), 1u);
  EXPECT_EQ(db_->Blocks()[0]->meta().stats.num_samples, Count(want));
  EXPECT_TRUE(Query(*db_) == want);
}

TEST_F(CompactDBTest, BackgroundCompactionWithConcurrentQueries) {
  opts_.compaction_interval_ms = 20;  // the background thread merges blocks
  db_ = OpenAt(dir_);
  ASSERT_NE(db_, nullptr);
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto q = db_->NewQuerier(kMin, kMax);
      if (!q.ok()) {
        ++bad;
        continue;
      }
      auto ss = (*q)->Select(true, nullptr, All());
      while (ss->Next()) {
        auto it = ss->At().Iterator();
        int64_t prev = kMin;
        while (it->Next() == storage::ValueType::kFloat) {
          int64_t t;
          double v;
          it->At(&t, &v);
          if (t <= prev) ++bad;
          prev = t;
        }
        if (!it->Err().ok()) ++bad;
      }
      if (!ss->Err().ok()) ++bad;
    }
  });
  for (int64_t t = 0; t < 30000; t += 500) {
    AppendRange(*db_, model_, t, t + 500);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  // Let the background thread catch up with the head.
  auto max_level = [&] {
    int m = 0;
    for (const auto& b : db_->Blocks()) m = std::max(m, b->meta().compaction.level);
    return m;
  };
  for (int i = 0; i < 1000 && (max_level() < 2 || db_->head()->MinTime() < 26000); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  done = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  ExpectNoOverlap(db_->Blocks(), "background");
  EXPECT_TRUE(Query(*db_) == model_);
  EXPECT_GE(max_level(), 2);
  EXPECT_GE(db_->head()->MinTime(), 26000);
}

// ---- promtool (Prometheus 2.42) reads a compacted block ----

std::string FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "");
  std::string d;
  while (std::getline(ss, d, ':')) {
    std::string p = d + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

std::string RunCommand(const std::vector<std::string>& argv, int* code) {
  std::string cmd;
  for (const auto& a : argv) cmd += "'" + a + "' ";
  cmd += "2>&1";
  FILE* f = ::popen(cmd.c_str(), "r");
  std::string out;
  if (f == nullptr) {
    *code = -1;
    return out;
  }
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int st = ::pclose(f);
  *code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

std::vector<std::string> SortedLines(const std::string& s) {
  std::vector<std::string> lines;
  std::stringstream ss(s);
  std::string l;
  while (std::getline(ss, l)) lines.push_back(l);
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST_F(CompactDBTest, PromtoolDumpsACompactedBlockLikeWard) {
  db_ = OpenAt(dir_);
  ASSERT_NE(db_, nullptr);
  for (int64_t t = 0; t < 12000; t += 1000) {
    AppendRange(*db_, model_, t, t + 1000);
    ASSERT_TRUE(db_->Compact().ok());
  }
  // Keep only the level-2 block: snapshot it alone.
  std::string only = Extra("level2");
  auto blocks = db_->Blocks();
  ASSERT_FALSE(blocks.empty());
  ASSERT_EQ(blocks[0]->meta().compaction.level, 2);
  fs::create_directories(only + "/wal");  // promtool wants one
  fs::copy(blocks[0]->dir(), only + "/" + fs::path(blocks[0]->dir()).filename().string(),
           fs::copy_options::recursive);
  std::ostringstream ours;
  ASSERT_TRUE(DumpSamples(only, kMin, kMax, {}, ours).ok());
  size_t want = 0;
  for (const auto& [ls, s] : model_)
    for (const auto& [t, v] : s) want += t < blocks[0]->MaxTime();
  EXPECT_EQ(SortedLines(ours.str()).size(), want);

  std::string promtool = FindInPath("promtool");
  if (promtool.empty()) GTEST_SKIP() << "promtool not installed";
  int code = 0;
  std::string theirs = RunCommand(
      {promtool, "tsdb", "dump", "--min-time=-1000000", "--max-time=100000000", only}, &code);
  ASSERT_EQ(code, 0) << "promtool tsdb dump failed on a compacted block: " << theirs;
  EXPECT_TRUE(SortedLines(theirs) == SortedLines(ours.str())) << "promtool's dump differs";
}

}  // namespace
}  // namespace ward::tsdb
