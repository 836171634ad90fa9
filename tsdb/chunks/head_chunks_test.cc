#include "tsdb/chunks/head_chunks.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "tsdb/chunkenc/xor.h"
#include "util/crc32c.h"
#include "util/varint.h"

namespace ward::tsdb::chunks {
namespace {

namespace fs = std::filesystem;
using chunkenc::Encoding;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ward-chunks-XXXXXX";
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

std::string MakeChunk(int n, int64_t t0) {
  chunkenc::XORChunk c;
  for (int i = 0; i < n; ++i) c.Append(t0 + i * 15000, i * 1.5);
  return std::string(c.Bytes());
}

struct Seen {
  uint64_t series, ref;
  int64_t mint, maxt;
  uint16_t n;
  Encoding enc;
  bool ooo;
};

std::vector<Seen> IterateAll(ChunkDiskMapper& m, int64_t* dropped = nullptr) {
  std::vector<Seen> out;
  Status s = m.IterateAllChunks(
      [&](uint64_t series, uint64_t ref, int64_t mint, int64_t maxt, uint16_t n, Encoding enc,
          bool ooo) {
        out.push_back({series, ref, mint, maxt, n, enc, ooo});
        return Status::OK();
      },
      dropped);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(HeadChunksTest, GoldenFileLayout) {
  TempDir d;
  auto m = ChunkDiskMapper::Open(d.path());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const std::string data = MakeChunk(3, 1000);
  auto ref = (*m)->WriteChunk(7, 1000, 31000, Encoding::kXOR, data);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(*ref, (uint64_t{1} << 32) | 8);
  ASSERT_TRUE((*m)->Close().ok());

  std::string f = ReadFile(d.path() + "/000001");
  std::string want("\x01\x30\xbc\x91\x01\x00\x00\x00", 8);
  varint::PutBE64(&want, 7);
  varint::PutBE64(&want, 1000);
  varint::PutBE64(&want, 31000);
  want.push_back(1);  // XOR
  varint::PutUvarint(&want, data.size());
  want += data;
  varint::PutBE32(&want, crc32c::Value(want.data() + 8, want.size() - 8));
  EXPECT_EQ(f, want);
}

TEST(HeadChunksTest, WriteReadReopenReplay) {
  TempDir d;
  std::vector<std::pair<uint64_t, std::string>> written;
  {
    auto m = ChunkDiskMapper::Open(d.path(), 512);  // small files: several cuts
    ASSERT_TRUE(m.ok());
    for (int i = 0; i < 40; ++i) {
      std::string data = MakeChunk(1 + i % 120, i * 1000000);
      auto ref =
          (*m)->WriteChunk(100 + i, i * 1000000, i * 1000000 + 1, Encoding::kXOR, data, i == 39);
      ASSERT_TRUE(ref.ok()) << ref.status().ToString();
      written.emplace_back(*ref, data);
      auto got = (*m)->Chunk(*ref);  // readable immediately
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_EQ(*got, data);
    }
    EXPECT_GT((*m)->CurrentFile(), 3u);
    ASSERT_TRUE((*m)->Close().ok());
  }
  auto m = ChunkDiskMapper::Open(d.path(), 512);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto seen = IterateAll(**m);
  ASSERT_EQ(seen.size(), written.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].series, 100 + i);
    EXPECT_EQ(seen[i].ref, written[i].first);
    EXPECT_EQ(seen[i].mint, static_cast<int64_t>(i) * 1000000);
    EXPECT_EQ(seen[i].n, 1 + i % 120);
    EXPECT_EQ(seen[i].enc, Encoding::kXOR);
    EXPECT_EQ(seen[i].ooo, i == 39);
    auto got = (*m)->Chunk(written[i].first);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, written[i].second);
  }
  // New writes go to a new file after the existing ones.
  const uint32_t before = (*m)->CurrentFile();
  auto ref = (*m)->WriteChunk(1, 0, 1, Encoding::kXOR, MakeChunk(2, 0));
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ChunkRefFile(*ref), before + 1);

  // Truncate drops old files, keeps the current one.
  ASSERT_TRUE((*m)->Truncate(before).ok());
  EXPECT_FALSE((*m)->Chunk(written[0].first).ok());
  EXPECT_TRUE((*m)->Chunk(*ref).ok());
  EXPECT_FALSE(fs::exists(HeadChunkFileName(d.path(), 1)));
  EXPECT_TRUE(fs::exists(HeadChunkFileName(d.path(), before)));
  EXPECT_TRUE((*m)->Chunk(written.back().first).ok());
}

TEST(HeadChunksTest, TornTailIsCutAndLaterFilesDropped) {
  TempDir d;
  std::vector<uint64_t> refs;
  {
    auto m = ChunkDiskMapper::Open(d.path(), 2048);
    ASSERT_TRUE(m.ok());
    for (int i = 0; i < 30; ++i) {
      auto ref = (*m)->WriteChunk(1 + i, i, i + 1, Encoding::kXOR, MakeChunk(20, i));
      ASSERT_TRUE(ref.ok());
      refs.push_back(*ref);
    }
    ASSERT_TRUE((*m)->Close().ok());
  }
  // Cut file 2 in the middle of its third chunk.
  size_t first_in_2 = 0;
  while (ChunkRefFile(refs[first_in_2]) != 2) ++first_in_2;
  const uint64_t victim = refs[first_in_2 + 2];
  const std::string f2 = HeadChunkFileName(d.path(), 2);
  ASSERT_EQ(::truncate(f2.c_str(), ChunkRefOffset(victim) + 30), 0);

  auto m = ChunkDiskMapper::Open(d.path(), 2048);
  ASSERT_TRUE(m.ok());
  int64_t dropped = 0;
  auto seen = IterateAll(**m, &dropped);
  EXPECT_EQ(seen.size(), first_in_2 + 2);
  EXPECT_GT(dropped, 0);
  EXPECT_EQ(fs::file_size(f2), ChunkRefOffset(victim));
  EXPECT_FALSE(fs::exists(HeadChunkFileName(d.path(), 3)));
  EXPECT_FALSE((*m)->Chunk(victim).ok());
  // Replay again: clean now.
  EXPECT_EQ(IterateAll(**m, &dropped).size(), first_in_2 + 2);
  EXPECT_EQ(dropped, 0);
}

TEST(HeadChunksTest, ChecksumMismatchAndZeroTail) {
  TempDir d;
  std::vector<uint64_t> refs;
  {
    auto m = ChunkDiskMapper::Open(d.path());
    ASSERT_TRUE(m.ok());
    for (int i = 0; i < 5; ++i)
      refs.push_back(*(*m)->WriteChunk(1 + i, i, i, Encoding::kXOR, MakeChunk(10, i)));
    ASSERT_TRUE((*m)->Close().ok());
  }
  const std::string f1 = HeadChunkFileName(d.path(), 1);
  // Prometheus preallocates: a zero tail is the end of data, not damage.
  std::string bytes = ReadFile(f1);
  WriteFile(f1, bytes + std::string(100000, '\0'));
  {
    auto m = ChunkDiskMapper::Open(d.path());
    ASSERT_TRUE(m.ok());
    int64_t dropped = -1;
    EXPECT_EQ(IterateAll(**m, &dropped).size(), 5u);
    EXPECT_EQ(dropped, 0);
    ASSERT_TRUE((*m)->Close().ok());
  }
  // A flipped data byte: the chunk fails its CRC on read and on replay.
  bytes[ChunkRefOffset(refs[3]) + 30] ^= 1;
  WriteFile(f1, bytes);
  auto m = ChunkDiskMapper::Open(d.path());
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE((*m)->Chunk(refs[3]).status().IsCorruption());
  EXPECT_TRUE((*m)->Chunk(refs[2]).ok());
  EXPECT_TRUE((*m)->Chunk(12345).status().IsCorruption());                    // file 0
  EXPECT_TRUE((*m)->Chunk((uint64_t{1} << 32) | 9).status().IsCorruption());  // bad offset
  EXPECT_EQ(IterateAll(**m).size(), 3u);
}

TEST(HeadChunksTest, BadFilesOnOpen) {
  TempDir d;
  {
    auto m = ChunkDiskMapper::Open(d.path());
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE((*m)->WriteChunk(1, 0, 0, Encoding::kXOR, MakeChunk(1, 0)).ok());
    ASSERT_TRUE((*m)->Close().ok());
  }
  // An empty last file (crash right after creating it) is removed.
  WriteFile(HeadChunkFileName(d.path(), 2), "");
  {
    auto m = ChunkDiskMapper::Open(d.path());
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_FALSE(fs::exists(HeadChunkFileName(d.path(), 2)));
  }
  // Wrong magic.
  std::string f1 = HeadChunkFileName(d.path(), 1);
  std::string b = ReadFile(f1);
  b[0] = 'X';
  WriteFile(f1, b);
  EXPECT_TRUE(ChunkDiskMapper::Open(d.path()).status().IsCorruption());
  // A gap in numbering.
  b[0] = '\x01';
  WriteFile(f1, b);
  WriteFile(HeadChunkFileName(d.path(), 3), b);
  EXPECT_TRUE(ChunkDiskMapper::Open(d.path()).status().IsCorruption());
}

TEST(HeadChunksTest, GarbageNeverCrashesReplay) {
  TempDir d;
  {
    auto m = ChunkDiskMapper::Open(d.path());
    ASSERT_TRUE(m.ok());
    for (int i = 0; i < 8; ++i)
      ASSERT_TRUE((*m)->WriteChunk(1 + i, i, i, Encoding::kXOR, MakeChunk(5, i)).ok());
    ASSERT_TRUE((*m)->Close().ok());
  }
  const std::string f1 = HeadChunkFileName(d.path(), 1);
  const std::string orig = ReadFile(f1);
  std::mt19937 rng(5);
  for (int i = 0; i < 300; ++i) {
    std::string b = orig;
    for (int k = 0; k < 4; ++k) b[8 + rng() % (b.size() - 8)] = static_cast<char>(rng());
    if (i % 4 == 0) b.resize(8 + rng() % (b.size() - 8));
    WriteFile(f1, b);
    auto m = ChunkDiskMapper::Open(d.path());
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    std::vector<uint64_t> refs;
    Status st = (*m)->IterateAllChunks(
        [&](uint64_t, uint64_t ref, int64_t, int64_t, uint16_t, Encoding, bool) {
          refs.push_back(ref);
          return Status::OK();
        });
    ASSERT_TRUE(st.ok()) << st.ToString();
    for (uint64_t ref : refs) {
      auto c = (*m)->Chunk(ref);
      ASSERT_TRUE(c.ok()) << c.status().ToString();  // replay kept only good chunks
      auto it = chunkenc::XORChunk::IterateBytes(*c);
      while (it.Next()) {
      }
    }
    (*m)->Chunk(rng()).IgnoreError();  // random refs: an error, never a crash
  }
}

}  // namespace
}  // namespace ward::tsdb::chunks
