#include "tsdb/db.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "tsdb/block/block.h"
#include "tsdb/test_util.h"
#include "tsdb/wlog/checkpoint.h"
#include "tsdb/wlog/wlog.h"
#include "util/metrics.h"

namespace ward::tsdb {
namespace {

namespace fs = std::filesystem;
using labels::Labels;
using labels::Matcher;
using labels::MatchType;

using testing::QueryAll;
using testing::Sample;
using testing::SeriesMap;

class TsdbDBTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ward_db_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    opts_.wal_fsync_interval_ms = 0;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<DB> Open(const std::string& dir) {
    auto db = DB::Open(dir, opts_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }

  // Appends `n` samples (step 15s) to each of `series` series, one commit
  // per timestamp, recording them in model_.
  void Fill(DB* db, int series, int n, int64_t start = 0) {
    for (int i = 0; i < n; ++i) {
      auto app = db->NewAppender();
      for (int s = 0; s < series; ++s) {
        Labels l{{"__name__", "metric_" + std::to_string(s % 3)}, {"s", std::to_string(s)}};
        int64_t t = start + i * 15'000;
        double v = i % 10 == 9 ? storage::StaleNaN() : s * 1000.0 + i * 0.25;
        ASSERT_TRUE(app->Append(0, l, t, v).ok());
        model_[l].push_back({t, v});
      }
      ASSERT_TRUE(app->Commit().ok());
    }
  }

  std::string dir_;
  Options opts_;
  SeriesMap model_;
};

TEST_F(TsdbDBTest, OpenCreatesLayoutAndLocks) {
  auto db = Open(dir_);
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(fs::exists(dir_ + "/lock"));
  EXPECT_TRUE(fs::is_directory(dir_ + "/wal"));
  EXPECT_TRUE(fs::is_directory(dir_ + "/chunks_head"));
  auto second = DB::Open(dir_, opts_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(db->Close().ok());
  auto third = DB::Open(dir_, opts_);
  EXPECT_TRUE(third.ok());
}

TEST_F(TsdbDBTest, ReplayAfterCloseWithMmappedChunks) {
  {
    auto db = Open(dir_);
    Fill(db.get(), 10, 400);  // 400 samples: several full chunks per series
    EXPECT_EQ(QueryAll(*db), model_);
    DBStats st = db->Stats();
    EXPECT_EQ(st.num_series, 10u);
    EXPECT_EQ(st.samples_appended, 4000u);
    ASSERT_TRUE(db->Close().ok());
  }
  EXPECT_GT(fs::file_size(dir_ + "/chunks_head/000001"), 8u);
  auto db = Open(dir_);
  EXPECT_EQ(db->Stats().num_series, 10u);
  EXPECT_EQ(QueryAll(*db), model_);
  // Full chunks come back from chunks_head, not from the WAL.
  Labels l{{"__name__", "metric_0"}, {"s", "0"}};
  MemSeries* s = db->head()->GetByLabels(l, l.Hash());
  ASSERT_NE(s, nullptr);
  ASSERT_GE(s->full_chunks.size(), 2u);
  for (const ChunkMeta& c : s->full_chunks) EXPECT_FALSE(c.in_memory);
  // Appends continue after the replayed data; older ones are rejected.
  auto app = db->NewAppender();
  auto r = app->Append(0, l, 0, 1);
  ASSERT_FALSE(r.ok());
  ASSERT_TRUE(app->Append(0, l, 400 * 15'000, 5).ok());
  ASSERT_TRUE(app->Commit().ok());
  model_[l].push_back({400 * 15'000, 5});
  ASSERT_TRUE(db->Close().ok());
  auto db2 = Open(dir_);
  EXPECT_EQ(QueryAll(*db2), model_);
}

TEST_F(TsdbDBTest, ReplayAfterCrash) {
  auto db = Open(dir_);
  Fill(db.get(), 5, 300);
  ASSERT_TRUE(db->Sync().ok());
  // A crash: the files as they are now, without Close.
  std::string copy = dir_ + "_crash";
  fs::remove_all(copy);
  fs::copy(dir_, copy, fs::copy_options::recursive);
  auto db2 = Open(copy);
  ASSERT_NE(db2, nullptr);
  EXPECT_EQ(QueryAll(*db2), model_);
  db2.reset();
  fs::remove_all(copy);
}

TEST_F(TsdbDBTest, SeriesCreatedByAnUncommittedBatchIsLoggedByTheOther) {
  auto db = Open(dir_);
  Labels l{{"__name__", "shared"}};
  auto a = db->NewAppender();
  ASSERT_TRUE(a->Append(0, l, 1000, 1).ok());  // creates the series, not logged yet
  auto b = db->NewAppender();
  ASSERT_TRUE(b->Append(0, l, 2000, 2).ok());
  ASSERT_TRUE(b->Commit().ok());
  ASSERT_TRUE(db->Sync().ok());
  std::string copy = dir_ + "_crash";  // crash before `a` commits
  fs::remove_all(copy);
  fs::copy(dir_, copy, fs::copy_options::recursive);
  auto db2 = Open(copy);
  ASSERT_NE(db2, nullptr);
  SeriesMap got = QueryAll(*db2);
  EXPECT_EQ(got[l], (std::vector<Sample>{{2000, 2}}));
  EXPECT_EQ(db2->head()->stats().wal_replay_unknown_refs.load(), 0u);
  db2.reset();
  fs::remove_all(copy);
}

TEST_F(TsdbDBTest, StaleNaNSurvivesReplay) {
  {
    auto db = Open(dir_);
    Fill(db.get(), 2, 30);
  }
  auto db = Open(dir_);
  SeriesMap got = QueryAll(*db);
  ASSERT_EQ(got, model_);
  int stale = 0;
  for (auto& [l, v] : got) {
    for (auto& s : v) stale += storage::IsStaleNaN(s.v);
  }
  EXPECT_EQ(stale, 2 * 3);
}

TEST_F(TsdbDBTest, TornWALTailIsRepaired) {
  opts_.wal_compression = false;
  opts_.memory_snapshot_on_shutdown = false;  // the WAL alone is under test
  {
    auto db = Open(dir_);
    Fill(db.get(), 20, 10);
  }
  SeriesMap before = model_;
  int last_seg;
  {
    auto db = Open(dir_);
    // One big batch whose records span several pages; fewer than 120
    // samples per series, so no chunk is cut and only the WAL holds them.
    auto app = db->NewAppender();
    for (int i = 0; i < 100; ++i) {
      for (int s = 0; s < 100; ++s) {
        Labels l{{"__name__", "metric_" + std::to_string(s % 3)}, {"s", std::to_string(s)}};
        ASSERT_TRUE(app->Append(0, l, 1'000'000 + i * 1000, i).ok());
      }
    }
    ASSERT_TRUE(app->Commit().ok());
    ASSERT_TRUE(db->Close().ok());
    auto range = wlog::SegmentRange(dir_ + "/wal");
    ASSERT_TRUE(range.ok());
    last_seg = range->second;
  }
  std::string seg = wlog::SegmentName(dir_ + "/wal", last_seg);
  auto size = fs::file_size(seg);
  ASSERT_GE(size, 3u * 32768);
  fs::resize_file(seg, 40000);  // mid-record, in its second page
  {
    auto db = Open(dir_);
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(QueryAll(*db), before);
    // Still writable, and the repaired log replays cleanly.
    Labels l{{"__name__", "metric_0"}, {"s", "0"}};
    auto app = db->NewAppender();
    ASSERT_TRUE(app->Append(0, l, 2'000'000, 42).ok());
    ASSERT_TRUE(app->Commit().ok());
    before[l].push_back({2'000'000, 42});
  }
  auto db = Open(dir_);
  EXPECT_EQ(QueryAll(*db), before);
}

TEST_F(TsdbDBTest, UndecodableWALRecordIsRepaired) {
  {
    auto db = Open(dir_);
    Fill(db.get(), 3, 10);
  }
  {
    // A record with a valid checksum but a broken samples payload, then a
    // good-looking record after it (dropped by the repair).
    auto wl = wlog::WL::Open(dir_ + "/wal");
    ASSERT_TRUE(wl.ok());
    ASSERT_TRUE((*wl)->Log(std::string_view("\x02\x01\x02")).ok());
    ASSERT_TRUE((*wl)->Log(std::string_view("\x02")).ok());
    ASSERT_TRUE((*wl)->Close().ok());
  }
  {
    auto db = Open(dir_);
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(QueryAll(*db), model_);
    Fill(db.get(), 3, 2, 10 * 15'000);
  }
  auto db = Open(dir_);
  EXPECT_EQ(QueryAll(*db), model_);
}

// Flips one byte of `path` at `offset`.
void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset);
  char c;
  f.read(&c, 1);
  c ^= 0x5a;
  f.seekp(offset);
  f.write(&c, 1);
}

TEST_F(TsdbDBTest, FlippedWALByteKeepsAPrefixAndStarts) {
  opts_.wal_compression = false;
  opts_.memory_snapshot_on_shutdown = false;  // the WAL alone is under test
  {
    auto db = Open(dir_);
    Fill(db.get(), 10, 100);
  }
  std::string seg = wlog::SegmentName(dir_ + "/wal", 0);
  FlipByte(seg, 6000);  // the segment holds ~12 KB of records, then padding
  auto db = Open(dir_);
  ASSERT_NE(db, nullptr);
  SeriesMap got = QueryAll(*db);
  size_t total = 0;
  for (auto& [l, samples] : got) {
    const auto& want = model_[l];
    ASSERT_LE(samples.size(), want.size());
    EXPECT_TRUE(std::equal(samples.begin(), samples.end(), want.begin())) << l.ToString();
    total += samples.size();
  }
  EXPECT_GT(total, 0u);
  EXPECT_LT(total, 1000u);
}

TEST_F(TsdbDBTest, CorruptChunksHeadIsRebuiltFromWAL) {
  opts_.memory_snapshot_on_shutdown = false;  // head_snapshot_test covers it with one
  {
    auto db = Open(dir_);
    Fill(db.get(), 10, 400);
  }
  std::string file = dir_ + "/chunks_head/000001";
  ASSERT_GT(fs::file_size(file), 2000u);
  FlipByte(file, fs::file_size(file) / 2);
  auto db = Open(dir_);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(QueryAll(*db), model_);
}

TEST_F(TsdbDBTest, ReplaysCheckpointThenSegments) {
  {
    auto db = Open(dir_);
    Fill(db.get(), 4, 50);
  }
  {
    auto db = Open(dir_);
    Fill(db.get(), 4, 20, 50 * 15'000);
  }
  // Checkpoint every segment but the last (as the head does), drop them.
  auto range = wlog::SegmentRange(dir_ + "/wal");
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->first, 0);
  ASSERT_EQ(range->second, 1);
  auto cp = wlog::Checkpoint(
      dir_ + "/wal", 0, 0, [](uint64_t) { return true; }, std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  fs::remove(wlog::SegmentName(dir_ + "/wal", 0));
  {
    auto db = Open(dir_);
    EXPECT_EQ(QueryAll(*db), model_);
    Fill(db.get(), 4, 10, 70 * 15'000);
  }
  auto db = Open(dir_);
  EXPECT_EQ(QueryAll(*db), model_);
}

TEST_F(TsdbDBTest, WritesAfterACheckpointOfTheWholeWALSurvive) {
  {
    auto db = Open(dir_);
    Fill(db.get(), 3, 20);
  }
  auto range = wlog::SegmentRange(dir_ + "/wal");
  ASSERT_TRUE(range.ok());
  auto cp = wlog::Checkpoint(
      dir_ + "/wal", range->first, range->second, [](uint64_t) { return true; },
      std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  for (int i = range->first; i <= range->second; ++i)
    fs::remove(wlog::SegmentName(dir_ + "/wal", i));
  {
    auto db = Open(dir_);
    EXPECT_EQ(QueryAll(*db), model_);
    Fill(db.get(), 3, 5, 20 * 15'000);
  }
  auto db = Open(dir_);
  EXPECT_EQ(QueryAll(*db), model_);
}

TEST_F(TsdbDBTest, WALCompressionKinds) {
  for (const char* kind : {"snappy", "zstd"}) {
    model_.clear();
    fs::remove_all(dir_);
    opts_.wal_compression_type = kind;
    {
      auto db = Open(dir_);
      Fill(db.get(), 3, 50);
    }
    auto db = Open(dir_);
    EXPECT_EQ(QueryAll(*db), model_) << kind;
  }
  opts_.wal_compression_type = "lz4";
  auto bad = DB::Open(dir_ + "_bad", opts_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  fs::remove_all(dir_ + "_bad");
}

TEST_F(TsdbDBTest, ExportsMetrics) {
  metrics::Registry reg;
  {
    auto db = Open(dir_);
    db->ExportMetrics(&reg);
    Fill(db.get(), 3, 4);
    ASSERT_TRUE(db->Sync().ok());
    std::string text = reg.Expose();
    EXPECT_NE(text.find("prometheus_tsdb_head_series 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("prometheus_tsdb_head_samples_appended_total{type=\"float\"} 12\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("prometheus_tsdb_wal_fsync_duration_seconds_count 1\n"), std::string::npos)
        << text;
  }
  // The DB is gone: the collector stays quiet.
  std::string text = reg.Expose();
  EXPECT_EQ(text.find("prometheus_tsdb_head_series"), std::string::npos);
}

TEST_F(TsdbDBTest, BackgroundSyncRuns) {
  opts_.wal_fsync_interval_ms = 5;
  std::atomic<int> calls{0};
  opts_.on_wal_fsync = [&calls](double secs) {
    EXPECT_GE(secs, 0);
    calls++;
  };
  auto db = Open(dir_);
  Fill(db.get(), 1, 5);
  for (int i = 0; i < 200 && calls.load() < 2; ++i) usleep(5000);
  EXPECT_GE(calls.load(), 2);
  EXPECT_GE(db->Stats().wal_fsyncs, 2u);
  ASSERT_TRUE(db->Close().ok());
}

TEST_F(TsdbDBTest, DeleteSurvivesCompactionCheckpointAndRestart) {
  auto db = Open(dir_);
  ASSERT_NE(db, nullptr);
  Fill(db.get(), 3, 600);  // 2.5 h of samples
  // Head only: the samples of s="0" in [1h, 2.25h] (across the cut at 2h).
  const int64_t mint = 3'600'000, maxt = 8'100'000;
  ASSERT_TRUE(db->Delete(mint, maxt, {*Matcher::Make(MatchType::kEqual, "s", "0")}).ok());
  for (auto& [l, v] : model_) {
    if (l.Get("s") != "0") continue;
    std::erase_if(v, [&](const Sample& x) { return x.t >= mint && x.t <= maxt; });
  }
  EXPECT_EQ(QueryAll(*db), model_);
  // The cut block leaves the deleted samples out; the head keeps the
  // tombstone for its part, through the WAL checkpoint and a restart.
  ASSERT_TRUE(db->CompactHead().ok());
  ASSERT_FALSE(db->Blocks().empty());
  EXPECT_EQ(db->Blocks().front()->NumTombstones(), 0u);
  EXPECT_EQ(QueryAll(*db), model_);
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  db = Open(dir_);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(QueryAll(*db), model_);
}

}  // namespace
}  // namespace ward::tsdb
