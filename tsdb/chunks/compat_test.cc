// Cross-checks with real Prometheus 2.42 data: ward reads a WAL and a head
// chunk file written by Prometheus (testdata/prometheus-2.42, captured from a
// Prometheus scraping itself every 100 ms with WAL compression on), and
// Prometheus's promtool reads a WAL written by ward (skipped without promtool).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "tsdb/chunkenc/xor.h"
#include "tsdb/chunks/head_chunks.h"
#include "tsdb/record/record.h"
#include "tsdb/wlog/checkpoint.h"
#include "tsdb/wlog/reader.h"
#include "tsdb/wlog/wlog.h"
#include "util/varint.h"

namespace ward::tsdb::wlog {
namespace {

namespace fs = std::filesystem;

const std::string kPromDir = WARD_SOURCE_DIR "/tsdb/chunks/testdata/prometheus-2.42";

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ward-compat-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Wal {
  std::map<uint64_t, labels::Labels> series;
  std::map<uint64_t, std::map<int64_t, double>> samples;
  int records = 0;
};

Wal ReadWal(const std::string& dir) {
  Wal w;
  auto r = Reader::Open(dir);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<record::RefSeries> series;
  std::vector<record::RefSample> samples;
  while ((*r)->Next()) {
    ++w.records;
    auto rec = (*r)->Record();
    switch (record::GetType(rec)) {
      case record::Type::kSeries:
        series.clear();
        EXPECT_TRUE(record::DecodeSeries(rec, &series).ok());
        for (auto& s : series) w.series[s.ref] = s.labels;
        break;
      case record::Type::kSamples:
        samples.clear();
        EXPECT_TRUE(record::DecodeSamples(rec, &samples).ok());
        for (auto& s : samples) w.samples[s.ref][s.t] = s.v;
        break;
      default:
        break;
    }
  }
  EXPECT_TRUE((*r)->Err().ok()) << (*r)->Err().ToString();
  return w;
}

TEST(PrometheusCompatTest, ReadsPrometheusWalAndHeadChunks) {
  if (!fs::exists(kPromDir + "/wal/00000000")) GTEST_SKIP() << "testdata missing: " << kPromDir;
  // Prometheus compressed the records with snappy.
  std::string first_byte(1, '\0');
  {
    FILE* f = std::fopen((kPromDir + "/wal/00000000").c_str(), "rb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fread(first_byte.data(), 1, 1, f), 1u);
    std::fclose(f);
  }
  EXPECT_EQ(static_cast<uint8_t>(first_byte[0]) & kSnappyFlag, kSnappyFlag);

  Wal w = ReadWal(kPromDir + "/wal");
  ASSERT_GE(w.series.size(), 5u);
  size_t total = 0;
  for (auto& [ref, ls] : w.series) {
    EXPECT_EQ(ls.Get("job"), "self") << ls.ToString();
    EXPECT_FALSE(ls.MetricName().empty());
    total += w.samples[ref].size();
  }
  EXPECT_GT(total, 500u);

  // The head chunk file: every chunk decodes to exactly the WAL's samples,
  // and re-encoding them gives Prometheus's bytes back.
  TempDir tmp;
  fs::copy(kPromDir + "/chunks_head", tmp.path() + "/chunks_head");
  auto m = chunks::ChunkDiskMapper::Open(tmp.path() + "/chunks_head");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  int nchunks = 0;
  int64_t dropped = -1;
  Status st = (*m)->IterateAllChunks(
      [&](uint64_t series_ref, uint64_t chunk_ref, int64_t mint, int64_t maxt, uint16_t n,
          chunkenc::Encoding enc, bool ooo) -> Status {
        ++nchunks;
        EXPECT_EQ(enc, chunkenc::Encoding::kXOR);
        EXPECT_FALSE(ooo);
        EXPECT_TRUE(w.series.count(series_ref)) << series_ref;
        auto data = (*m)->Chunk(chunk_ref);
        EXPECT_TRUE(data.ok()) << data.status().ToString();
        if (!data.ok()) return Status::OK();
        auto it = chunkenc::XORChunk::IterateBytes(*data);
        chunkenc::XORChunk again;
        int got = 0;
        int64_t first = 0, last = 0;
        while (it.Next()) {
          if (got == 0) first = it.AtT();
          last = it.AtT();
          ++got;
          again.Append(it.AtT(), it.AtV());
          auto& ss = w.samples[series_ref];
          auto f = ss.find(it.AtT());
          if (f != ss.end()) {
            EXPECT_EQ(varint::Float64Bits(f->second), varint::Float64Bits(it.AtV()));
          }
        }
        EXPECT_TRUE(it.Err().ok()) << it.Err().ToString();
        EXPECT_EQ(got, n);
        EXPECT_EQ(first, mint);
        EXPECT_EQ(last, maxt);
        EXPECT_EQ(again.Bytes(), *data) << "re-encoded chunk differs for series " << series_ref;
        return Status::OK();
      },
      &dropped);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_GT(nchunks, 0);
  EXPECT_EQ(dropped, 0);  // the zero tail left by preallocation is not damage
}

std::string RunCommand(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  *status = ::pclose(p);
  return out;
}

TEST(PrometheusCompatTest, PromtoolReadsWardWalAndHeadChunks) {
  int status = 0;
  std::string path = RunCommand("command -v promtool 2>/dev/null", &status);
  if (status != 0 || path.empty()) GTEST_SKIP() << "promtool not installed";
  TempDir d;
  const std::string wal = d.path() + "/wal";
  {
    Options o;
    o.compression = Compression::kSnappy;
    o.segment_size = kPageSize;  // force several segments
    auto w = WL::Open(wal, o);
    ASSERT_TRUE(w.ok());
    std::string buf;
    std::vector<record::RefSeries> series = {
        {1, labels::Labels{{"__name__", "ward_test_metric"}, {"job", "a"}}},
        {2, labels::Labels{{"__name__", "ward_test_metric"}, {"job", "b"}}}};
    record::EncodeSeries(series, &buf);
    ASSERT_TRUE((*w)->Log(buf).ok());
    const int64_t t0 = 1700000000000;
    // Series 1's first 120 samples exist only in a head chunk file written
    // by ward: Prometheus must read that file to report them.
    {
      auto m = chunks::ChunkDiskMapper::Open(d.path() + "/chunks_head");
      ASSERT_TRUE(m.ok());
      chunkenc::XORChunk c;
      for (int i = 0; i < 120; ++i) c.Append(t0 + i * 1000, i * 0.5);
      ASSERT_TRUE(
          (*m)->WriteChunk(1, t0, t0 + 119 * 1000, chunkenc::Encoding::kXOR, c.Bytes()).ok());
      ASSERT_TRUE((*m)->Close().ok());
    }
    for (int i = 0; i < 3000; ++i) {
      std::vector<record::RefSample> s = {{2, t0 + i * 1000, -i * 1.0}};
      if (i >= 120) s.push_back({1, t0 + i * 1000, i * 0.5});
      record::EncodeSamples(s, &buf);
      ASSERT_TRUE((*w)->Log(buf).ok());
    }
    ASSERT_TRUE((*w)->Close().ok());
  }
  auto range = SegmentRange(wal);
  ASSERT_TRUE(range.ok());
  ASSERT_GT(range->second, 1);
  // Fold all but the last segment into a checkpoint and drop them, as the
  // head's WAL truncation does: Prometheus must replay checkpoint + rest.
  auto cp = Checkpoint(
      wal, 0, range->second - 1, [](uint64_t) { return true; }, 0, Compression::kSnappy);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->total_series, 2);
  {
    auto w = WL::Open(wal);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Truncate(range->second).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  EXPECT_FALSE(fs::exists(SegmentName(wal, 0)));
  std::string out = RunCommand("promtool tsdb dump " + d.path() + " 2>&1", &status);
  ASSERT_EQ(status, 0) << out;
  // Lines look like: {__name__="ward_test_metric", job="a"} 0.5 1700000001000
  size_t a = 0, b = 0;
  std::set<std::string> expect_a = {
      "{__name__=\"ward_test_metric\", job=\"a\"} 1499.5 1700002999000",
      "{__name__=\"ward_test_metric\", job=\"a\"} 0 1700000000000"};
  size_t found = 0;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t nl = out.find('\n', pos);
    if (nl == std::string::npos) nl = out.size();
    std::string line = out.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.find("job=\"a\"") != std::string::npos) ++a;
    if (line.find("job=\"b\"") != std::string::npos) ++b;
    if (expect_a.count(line)) ++found;
  }
  EXPECT_EQ(a, 3000u) << out.substr(0, 2000);
  EXPECT_EQ(b, 3000u);
  EXPECT_EQ(found, 2u) << out.substr(0, 500);
}

}  // namespace
}  // namespace ward::tsdb::wlog
