#include "tsdb/wlog/wlog.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "tsdb/wlog/reader.h"
#include "util/crc32c.h"
#include "util/varint.h"

namespace ward::tsdb::wlog {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ward-wlog-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
void WriteFile(const std::string& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << s;
}

std::vector<std::string> ReadAll(const std::string& dir, Status* err = nullptr) {
  auto r = Reader::Open(dir);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> out;
  while ((*r)->Next()) out.emplace_back((*r)->Record());
  if (err) *err = (*r)->Err();
  return out;
}

std::string Rec(size_t n, int seed) {
  std::string s(n, '\0');
  std::mt19937 rng(seed);
  for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

TEST(WLTest, GoldenSingleRecordPage) {
  TempDir d;
  auto w = WL::Open(d.path());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE((*w)->Log("abc").ok());
  // The partial page reaches the OS at the end of each Log batch.
  EXPECT_EQ(ReadFile(SegmentName(d.path(), 0)).size(), 10u);
  ASSERT_TRUE((*w)->Close().ok());
  std::string seg = ReadFile(d.path() + "/00000000");
  ASSERT_EQ(seg.size(), static_cast<size_t>(kPageSize));  // Close pads the page
  EXPECT_EQ(seg.substr(0, 10), std::string("\x01\x00\x03\x36\x4b\x3f\xb7"
                                           "abc",
                                           10));
  EXPECT_EQ(seg.find_first_not_of('\0', 10), std::string::npos);
}

TEST(WLTest, FragmentsAtPageBoundaries) {
  TempDir d;
  auto w = WL::Open(d.path());
  ASSERT_TRUE(w.ok());
  const size_t kMax = kPageSize - kRecordHeaderSize;
  std::vector<std::string> recs = {Rec(kMax, 1),       // exactly one page
                                   Rec(kPageSize, 2),  // 32 KiB: first + last
                                   Rec(70000, 3),      // first + middle + last
                                   "",                 // empty record
                                   Rec(kMax - 10, 4),  // leaves < 7 bytes ... after next
                                   Rec(1, 5)};
  for (auto& r : recs) ASSERT_TRUE((*w)->Log(r).ok());
  ASSERT_TRUE((*w)->Close().ok());
  std::string seg = ReadFile(d.path() + "/00000000");
  ASSERT_EQ(seg.size() % kPageSize, 0u);
  // Page 0: one full fragment filling the page exactly.
  EXPECT_EQ(static_cast<uint8_t>(seg[0]), kFull);
  EXPECT_EQ(varint::BE16(seg.data() + 1), kMax);
  // Page 1: first fragment of the 32 KiB record, page 2 starts with its last.
  EXPECT_EQ(static_cast<uint8_t>(seg[kPageSize]), kFirst);
  EXPECT_EQ(static_cast<uint8_t>(seg[2 * kPageSize]), kLast);
  EXPECT_EQ(varint::BE16(seg.data() + 2 * kPageSize + 1), kPageSize - kMax);
  // The 70000-byte record starts right after (same page), then middle, last.
  const size_t p = 2 * kPageSize + kRecordHeaderSize + (kPageSize - kMax);
  EXPECT_EQ(static_cast<uint8_t>(seg[p]), kFirst);
  EXPECT_EQ(static_cast<uint8_t>(seg[3 * kPageSize]), kMiddle);
  EXPECT_EQ(static_cast<uint8_t>(seg[4 * kPageSize]), kLast);
  Status err;
  auto got = ReadAll(d.path(), &err);
  EXPECT_TRUE(err.ok()) << err.ToString();
  EXPECT_EQ(got, recs);
}

TEST(WLTest, SmallTailOfPageIsPadded) {
  TempDir d;
  auto w = WL::Open(d.path());
  ASSERT_TRUE(w.ok());
  // Leave 5 bytes in the page: less than a header, so the page is padded.
  std::string a = Rec(kPageSize - kRecordHeaderSize - 5, 1);
  ASSERT_TRUE((*w)->Log(a).ok());
  ASSERT_TRUE((*w)->Log("xy").ok());
  ASSERT_TRUE((*w)->Close().ok());
  std::string seg = ReadFile(d.path() + "/00000000");
  EXPECT_EQ(static_cast<uint8_t>(seg[kPageSize]), kFull);  // "xy" on page 1
  EXPECT_EQ(ReadAll(d.path()), (std::vector<std::string>{a, "xy"}));
}

TEST(WLTest, RecordsNeverSpanSegments) {
  TempDir d;
  Options o;
  o.segment_size = 3 * kPageSize;
  auto w = WL::Open(d.path(), o);
  ASSERT_TRUE(w.ok());
  std::vector<std::string> recs;
  for (int i = 0; i < 12; ++i) recs.push_back(Rec(20000 + i * 1000, i));
  for (auto& r : recs) ASSERT_TRUE((*w)->Log(r).ok());
  EXPECT_GT((*w)->ActiveSegment(), 2);
  ASSERT_TRUE((*w)->Close().ok());
  auto segs = ListSegments(d.path());
  ASSERT_TRUE(segs.ok());
  for (auto& [idx, name] : *segs) {
    EXPECT_LE(fs::file_size(d.path() + "/" + name), static_cast<uintmax_t>(3 * kPageSize)) << name;
  }
  EXPECT_EQ(ReadAll(d.path()), recs);
  // Reading a sub-range of segments yields whole records only.
  auto r = Reader::Open(d.path(), 1, 1);
  ASSERT_TRUE(r.ok());
  int n = 0;
  while ((*r)->Next()) ++n;
  EXPECT_TRUE((*r)->Err().ok());
  EXPECT_GT(n, 0);
}

TEST(WLTest, ReopenStartsNewSegmentAndReadsUnpaddedOne) {
  TempDir d;
  std::vector<std::string> recs;
  {
    auto w = WL::Open(d.path());
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 5; ++i) {
      recs.push_back(Rec(100 + i, i));
      ASSERT_TRUE((*w)->Log(recs.back()).ok());
    }
    // Simulate a crash: no Close, so the segment is not padded. (The
    // destructor would pad; leak the fd state by truncating afterwards.)
    ASSERT_TRUE((*w)->Flush().ok());
  }
  // The destructor padded; cut it back to the unpadded length.
  std::string seg0 = SegmentName(d.path(), 0);
  size_t used = 0;
  for (auto& r : recs) used += r.size() + kRecordHeaderSize;
  ASSERT_EQ(::truncate(seg0.c_str(), static_cast<off_t>(used)), 0);
  {
    auto w = WL::Open(d.path());
    ASSERT_TRUE(w.ok());
    EXPECT_EQ((*w)->ActiveSegment(), 1);
    recs.push_back("after restart");
    ASSERT_TRUE((*w)->Log(recs.back()).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  Status err;
  EXPECT_EQ(ReadAll(d.path(), &err), recs);
  EXPECT_TRUE(err.ok()) << err.ToString();
  auto range = SegmentRange(d.path());
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->first, 0);
  EXPECT_EQ(range->second, 1);
}

TEST(WLTest, CompressedRoundTrip) {
  for (Compression c : {Compression::kSnappy, Compression::kZstd}) {
    TempDir d;
    Options o;
    o.compression = c;
    auto w = WL::Open(d.path(), o);
    ASSERT_TRUE(w.ok());
    std::vector<std::string> recs = {std::string(100000, 'x'), "y", "",
                                     Rec(5000, 1) + std::string(5000, 'z')};
    ASSERT_TRUE((*w)->Log(std::vector<std::string_view>(recs.begin(), recs.end())).ok());
    ASSERT_TRUE((*w)->Close().ok());
    std::string seg = ReadFile(d.path() + "/00000000");
    const uint8_t flag = c == Compression::kSnappy ? kSnappyFlag : kZstdFlag;
    EXPECT_EQ(static_cast<uint8_t>(seg[0]), kFull | flag) << CompressionName(c);
    EXPECT_LT(varint::BE16(seg.data() + 1), 10000);  // 100000 'x' compress well
    Status err;
    EXPECT_EQ(ReadAll(d.path(), &err), recs) << CompressionName(c);
    EXPECT_TRUE(err.ok()) << err.ToString();
  }
  EXPECT_EQ(*ParseCompression("zstd"), Compression::kZstd);
  EXPECT_FALSE(ParseCompression("lz4").ok());
}

// Writes n records of varying size and returns them.
std::vector<std::string> Populate(const std::string& dir, int n, Options o = {}) {
  auto w = WL::Open(dir, o);
  EXPECT_TRUE(w.ok());
  std::vector<std::string> recs;
  for (int i = 0; i < n; ++i) {
    recs.push_back(Rec(1000 + (i * 7919) % 40000, i));
    EXPECT_TRUE((*w)->Log(recs.back()).ok());
  }
  EXPECT_TRUE((*w)->Close().ok());
  return recs;
}

TEST(WLTest, TornTailIsReportedAndRepaired) {
  TempDir d;
  auto recs = Populate(d.path(), 20);
  const std::string seg0 = SegmentName(d.path(), 0);
  // Find where record 15 ends by reading.
  int64_t end14 = 0;
  {
    auto r = Reader::Open(d.path());
    for (int i = 0; i < 15 && (*r)->Next(); ++i) end14 = (*r)->Offset();
  }
  // Cut in the middle of record 15.
  ASSERT_EQ(::truncate(seg0.c_str(), end14 + 5000), 0);
  Status err;
  auto got = ReadAll(d.path(), &err);
  ASSERT_TRUE(err.IsCorruption()) << err.ToString();
  EXPECT_EQ(got.size(), 15u);
  int seg;
  int64_t off;
  ASSERT_TRUE(ParseCorruption(err, &seg, &off));
  EXPECT_EQ(seg, 0);
  EXPECT_EQ(off, end14);
  ASSERT_TRUE(Repair(d.path(), err).ok());
  got = ReadAll(d.path(), &err);
  EXPECT_TRUE(err.ok()) << err.ToString();
  EXPECT_EQ(got, std::vector<std::string>(recs.begin(), recs.begin() + 15));
  EXPECT_EQ(fs::file_size(seg0) % kPageSize, 0u);
}

TEST(WLTest, FlippedByteIsReportedAndRepairedAcrossSegments) {
  TempDir d;
  Options o;
  o.segment_size = 4 * kPageSize;
  auto recs = Populate(d.path(), 30, o);
  auto segs = ListSegments(d.path());
  ASSERT_TRUE(segs.ok());
  ASSERT_GE(segs->size(), 3u);
  // Records per segment, to know what survives.
  std::vector<std::pair<int, int64_t>> pos;  // (segment, end offset) per record
  {
    auto r = Reader::Open(d.path());
    while ((*r)->Next()) pos.emplace_back((*r)->Segment(), (*r)->Offset());
    ASSERT_EQ(pos.size(), recs.size());
  }
  // Flip a byte inside the third record of segment 1.
  size_t first_in_1 = 0;
  while (pos[first_in_1].first != 1) ++first_in_1;
  const size_t victim = first_in_1 + 2;
  const std::string seg1 = SegmentName(d.path(), 1);
  std::string bytes = ReadFile(seg1);
  bytes[pos[victim].second - 3] ^= 0x40;
  WriteFile(seg1, bytes);

  Status err;
  auto got = ReadAll(d.path(), &err);
  ASSERT_TRUE(err.IsCorruption()) << err.ToString();
  EXPECT_EQ(got.size(), victim);
  int seg;
  int64_t off;
  ASSERT_TRUE(ParseCorruption(err, &seg, &off));
  EXPECT_EQ(seg, 1);
  EXPECT_EQ(off, pos[victim - 1].second);

  // Repair through an open WL (as the head does after a failed replay).
  auto w = WL::Open(d.path(), o);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Repair(err).ok());
  EXPECT_EQ((*w)->ActiveSegment(), 2);
  ASSERT_TRUE((*w)->Log("new").ok());
  ASSERT_TRUE((*w)->Close().ok());
  got = ReadAll(d.path(), &err);
  EXPECT_TRUE(err.ok()) << err.ToString();
  std::vector<std::string> want(recs.begin(), recs.begin() + victim);
  want.push_back("new");
  EXPECT_EQ(got, want);
}

TEST(WLTest, GarbageNeverCrashesReader) {
  TempDir d;
  Populate(d.path(), 5);
  const std::string seg0 = SegmentName(d.path(), 0);
  const std::string orig = ReadFile(seg0);
  std::mt19937 rng(11);
  for (int i = 0; i < 200; ++i) {
    std::string b = orig;
    for (int k = 0; k < 3; ++k) b[rng() % b.size()] = static_cast<char>(rng());
    if (i % 3 == 0) b.resize(rng() % b.size());
    WriteFile(seg0, b);
    Status err;
    ReadAll(d.path(), &err);
    if (!err.ok()) {
      int seg;
      int64_t off;
      EXPECT_TRUE(ParseCorruption(err, &seg, &off)) << err.ToString();
    }
  }
}

TEST(WLTest, TruncateAndSegmentChecks) {
  TempDir d;
  Options o;
  o.segment_size = kPageSize;
  Populate(d.path(), 10, o);
  auto range = SegmentRange(d.path());
  ASSERT_TRUE(range.ok());
  auto w = WL::Open(d.path(), o);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Truncate(3).ok());
  auto after = (*w)->Segments();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->first, 3);
  EXPECT_EQ(after->second, range->second + 1);
  ASSERT_TRUE((*w)->Close().ok());
  // A gap in the numbering is corruption.
  fs::remove(SegmentName(d.path(), 5));
  EXPECT_TRUE(ListSegments(d.path()).status().IsCorruption());
  EXPECT_FALSE(WL::Open(d.path()).ok());
  Options bad;
  bad.segment_size = 1000;
  EXPECT_TRUE(WL::Open(d.path() + "/x", bad).status().IsInvalidArgument());
}

}  // namespace
}  // namespace ward::tsdb::wlog
