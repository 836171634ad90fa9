#include "tsdb/wlog/reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tsdb/wlog/wlog.h"
#include "util/crc32c.h"
#include "util/varint.h"

namespace ward::tsdb::wlog {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ward-reader-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Builds a fragment by hand, as Prometheus writes it.
std::string Frag(uint8_t type, std::string_view data) {
  std::string s(1, static_cast<char>(type));
  varint::PutBE16(&s, static_cast<uint16_t>(data.size()));
  varint::PutBE32(&s, crc32c::Value(data));
  s.append(data);
  return s;
}

void WriteSeg(const std::string& dir, int idx, const std::string& bytes) {
  std::ofstream f(SegmentName(dir, idx), std::ios::binary | std::ios::trunc);
  f << bytes;
}

TEST(ReaderTest, EmptyDirAndEmptySegments) {
  TempDir d;
  auto r = Reader::Open(d.path());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)->Next());
  EXPECT_TRUE((*r)->Err().ok());
  WriteSeg(d.path(), 0, "");
  WriteSeg(d.path(), 1, Frag(kFull, "x"));
  r = Reader::Open(d.path());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->Next());
  EXPECT_EQ((*r)->Record(), "x");
  EXPECT_EQ((*r)->Segment(), 1);
  EXPECT_EQ((*r)->Offset(), 8);
  EXPECT_FALSE((*r)->Next());
  EXPECT_TRUE((*r)->Err().ok());
}

TEST(ReaderTest, HandBuiltFragmentsAndStructureErrors) {
  TempDir d;
  // first+middle+last in one page (legal, if unusual) then a full record.
  WriteSeg(d.path(), 0,
           Frag(kFirst, "ab") + Frag(kMiddle, "cd") + Frag(kLast, "e") + Frag(kFull, "f"));
  auto r = Reader::Open(d.path());
  ASSERT_TRUE((*r)->Next());
  EXPECT_EQ((*r)->Record(), "abcde");
  ASSERT_TRUE((*r)->Next());
  EXPECT_EQ((*r)->Record(), "f");
  EXPECT_FALSE((*r)->Next());
  EXPECT_TRUE((*r)->Err().ok());

  struct Case {
    std::string bytes;
    int64_t bad_offset;
  } cases[] = {
      {Frag(kFull, "a") + Frag(kMiddle, "b"), 8},                    // middle without first
      {Frag(kFull, "a") + Frag(kFirst, "b") + Frag(kFull, "c"), 8},  // full inside a record
      {Frag(kFull, "a") + Frag(kFirst, "b"), 8},                     // torn: ends after first
      {Frag(kFull, "a") + Frag(6, "b"), 8},                          // unknown fragment type
      {Frag(kFull, "a") + std::string("\x01\x00", 2), 8},            // torn header
      {Frag(kFull, "a") + std::string("\x00\x00\x05", 3), 8},        // non-zero padding
  };
  for (const auto& c : cases) {
    WriteSeg(d.path(), 0, c.bytes);
    r = Reader::Open(d.path());
    ASSERT_TRUE((*r)->Next());
    EXPECT_FALSE((*r)->Next());
    EXPECT_TRUE((*r)->Err().IsCorruption());
    EXPECT_EQ((*r)->Offset(), c.bad_offset) << (*r)->Err().ToString();
    int seg;
    int64_t off;
    ASSERT_TRUE(ParseCorruption((*r)->Err(), &seg, &off));
    EXPECT_EQ(off, c.bad_offset);
  }
}

TEST(ReaderTest, SegmentRange) {
  TempDir d;
  for (int i = 0; i < 4; ++i) WriteSeg(d.path(), i, Frag(kFull, std::to_string(i)));
  auto r = Reader::Open(d.path(), 1, 2);
  ASSERT_TRUE(r.ok());
  std::string got;
  while ((*r)->Next()) got += (*r)->Record();
  EXPECT_EQ(got, "12");
  r = Reader::Open(d.path(), 2);
  got.clear();
  while ((*r)->Next()) got += (*r)->Record();
  EXPECT_EQ(got, "23");
}

}  // namespace
}  // namespace ward::tsdb::wlog

namespace ward::tsdb::wlog {
namespace {

// A chunk snapshot's WAL position: reading starts at an offset of the first
// segment, mid-page or inside page padding, and goes on with later segments.
TEST(ReaderTest, StartsAtAnOffsetOfTheFirstSegment) {
  TempDir d;
  std::string seg0 = Frag(kFull, "a") + Frag(kFull, "bb");
  const int64_t after_a = 8;
  std::string padded = seg0 + std::string(kPageSize - seg0.size(), '\0') + Frag(kFull, "c");
  WriteSeg(d.path(), 0, padded);
  WriteSeg(d.path(), 1, Frag(kFull, "d"));
  auto read_all = [&](int first, int64_t off) {
    auto r = Reader::Open(d.path(), first, -1, off);
    EXPECT_TRUE(r.ok());
    std::string got;
    while ((*r)->Next()) got += std::string((*r)->Record()) + ",";
    EXPECT_TRUE((*r)->Err().ok()) << (*r)->Err().ToString();
    return got;
  };
  EXPECT_EQ(read_all(0, 0), "a,bb,c,d,");
  EXPECT_EQ(read_all(0, after_a), "bb,c,d,");
  // Inside the zero padding of the first page: skipped to the next page.
  EXPECT_EQ(read_all(0, static_cast<int64_t>(seg0.size()) + 10), "c,d,");
  // At or past the end of the segment: only later segments.
  EXPECT_EQ(read_all(0, static_cast<int64_t>(padded.size())), "d,");
  EXPECT_EQ(read_all(0, static_cast<int64_t>(padded.size()) + 999), "d,");
  // The offset applies to the first segment read only.
  EXPECT_EQ(read_all(1, 0), "d,");
}

}  // namespace
}  // namespace ward::tsdb::wlog
