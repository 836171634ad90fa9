#include "tsdb/wlog/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tsdb/record/record.h"
#include "tsdb/wlog/reader.h"

namespace ward::tsdb::wlog {
namespace {

namespace fs = std::filesystem;
using namespace ward::tsdb::record;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ward-cp-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Writes one segment per "batch": series 1..4, samples at t = 100*seg + i.
void WriteWal(const std::string& dir, int segments) {
  Options o;
  o.segment_size = 32 * 1024;
  auto w = WL::Open(dir, o);
  ASSERT_TRUE(w.ok());
  std::string buf;
  for (int seg = 0; seg < segments; ++seg) {
    std::vector<RefSeries> series;
    for (uint64_t r = 1; r <= 4; ++r) {
      series.push_back(
          {r + 4 * seg, labels::Labels{{"__name__", "m"}, {"i", std::to_string(r + 4 * seg)}}});
    }
    EncodeSeries(series, &buf);
    ASSERT_TRUE((*w)->Log(buf).ok());
    std::vector<RefSample> samples;
    for (uint64_t r = 1; r <= 4; ++r)
      samples.push_back({r + 4 * seg, 100 * seg + static_cast<int64_t>(r), 1.0});
    EncodeSamples(samples, &buf);
    ASSERT_TRUE((*w)->Log(buf).ok());
    EncodeTombstones(std::vector<Stone>{{1, 0, 100 * seg}}, &buf);
    ASSERT_TRUE((*w)->Log(buf).ok());
    EncodeMetadata(std::vector<RefMetadata>{{2, 1, "", "help " + std::to_string(seg)}}, &buf);
    ASSERT_TRUE((*w)->Log(buf).ok());
    ASSERT_TRUE((*w)->Log(std::string("\x07histogram", 10)).ok());
    ASSERT_TRUE((*w)->NextSegment().ok());
  }
  ASSERT_TRUE((*w)->Close().ok());
}

TEST(CheckpointTest, KeepsLiveSeriesAndRecentSamples) {
  TempDir d;
  WriteWal(d.path(), 4);
  EXPECT_TRUE(LastCheckpoint(d.path()).status().IsNotFound());
  // Keep even refs; samples with t >= 200 (segments 2 and 3).
  auto keep = [](uint64_t ref) { return ref % 2 == 0; };
  auto st = Checkpoint(d.path(), 0, 2, keep, 200);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->total_series, 12);
  EXPECT_EQ(st->dropped_series, 6);
  EXPECT_EQ(st->total_samples, 12);
  EXPECT_EQ(st->dropped_samples, 8);
  auto last = LastCheckpoint(d.path());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->second, 2);
  EXPECT_EQ(last->first, d.path() + "/checkpoint.00000002");

  auto r = Reader::Open(last->first);
  ASSERT_TRUE(r.ok());
  std::vector<RefSeries> series;
  std::vector<RefSample> samples;
  std::vector<Stone> stones;
  std::vector<RefMetadata> md;
  while ((*r)->Next()) {
    auto rec = (*r)->Record();
    switch (GetType(rec)) {
      case Type::kSeries:
        ASSERT_TRUE(DecodeSeries(rec, &series).ok());
        break;
      case Type::kSamples:
        ASSERT_TRUE(DecodeSamples(rec, &samples).ok());
        break;
      case Type::kTombstones:
        ASSERT_TRUE(DecodeTombstones(rec, &stones).ok());
        break;
      case Type::kMetadata:
        ASSERT_TRUE(DecodeMetadata(rec, &md).ok());
        break;
      default:
        FAIL() << "unexpected record type " << static_cast<int>(rec[0]);
    }
  }
  ASSERT_TRUE((*r)->Err().ok());
  ASSERT_EQ(series.size(), 6u);
  for (auto& s : series) EXPECT_EQ(s.ref % 2, 0u);
  ASSERT_EQ(samples.size(), 4u);
  for (auto& s : samples) EXPECT_GE(s.t, 200);
  ASSERT_EQ(stones.size(), 1u);  // only the one reaching t=200
  ASSERT_EQ(md.size(), 1u);      // latest metadata for ref 2
  EXPECT_EQ(md[0].help, "help 2");

  // A second checkpoint builds on the first; older ones can be deleted.
  auto st2 = Checkpoint(d.path(), 3, 3, keep, 300);
  ASSERT_TRUE(st2.ok()) << st2.status().ToString();
  EXPECT_EQ(st2->total_series, 6 + 4);
  ASSERT_TRUE(DeleteCheckpoints(d.path(), 3).ok());
  EXPECT_FALSE(fs::exists(d.path() + "/checkpoint.00000002"));
  EXPECT_EQ(LastCheckpoint(d.path())->second, 3);
  // With every segment folded into a checkpoint, a new WL continues after it.
  for (int i = 0; i <= 4; ++i) std::filesystem::remove(SegmentName(d.path(), i));
  {
    auto w = WL::Open(d.path());
    ASSERT_TRUE(w.ok());
    EXPECT_EQ((*w)->ActiveSegment(), 4);
    ASSERT_TRUE((*w)->Close().ok());
  }
  // A gap between the checkpoint and the requested segments is refused.
  EXPECT_FALSE(Checkpoint(d.path(), 6, 6, keep, 0).ok());
}

TEST(CheckpointTest, CorruptInputWritesNothing) {
  TempDir d;
  WriteWal(d.path(), 2);
  std::string seg0 = SegmentName(d.path(), 0);
  fs::resize_file(seg0, 20);
  auto st = Checkpoint(
      d.path(), 0, 1, [](uint64_t) { return true; }, 0);
  EXPECT_TRUE(st.status().IsCorruption()) << st.status().ToString();
  EXPECT_TRUE(LastCheckpoint(d.path()).status().IsNotFound());
}

}  // namespace
}  // namespace ward::tsdb::wlog
