// Chunk snapshot tests: the record format, naming, and DB restarts from a
// snapshot compared sample by sample (and chunk by chunk) with a full WAL
// replay of the same directory, across appends after restart, head cuts
// with WAL checkpoints, crashes, and corrupt or stale snapshots.
#include "tsdb/head_snapshot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "tsdb/chunkenc/xor.h"
#include "tsdb/test_util.h"
#include "tsdb/db.h"
#include "tsdb/head.h"
#include "tsdb/wlog/wlog.h"

namespace ward::tsdb {
namespace {

namespace fs = std::filesystem;
using labels::Labels;
using labels::Matcher;
using labels::MatchType;

using testing::QueryAll;
using testing::Sample;
using testing::SeriesMap;

// Per series: its ref, full chunk time ranges and open chunk bytes, so two
// heads can be compared chunk by chunk, not only sample by sample.
std::map<std::string, std::string> HeadLayout(DB& db) {
  std::map<std::string, std::string> out;
  SeriesMap all = QueryAll(db);
  for (const auto& [l, samples] : all) {
    MemSeries* s = db.head()->GetByLabels(l, l.Hash());
    if (s == nullptr) continue;
    std::lock_guard<SpinLock> g(s->lock);
    std::string d = "ref=" + std::to_string(s->ref);
    for (const ChunkMeta& c : s->full_chunks) {
      d += " [" + std::to_string(c.mint) + "," + std::to_string(c.maxt) + "]";
    }
    if (s->head_chunk.has_value()) {
      d += " open[" + std::to_string(s->head_mint) + "," + std::to_string(s->head_maxt()) + "]";
      d += std::string(s->head_chunk->Bytes());
    }
    out[l.ToString()] = d;
  }
  return out;
}

std::vector<std::string> Snapshots(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (n.rfind(kChunkSnapshotPrefix, 0) == 0) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

class HeadSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ward_snap_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::remove_all(dir_ + "_full");
    opts_.wal_fsync_interval_ms = 0;
    opts_.compaction_interval_ms = 0;
  }
  void TearDown() override {
    fs::remove_all(dir_);
    fs::remove_all(dir_ + "_full");
    fs::remove_all(dir_ + "_crash");
  }

  std::unique_ptr<DB> Open(const std::string& dir) {
    auto db = DB::Open(dir, opts_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }

  // Appends `n` rounds to `series` series with irregular steps (so chunks
  // get cut at different points), stale markers and a few duplicates.
  void Fill(DB* db, int series, int n, int64_t start, uint32_t seed) {
    std::mt19937 rng(seed);
    for (int i = 0; i < n; ++i) {
      auto app = db->NewAppender();
      for (int s = 0; s < series; ++s) {
        // Some series stop early, so they end with different chunk states.
        if (s % 7 == 3 && i > n / 2) continue;
        Labels l{{"__name__", "metric_" + std::to_string(s % 3)}, {"s", std::to_string(s)}};
        int64_t t = start + int64_t{i} * 15'000 + static_cast<int64_t>(rng() % 1000);
        double v = rng() % 17 == 0 ? storage::StaleNaN() : s * 1000.0 + i * 0.25 + rng() % 5;
        ASSERT_TRUE(app->Append(0, l, t, v).ok());
        model_[l].push_back({t, v});
      }
      ASSERT_TRUE(app->Commit().ok());
    }
  }

  // A copy of dir without its snapshot: opening it replays the whole WAL.
  std::string FullReplayCopy(const std::string& dir) {
    std::string copy = dir + "_full";
    fs::remove_all(copy);
    fs::copy(dir, copy, fs::copy_options::recursive);
    EXPECT_TRUE(DeleteChunkSnapshots(copy).ok());
    return copy;
  }

  std::string dir_;
  Options opts_;
  SeriesMap model_;
};

TEST(SnapshotRecordTest, SeriesRoundTripWithRightAlignedSampleBuffer) {
  chunkenc::XORChunk c;
  auto* app = c.GetAppender();
  app->Append(1000, 1.5);
  app->Append(2000, 2.5);
  std::string rec;
  Labels l{{"__name__", "up"}, {"job", "x"}};
  EncodeSnapshotSeries(
      &rec, 42, 2,
      [&](uint32_t i, std::string_view* n, std::string_view* v) {
        *n = l[i].name;
        *v = l[i].value;
      },
      7200000, c.Bytes(), 1000, 2000);
  SnapshotSeries s;
  ASSERT_TRUE(DecodeSnapshotSeries(rec, &s).ok());
  EXPECT_EQ(s.ref, 42u);
  EXPECT_EQ(s.lset, l);
  EXPECT_EQ(s.chunk_range, 7200000);
  ASSERT_TRUE(s.has_chunk);
  EXPECT_EQ(s.mint, 1000);
  EXPECT_EQ(s.maxt, 2000);
  EXPECT_EQ(s.chunk, c.Bytes());
  // Two samples: slots 2 and 3 hold them, 0 and 1 are zero.
  EXPECT_EQ(s.buf_t[0], 0);
  EXPECT_EQ(s.buf_t[1], 0);
  EXPECT_EQ(s.buf_t[2], 1000);
  EXPECT_EQ(s.buf_v[2], 1.5);
  EXPECT_EQ(s.buf_t[3], 2000);
  EXPECT_EQ(s.buf_v[3], 2.5);

  // Every truncation is a clean Corruption, never a crash.
  for (size_t n = 0; n < rec.size(); ++n) {
    SnapshotSeries t;
    EXPECT_TRUE(DecodeSnapshotSeries(std::string_view(rec).substr(0, n), &t).IsCorruption()) << n;
  }
  EXPECT_TRUE(DecodeSnapshotSeries(rec + "x", &s).IsCorruption());

  std::string empty;
  EncodeSnapshotSeries(
      &empty, 7, 0, [](uint32_t, std::string_view*, std::string_view*) {}, 0, {}, 0, 0);
  SnapshotSeries e;
  ASSERT_TRUE(DecodeSnapshotSeries(empty, &e).ok());
  EXPECT_FALSE(e.has_chunk);
  EXPECT_EQ(e.ref, 7u);
}

TEST(SnapshotRecordTest, TombstonesUseTheBareEncoding) {
  // Prometheus's tombstones.Encode: version byte, then uvarint ref, varint
  // mint, varint maxt per interval; no magic, no CRC.
  tombstones::MemTombstones ts;
  ts.AddInterval(5, {-2, 3});
  ts.AddInterval(1, {10, 20});
  std::string rec;
  EncodeSnapshotTombstones(ts, &rec);
  EXPECT_EQ(rec, std::string("\x02\x07\x01\x01\x14\x28\x05\x03\x06", 9));
  std::vector<std::pair<uint64_t, tombstones::Interval>> got;
  ASSERT_TRUE(DecodeSnapshotTombstones(rec, &got).ok());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].first, 1u);
  EXPECT_EQ(got[0].second, (tombstones::Interval{10, 20}));
  EXPECT_EQ(got[1].first, 5u);
  EXPECT_EQ(got[1].second, (tombstones::Interval{-2, 3}));
  // Empty: the version byte alone (what Prometheus writes with no deletes).
  EncodeSnapshotTombstones(tombstones::MemTombstones(), &rec);
  EXPECT_EQ(rec, std::string("\x02\x01\x01", 3));
  got.clear();
  ASSERT_TRUE(DecodeSnapshotTombstones(rec, &got).ok());
  EXPECT_TRUE(got.empty());
  for (size_t n = 0; n + 1 < 11; ++n) {
    std::string bad = std::string("\x02") + static_cast<char>(n) + std::string(n, '\xff');
    EXPECT_FALSE(DecodeSnapshotTombstones(bad, &got).ok()) << n;
  }
}

TEST(SnapshotRecordTest, SampleBufferHoldsTheLastFourSamples) {
  chunkenc::XORChunk c;
  auto* app = c.GetAppender();
  for (int i = 1; i <= 9; ++i) app->Append(i * 10, i * 1.0);
  std::string rec;
  EncodeSnapshotSeries(
      &rec, 1, 0, [](uint32_t, std::string_view*, std::string_view*) {}, 0, c.Bytes(), 10, 90);
  SnapshotSeries s;
  ASSERT_TRUE(DecodeSnapshotSeries(rec, &s).ok());
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(s.buf_t[i], (6 + i) * 10);
    EXPECT_EQ(s.buf_v[i], 6.0 + i);
  }
}

TEST(SnapshotRecordTest, NamesOrderingAndDeletion) {
  std::string root = fs::temp_directory_path() / ("ward_snap_names_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  EXPECT_EQ(ChunkSnapshotDir(root, 3, 4096), root + "/chunk_snapshot.000003.0000004096");
  EXPECT_TRUE(LastChunkSnapshot(root).status().IsNotFound());
  for (auto [seg, off] : std::vector<std::pair<int, int64_t>>{{2, 99}, {3, 5}, {3, 40}, {1, 7}}) {
    fs::create_directories(ChunkSnapshotDir(root, seg, off));
  }
  fs::create_directories(root + "/chunk_snapshot.000009.0000000001.tmp");  // unfinished
  fs::create_directories(root + "/chunk_snapshot.x.1");                    // not ours
  auto last = LastChunkSnapshot(root);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->segment, 3);
  EXPECT_EQ(last->offset, 40);
  ASSERT_TRUE(DeleteChunkSnapshots(root, 3, 40).ok());
  EXPECT_EQ(Snapshots(root), (std::vector<std::string>{"chunk_snapshot.000003.0000000040",
                                                       "chunk_snapshot.000009.0000000001.tmp",
                                                       "chunk_snapshot.x.1"}));
  ASSERT_TRUE(DeleteChunkSnapshots(root, 0, 0, /*tmp=*/true).ok());
  EXPECT_EQ(Snapshots(root),
            (std::vector<std::string>{"chunk_snapshot.000003.0000000040", "chunk_snapshot.x.1"}));
  // A file where a snapshot directory should be is an error, as Prometheus.
  std::ofstream(root + "/chunk_snapshot.000010.0000000000") << "x";
  EXPECT_TRUE(LastChunkSnapshot(root).status().IsCorruption());
  fs::remove_all(root);
}

TEST_F(HeadSnapshotTest, RestartFromSnapshotEqualsFullReplay) {
  {
    auto db = Open(dir_);
    Fill(db.get(), 50, 400, 0, 1);
    ASSERT_TRUE(db->Delete(30'000, 90'000, {*Matcher::Make(MatchType::kEqual, "s", "4")}).ok());
    // A series whose appender is still open at Close is not in the WAL (a
    // rollback would log it, but the WAL is closed by then): the snapshot
    // must not bring it back either.
    auto a = db->NewAppender();
    ASSERT_TRUE(a->Append(0, Labels{{"__name__", "never_committed"}}, 10'000'000, 1).ok());
    ASSERT_TRUE(db->Close().ok());
    a.reset();
  }
  ASSERT_EQ(Snapshots(dir_).size(), 1u);
  std::string full = FullReplayCopy(dir_);
  auto snap_db = Open(dir_);
  auto full_db = Open(full);
  ASSERT_NE(snap_db, nullptr);
  ASSERT_NE(full_db, nullptr);
  // The snapshot path read no WAL sample; the other read all.
  EXPECT_EQ(snap_db->head()->stats().wal_replay_samples.load(), 0u);
  EXPECT_GT(full_db->head()->stats().wal_replay_samples.load(), 0u);
  SeriesMap got = QueryAll(*snap_db);
  EXPECT_EQ(got, QueryAll(*full_db));
  SeriesMap want = model_;
  auto& s4 = want[Labels{{"__name__", "metric_1"}, {"s", "4"}}];
  s4.erase(std::remove_if(s4.begin(), s4.end(),
                          [](const Sample& x) { return x.t >= 30'000 && x.t <= 90'000; }),
           s4.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(HeadLayout(*snap_db), HeadLayout(*full_db));
  EXPECT_EQ(snap_db->head()->MinTime(), full_db->head()->MinTime());
  EXPECT_EQ(snap_db->head()->MaxTime(), full_db->head()->MaxTime());
  EXPECT_EQ(snap_db->head()->NumSeries(), full_db->head()->NumSeries());

  // Appending after the restart continues the restored chunks exactly as
  // the replayed ones: same chunk cuts, same bytes.
  SeriesMap before = model_;
  Fill(snap_db.get(), 50, 200, 400 * 15'000, 2);
  model_ = before;
  Fill(full_db.get(), 50, 200, 400 * 15'000, 2);
  EXPECT_EQ(QueryAll(*snap_db), QueryAll(*full_db));
  EXPECT_EQ(HeadLayout(*snap_db), HeadLayout(*full_db));
  // Duplicates are still told apart from equal samples after the restart.
  {
    auto a = snap_db->NewAppender();
    Labels l{{"__name__", "metric_0"}, {"s", "0"}};
    const Sample last = model_[l].back();
    EXPECT_TRUE(a->Append(0, l, last.t, last.v).ok());  // same value: accepted silently
    ASSERT_TRUE(a->Commit().ok());
  }
}

TEST_F(HeadSnapshotTest, CrashAfterRestartReplaysSnapshotPlusNewWAL) {
  {
    auto db = Open(dir_);
    Fill(db.get(), 20, 300, 0, 3);
    ASSERT_TRUE(db->Close().ok());
  }
  auto db = Open(dir_);
  ASSERT_NE(db, nullptr);
  Fill(db.get(), 20, 300, 300 * 15'000, 4);  // fills restored chunks, cuts new ones
  ASSERT_TRUE(db->Sync().ok());
  // A crash now: no new snapshot; the old one plus the newer WAL and
  // chunks_head must give everything.
  std::string crash = dir_ + "_crash";
  fs::remove_all(crash);
  fs::copy(dir_, crash, fs::copy_options::recursive);
  ASSERT_EQ(Snapshots(crash).size(), 1u);
  std::string full = FullReplayCopy(crash);
  auto from_snap = Open(crash);
  auto from_wal = Open(full);
  EXPECT_EQ(QueryAll(*from_snap), model_);
  EXPECT_EQ(QueryAll(*from_wal), model_);
  EXPECT_EQ(HeadLayout(*from_snap), HeadLayout(*from_wal));
}

TEST_F(HeadSnapshotTest, HeadCutDropsSnapshotAndCheckpointsReplayCorrectly) {
  opts_.min_block_duration_ms = 2 * 60 * 1000;  // 2m blocks, samples every 15s
  {
    auto db = Open(dir_);
    Fill(db.get(), 10, 40, 0, 5);
    ASSERT_TRUE(db->Close().ok());
  }
  ASSERT_EQ(Snapshots(dir_).size(), 1u);
  {
    auto db = Open(dir_);
    Fill(db.get(), 10, 40, 40 * 15'000, 6);
    ASSERT_TRUE(db->CompactHead().ok());  // cut blocks, truncate, checkpoint
    EXPECT_TRUE(Snapshots(dir_).empty()) << "a head cut invalidates the snapshot";
    EXPECT_FALSE(db->Blocks().empty());
    Fill(db.get(), 10, 40, 80 * 15'000, 7);
    ASSERT_TRUE(db->CompactHead().ok());
    ASSERT_TRUE(db->Close().ok());
  }
  ASSERT_EQ(Snapshots(dir_).size(), 1u);
  bool has_checkpoint = false;
  for (const auto& e : fs::directory_iterator(dir_ + "/wal")) {
    has_checkpoint |= e.path().filename().string().rfind("checkpoint.", 0) == 0;
  }
  EXPECT_TRUE(has_checkpoint);
  std::string full = FullReplayCopy(dir_);
  auto snap_db = Open(dir_);
  auto full_db = Open(full);
  EXPECT_EQ(QueryAll(*snap_db), model_);
  EXPECT_EQ(QueryAll(*full_db), model_);
  EXPECT_EQ(HeadLayout(*snap_db), HeadLayout(*full_db));
  EXPECT_EQ(snap_db->head()->stats().wal_replay_samples.load(), 0u);
}

TEST_F(HeadSnapshotTest, CorruptSnapshotIsDeletedAndWALReplayed) {
  {
    auto db = Open(dir_);
    Fill(db.get(), 30, 100, 0, 8);
    ASSERT_TRUE(db->Close().ok());
  }
  auto snaps = Snapshots(dir_);
  ASSERT_EQ(snaps.size(), 1u);
  std::string seg = dir_ + "/" + snaps[0] + "/00000000";
  ASSERT_TRUE(fs::exists(seg));
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    char c = 0;
    f.read(&c, 1);
    f.seekp(100);
    c ^= 0x5a;
    f.write(&c, 1);
  }
  auto db = Open(dir_);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(QueryAll(*db), model_);
  EXPECT_GT(db->head()->stats().wal_replay_samples.load(), 0u);
  EXPECT_TRUE(Snapshots(dir_).empty());
}

TEST_F(HeadSnapshotTest, CorruptChunksHeadFallsBackToFullReplay) {
  {
    auto db = Open(dir_);
    Fill(db.get(), 10, 400, 0, 12);
    ASSERT_TRUE(db->Close().ok());
  }
  ASSERT_EQ(Snapshots(dir_).size(), 1u);
  std::string file = dir_ + "/chunks_head/000001";
  ASSERT_GT(fs::file_size(file), 2000u);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(file) / 2));
    f.put('\x7f');
  }
  // The chunks cut off are only in the WAL before the snapshot: the
  // snapshot is dropped and the WAL replayed.
  auto db = Open(dir_);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(QueryAll(*db), model_);
  EXPECT_GT(db->head()->stats().wal_replay_samples.load(), 0u);
  EXPECT_TRUE(Snapshots(dir_).empty());
}

TEST_F(HeadSnapshotTest, UnknownRecordTypeFailsTheSnapshotNotTheOpen) {
  {
    auto db = Open(dir_);
    Fill(db.get(), 5, 50, 0, 9);
    ASSERT_TRUE(db->Close().ok());
  }
  auto snaps = Snapshots(dir_);
  ASSERT_EQ(snaps.size(), 1u);
  {
    // A record from a newer format appended to the snapshot.
    auto w = wlog::WL::Open(dir_ + "/" + snaps[0]);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Log(std::string_view("\x09zzz", 4)).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  auto db = Open(dir_);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(QueryAll(*db), model_);
  EXPECT_TRUE(Snapshots(dir_).empty());
}

TEST_F(HeadSnapshotTest, SnapshotAheadOfTheWALIsStale) {
  {
    auto db = Open(dir_);
    Fill(db.get(), 5, 50, 0, 10);
    ASSERT_TRUE(db->Close().ok());
  }
  auto snaps = Snapshots(dir_);
  ASSERT_EQ(snaps.size(), 1u);
  // Pretend the snapshot was taken at a later WAL segment than exists.
  fs::rename(dir_ + "/" + snaps[0], ChunkSnapshotDir(dir_, 999, 0));
  auto db = Open(dir_);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(QueryAll(*db), model_);
  EXPECT_GT(db->head()->stats().wal_replay_samples.load(), 0u);
  EXPECT_TRUE(Snapshots(dir_).empty());
}

TEST_F(HeadSnapshotTest, WALCutBeforeTheSnapshotOffsetIsReplayedAndRepaired) {
  opts_.wal_compression = false;
  {
    auto db = Open(dir_);
    Fill(db.get(), 50, 60, 0, 13);
    ASSERT_TRUE(db->Close().ok());
  }
  auto snaps = Snapshots(dir_);
  ASSERT_EQ(snaps.size(), 1u);
  auto pos = LastChunkSnapshot(dir_);
  ASSERT_TRUE(pos.ok());
  std::string seg = wlog::SegmentName(dir_ + "/wal", pos->segment);
  ASSERT_EQ(static_cast<int64_t>(fs::file_size(seg)), pos->offset);
  // Tear the WAL's last record: the snapshot saw bytes the WAL lost.
  fs::resize_file(seg, fs::file_size(seg) - 40000);
  auto db = Open(dir_);
  ASSERT_NE(db, nullptr);
  EXPECT_GT(db->head()->stats().wal_replay_samples.load(), 0u);
  EXPECT_TRUE(Snapshots(dir_).empty());
  // Every series keeps a prefix of its samples (the torn tail is gone).
  SeriesMap got = QueryAll(*db);
  size_t kept = 0, all = 0;
  for (auto& [l, want] : model_) {
    const auto& have = got[l];
    ASSERT_LE(have.size(), want.size());
    EXPECT_TRUE(std::equal(have.begin(), have.end(), want.begin())) << l.ToString();
    kept += have.size();
    all += want.size();
  }
  EXPECT_LT(kept, all);
  EXPECT_GT(kept, 0u);
}

TEST_F(HeadSnapshotTest, EarlierWALSegmentTornAfterTheSnapshotIsReplayedAndRepaired) {
  // A crash, a clean restart (the snapshot then points into the new, empty
  // segment), and then the older segment loses its tail: the snapshot's
  // wal_sizes notices, and the WAL is replayed and repaired as without one.
  opts_.wal_compression = false;
  {
    auto db = Open(dir_);
    Fill(db.get(), 50, 60, 0, 14);
    ASSERT_TRUE(db->Sync().ok());
    std::string crash = dir_ + "_crash";
    fs::remove_all(crash);
    fs::copy(dir_, crash, fs::copy_options::recursive);
    ASSERT_TRUE(db->Close().ok());
    fs::remove_all(dir_);
    fs::rename(crash, dir_);
  }
  {
    auto db = Open(dir_);
    EXPECT_EQ(QueryAll(*db), model_);
    ASSERT_TRUE(db->Close().ok());
  }
  auto pos = LastChunkSnapshot(dir_);
  ASSERT_TRUE(pos.ok());
  ASSERT_EQ(pos->segment, 1);
  EXPECT_TRUE(fs::exists(pos->dir + "/" + kSnapshotWALSizesFile));
  std::string seg0 = wlog::SegmentName(dir_ + "/wal", 0);
  fs::resize_file(seg0, fs::file_size(seg0) - 5);
  auto db = Open(dir_);
  ASSERT_NE(db, nullptr);
  EXPECT_GT(db->head()->stats().wal_replay_samples.load(), 0u);
  EXPECT_TRUE(Snapshots(dir_).empty());
  SeriesMap got = QueryAll(*db);
  size_t kept = 0, all = 0;
  for (auto& [l, want] : model_) {
    const auto& have = got[l];
    ASSERT_LE(have.size(), want.size());
    EXPECT_TRUE(std::equal(have.begin(), have.end(), want.begin())) << l.ToString();
    kept += have.size();
    all += want.size();
  }
  EXPECT_LT(kept, all);
}

TEST_F(HeadSnapshotTest, DisabledWritesNoneAndDeletesExisting) {
  {
    auto db = Open(dir_);
    Fill(db.get(), 5, 50, 0, 11);
    ASSERT_TRUE(db->Close().ok());
  }
  ASSERT_EQ(Snapshots(dir_).size(), 1u);
  opts_.memory_snapshot_on_shutdown = false;
  {
    auto db = Open(dir_);
    ASSERT_NE(db, nullptr);
    EXPECT_TRUE(Snapshots(dir_).empty());
    EXPECT_EQ(QueryAll(*db), model_);
    ASSERT_TRUE(db->Close().ok());
  }
  EXPECT_TRUE(Snapshots(dir_).empty());
}

TEST_F(HeadSnapshotTest, RepeatedRestartsKeepOneSnapshotAndAllData) {
  for (int round = 0; round < 4; ++round) {
    auto db = Open(dir_);
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(QueryAll(*db), model_) << "round " << round;
    if (round > 0) {
      EXPECT_EQ(db->head()->stats().wal_replay_samples.load(), 0u) << "round " << round;
    }
    Fill(db.get(), 8, 70, int64_t{round} * 70 * 15'000, 20 + round);
    ASSERT_TRUE(db->Close().ok());
    EXPECT_EQ(Snapshots(dir_).size(), 1u);
  }
  std::string full = FullReplayCopy(dir_);
  auto snap_db = Open(dir_);
  auto full_db = Open(full);
  EXPECT_EQ(QueryAll(*snap_db), model_);
  EXPECT_EQ(HeadLayout(*snap_db), HeadLayout(*full_db));
}

}  // namespace
}  // namespace ward::tsdb
