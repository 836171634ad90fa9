// Tests of block chunk segments: byte layout, references, segment cutting
// and corruption handling.
#include "tsdb/chunks/segments.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "util/crc32c.h"
#include "util/varint.h"

namespace ward::tsdb::chunks {
namespace {

namespace fs = std::filesystem;

class SegmentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ward_segments_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string ReadAll(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  void WriteAll(const std::string& p, const std::string& b) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << b;
  }
  std::string dir_;
};

TEST_F(SegmentsTest, ByteLayoutAndRefs) {
  auto w = SegmentWriter::Open(dir_).value();
  uint64_t r1 = w->WriteChunk(chunkenc::Encoding::kXOR, "abc").value();
  uint64_t r2 = w->WriteChunk(chunkenc::Encoding::kXOR, std::string(200, 'x')).value();
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(r1, MakeBlockChunkRef(0, 8));
  EXPECT_EQ(r2, MakeBlockChunkRef(0, 8 + 1 + 1 + 3 + 4));
  std::string b = ReadAll(SegmentFileName(dir_, 1));
  ASSERT_EQ(b.size(), 8u + 9 + (2 + 1 + 200 + 4));
  EXPECT_EQ(varint::BE32(b.data()), kMagicChunks);
  EXPECT_EQ(b[4], 1);
  EXPECT_EQ(b.substr(5, 3), std::string(3, '\0'));
  EXPECT_EQ(b[8], 3);  // len
  EXPECT_EQ(b[9], 1);  // XOR
  EXPECT_EQ(b.substr(10, 3), "abc");
  EXPECT_EQ(varint::BE32(b.data() + 13), crc32c::Value(b.data() + 9, 4));

  auto r = SegmentReader::Open(dir_).value();
  chunkenc::Encoding enc;
  std::string_view data;
  ASSERT_TRUE(r->Chunk(r1, &enc, &data).ok());
  EXPECT_EQ(data, "abc");
  EXPECT_EQ(enc, chunkenc::Encoding::kXOR);
  ASSERT_TRUE(r->Chunk(r2, &enc, &data).ok());
  EXPECT_EQ(data, std::string(200, 'x'));
  EXPECT_TRUE(r->Chunk(MakeBlockChunkRef(1, 8), &enc, &data).IsCorruption());
  EXPECT_TRUE(r->Chunk(MakeBlockChunkRef(0, 3), &enc, &data).IsCorruption());
  EXPECT_TRUE(r->Chunk(MakeBlockChunkRef(0, 1000), &enc, &data).IsCorruption());
}

TEST_F(SegmentsTest, CutsSegments) {
  auto w = SegmentWriter::Open(dir_, 100).value();
  std::vector<uint64_t> refs;
  for (int i = 0; i < 10; ++i) {
    refs.push_back(w->WriteChunk(chunkenc::Encoding::kXOR, std::string(40, 'a' + i)).value());
  }
  // A chunk larger than a segment gets its own.
  refs.push_back(w->WriteChunk(chunkenc::Encoding::kXOR, std::string(300, 'z')).value());
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(BlockChunkSeq(refs[0]), 0u);
  EXPECT_EQ(BlockChunkSeq(refs[1]), 0u);  // 8 + 2*46 = 100
  EXPECT_EQ(BlockChunkSeq(refs[2]), 1u);
  EXPECT_EQ(BlockChunkOffset(refs[2]), 8u);
  auto r = SegmentReader::Open(dir_).value();
  EXPECT_EQ(r->num_segments(), 6u);
  for (int i = 0; i < 11; ++i) {
    chunkenc::Encoding enc;
    std::string_view data;
    ASSERT_TRUE(r->Chunk(refs[i], &enc, &data).ok()) << i;
    EXPECT_EQ(data[0], i < 10 ? 'a' + i : 'z');
  }
}

TEST_F(SegmentsTest, Corruption) {
  auto w = SegmentWriter::Open(dir_).value();
  uint64_t ref = w->WriteChunk(chunkenc::Encoding::kXOR, "hello").value();
  ASSERT_TRUE(w->Close().ok());
  std::string path = SegmentFileName(dir_, 1);
  std::string good = ReadAll(path);

  std::string b = good;
  b[11] ^= 1;  // data byte
  WriteAll(path, b);
  {
    auto r = SegmentReader::Open(dir_).value();
    chunkenc::Encoding enc;
    std::string_view data;
    Status s = r->Chunk(ref, &enc, &data);
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_NE(s.ToString().find("checksum"), std::string::npos) << s.ToString();
  }
  WriteAll(path, good.substr(0, good.size() - 2));
  {
    auto r = SegmentReader::Open(dir_).value();
    chunkenc::Encoding enc;
    std::string_view data;
    EXPECT_TRUE(r->Chunk(ref, &enc, &data).IsCorruption());
  }
  b = good;
  b[0] = 0;
  WriteAll(path, b);
  auto bad = SegmentReader::Open(dir_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find("magic"), std::string::npos);
  WriteAll(path, good.substr(0, 5));
  EXPECT_TRUE(SegmentReader::Open(dir_).status().IsCorruption());
  WriteAll(path, good);
  WriteAll(dir_ + "/notes.txt", "x");  // ignored
  EXPECT_TRUE(SegmentReader::Open(dir_).ok());
  WriteAll(SegmentFileName(dir_, 3), good);  // gap: 000002 missing
  EXPECT_TRUE(SegmentReader::Open(dir_).status().IsCorruption());
}

}  // namespace
}  // namespace ward::tsdb::chunks
