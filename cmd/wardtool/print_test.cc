// Tests for `wardtool tsdb print` (print.h): a data directory built with
// ward's own tsdb (WAL with series/samples/tombstones, a block cut by
// compaction with a tombstone, chunks_head, a chunk snapshot written on
// close) is printed by every printer; then a corruption table truncates and
// mutates each file and checks the printers fail cleanly.
#include "cmd/wardtool/print.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "model/labels/labels.h"
#include "model/labels/matcher.h"
#include "tsdb/db.h"
#include "tsdb/record/record.h"
#include "tsdb/tools/tools.h"
#include "tsdb/wlog/checkpoint.h"
#include "tsdb/wlog/wlog.h"
#include "util/log.h"
#include "util/varint.h"

namespace ward::wardtool {
namespace {

namespace fs = std::filesystem;
using labels::Labels;

std::string ReadAll(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& p, const std::string& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << b;
}

struct Printed {
  Status st;
  std::string out;
};

Printed PrintIt(std::string_view kind, const std::string& path, int64_t limit = 0) {
  std::ostringstream out;
  PrintOptions o;
  o.limit = limit;
  Status st = PrintTsdb(kind, path, o, out);
  return {st, out.str()};
}

// One data directory for the whole suite (building it is the slow part).
class PrintTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    log::SetLevel(log::Level::kError);
    root_ = (fs::temp_directory_path() / ("ward_print_test_" + std::to_string(::getpid()))).string();
    fs::remove_all(root_);
    fs::create_directories(root_);
    const std::string dir = root_ + "/data";
    tsdb::Options opts;
    opts.wal_fsync_interval_ms = 0;
    opts.compaction_interval_ms = 0;
    auto db = tsdb::DB::Open(dir, opts);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    // 3 series, 0..3h every 15 s: 720 samples each.
    for (int i = 0; i < 720; ++i) {
      auto app = (*db)->NewAppender();
      for (const char* s : {"a", "b", "c"}) {
        Labels l{{"__name__", "m"}, {"s", s}};
        ASSERT_TRUE(app->Append(0, l, int64_t{i} * 15'000, i * 0.5).ok());
      }
      ASSERT_TRUE(app->Commit().ok());
    }
    ASSERT_TRUE(
        (*db)->Delete(60'000, 120'000, {*labels::Matcher::Make(labels::MatchType::kEqual, "s", "b")})
            .ok());
    ASSERT_TRUE((*db)->Sync().ok());
    fs::copy(dir + "/wal", root_ + "/wal_copy", fs::copy_options::recursive);
    ASSERT_TRUE((*db)->CompactHead().ok());
    ASSERT_TRUE(
        (*db)->Delete(0, 30'000, {*labels::Matcher::Make(labels::MatchType::kEqual, "s", "a")})
            .ok());
    fs::copy(dir + "/chunks_head", root_ + "/chunks_head_copy", fs::copy_options::recursive);
    ASSERT_TRUE((*db)->Close().ok());
    for (const auto& e : fs::directory_iterator(dir)) {
      std::string name = e.path().filename().string();
      if (fs::exists(e.path() / "meta.json")) block_ = e.path().string();
      if (name.rfind("chunk_snapshot.", 0) == 0 && name.find(".tmp") == std::string::npos) {
        snapshot_ = e.path().string();
      }
    }
    ASSERT_FALSE(block_.empty());
    ASSERT_FALSE(snapshot_.empty());
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  static std::string root_, block_, snapshot_;
};
std::string PrintTest::root_, PrintTest::block_, PrintTest::snapshot_;

TEST_F(PrintTest, WALDirectory) {
  Printed p = PrintIt("wal", root_ + "/wal_copy");
  ASSERT_TRUE(p.st.ok()) << p.st.ToString() << "\n" << p.out;
  EXPECT_NE(p.out.find("00000000:0 series n=3\n  ref=1 {__name__=\"m\", s=\"a\"}\n"), std::string::npos)
      << p.out.substr(0, 2000);
  EXPECT_NE(p.out.find(" samples n=3\n  ref=1 t=0 v=0\n  ref=2 t=0 v=0\n"), std::string::npos);
  EXPECT_NE(p.out.find("  ref=1 t=15000 v=0.5\n"), std::string::npos);
  EXPECT_NE(p.out.find(" tombstones n=1\n  ref=2 [60000, 120000]\n"), std::string::npos);
  EXPECT_NE(p.out.find("total: records="), std::string::npos);
}

TEST_F(PrintTest, WALSegmentFileAndLimit) {
  Printed full = PrintIt("wal", root_ + "/wal_copy/00000000");
  ASSERT_TRUE(full.st.ok()) << full.st.ToString();
  EXPECT_NE(full.out.find(" samples n=3\n"), std::string::npos);
  Printed lim = PrintIt("wal", root_ + "/wal_copy/00000000", 2);
  ASSERT_TRUE(lim.st.ok()) << lim.st.ToString();
  EXPECT_NE(lim.out.find("more records\n"), std::string::npos) << lim.out;
  EXPECT_LT(lim.out.size(), 1000u);
}

TEST_F(PrintTest, WALWithCheckpoint) {
  // A WAL whose first segment is checkpointed (keeping series 1 and 3, and
  // samples from t=100 s on), as DB truncation does.
  const std::string wal = root_ + "/wal_cp";
  fs::remove_all(wal);
  fs::copy(root_ + "/wal_copy", wal, fs::copy_options::recursive);
  auto cs = tsdb::wlog::Checkpoint(wal, 0, 0, [](uint64_t ref) { return ref != 2; }, 100'000);
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  const std::string cp = tsdb::wlog::CheckpointDir(wal, 0);
  Printed p = PrintIt("wal", wal);
  ASSERT_TRUE(p.st.ok()) << p.st.ToString() << "\n" << p.out;
  EXPECT_EQ(p.out.rfind("# checkpoint.00000000 not printed (pass its path)\n00000000:0 series n=3\n", 0), 0u)
      << p.out.substr(0, 500);
  Printed c = PrintIt("wal", cp);
  ASSERT_TRUE(c.st.ok()) << c.st.ToString() << "\n" << c.out;
  EXPECT_EQ(c.out.rfind("00000000:0 series n=2\n  ref=1 {__name__=\"m\", s=\"a\"}\n  ref=3 ", 0), 0u)
      << c.out.substr(0, 500);
  EXPECT_EQ(c.out.find("t=85000 "), std::string::npos);
  EXPECT_NE(c.out.find("  ref=1 t=105000 v=3.5\n"), std::string::npos);
  fs::remove_all(wal);
}

// Files written by Prometheus 2.42 itself (tsdb/chunks/testdata).
TEST(PrintPrometheusTest, WALAndHeadChunks) {
  const std::string dir = WARD_SOURCE_DIR "/tsdb/chunks/testdata/prometheus-2.42";
  if (!fs::exists(dir + "/wal/00000000")) GTEST_SKIP() << "Prometheus 2.42 fixture not present";
  Printed w = PrintIt("wal", dir + "/wal", 2);
  ASSERT_TRUE(w.st.ok()) << w.st.ToString() << "\n" << w.out;
  EXPECT_EQ(w.out.rfind("00000000:0 series n=8\n  ref=1 {__name__=\"go_goroutines\", "
                        "instance=\"127.0.0.1:39191\", job=\"self\"}\n",
                        0),
            0u)
      << w.out;
  EXPECT_NE(w.out.find("total: records=202\n"), std::string::npos) << w.out;
  Printed c = PrintIt("chunks", dir + "/chunks_head/000001", 1);
  ASSERT_TRUE(c.st.ok()) << c.st.ToString() << "\n" << c.out;
  EXPECT_NE(c.out.find("  ref=4294967304 off=8 series=1 mint=1795692140326 maxt=1795692151930 "
                       "encoding=XOR len=172 crc ok samples=117 last=1795692151930:30\n"),
            std::string::npos)
      << c.out;
  EXPECT_NE(c.out.find("total: files=1 chunks=11 bad=0\n"), std::string::npos) << c.out;
}

TEST_F(PrintTest, Snapshot) {
  Printed p = PrintIt("snapshot", snapshot_);
  ASSERT_TRUE(p.st.ok()) << p.st.ToString() << "\n" << p.out;
  EXPECT_EQ(p.out.rfind("position: segment=", 0), 0u) << p.out;
  EXPECT_NE(p.out.find(" series ref=1 {__name__=\"m\", s=\"a\"}\n  head chunk mint="),
            std::string::npos)
      << p.out;
  EXPECT_NE(p.out.find("encoding=XOR"), std::string::npos);
  // The last sample appended: t = 719 * 15 s, v = 359.5.
  EXPECT_NE(p.out.find("last=10785000:359.5\n"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find(" tombstones n="), std::string::npos);
  EXPECT_NE(p.out.find("series=3 "), std::string::npos) << p.out;
}

TEST_F(PrintTest, Index) {
  Printed p = PrintIt("index", block_);
  ASSERT_TRUE(p.st.ok()) << p.st.ToString() << "\n" << p.out;
  EXPECT_EQ(p.out.rfind("index: version 2 size ", 0), 0u) << p.out;
  EXPECT_NE(p.out.find("toc: symbols=5 "), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("symbols: 6 crc ok\n  symbol 0 \"__name__\"\n"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("series: 3 crc ok (3)\n"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find(" {__name__=\"m\", s=\"b\"} chunks=4\n    chunk mint=0 maxt="),
            std::string::npos)
      << p.out;
  EXPECT_NE(p.out.find("postings lists: "), std::string::npos);
  EXPECT_NE(p.out.find("postings offset table: 5 entries crc ok\n"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("  label \"s\" values=3\n"), std::string::npos);
}

TEST_F(PrintTest, BlockChunks) {
  Printed p = PrintIt("chunks", block_ + "/chunks");
  ASSERT_TRUE(p.st.ok()) << p.st.ToString() << "\n" << p.out;
  EXPECT_NE(p.out.find("file 000001: block chunks version 1 size "), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("  ref=8 off=8 encoding=XOR len="), std::string::npos) << p.out;
  EXPECT_NE(p.out.find(" crc ok samples=120 last=1785000:59.5\n"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("chunks=12 bad=0\n"), std::string::npos) << p.out;
}

// Dense chunks (a block converted with `tsdb convert`) are decoded too.
TEST_F(PrintTest, DenseBlockChunks) {
  const std::string dir = root_ + "/dense";
  fs::create_directories(dir);
  fs::copy(block_, dir + "/" + fs::path(block_).filename().string(), fs::copy_options::recursive);
  std::ostringstream conv;
  ASSERT_TRUE(tsdb::tools::ConvertBlocks({dir + "/" + fs::path(block_).filename().string()},
                                         tsdb::chunkenc::Encoding::kDense, conv)
                  .ok());
  std::string converted;
  for (const auto& e : fs::directory_iterator(dir)) converted = e.path().string();
  Printed p = PrintIt("chunks", converted + "/chunks");
  ASSERT_TRUE(p.st.ok()) << p.st.ToString() << "\n" << p.out;
  EXPECT_NE(p.out.find(" encoding=dense len="), std::string::npos) << p.out;
  EXPECT_NE(p.out.find(" crc ok samples="), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("chunks=3 bad=0\n"), std::string::npos) << p.out;
  Printed m = PrintIt("meta", converted);
  ASSERT_TRUE(m.st.ok()) << m.st.ToString();
  EXPECT_NE(m.out.find("\"version\": 2"), std::string::npos) << m.out;
}

TEST_F(PrintTest, HeadChunks) {
  Printed p = PrintIt("chunks", root_ + "/chunks_head_copy");
  ASSERT_TRUE(p.st.ok()) << p.st.ToString() << "\n" << p.out;
  EXPECT_NE(p.out.find(": head chunks version 1 size "), std::string::npos) << p.out;
  EXPECT_NE(p.out.find(" series=1 mint="), std::string::npos) << p.out;
  EXPECT_NE(p.out.find(" crc ok samples=120 "), std::string::npos) << p.out;
}

TEST_F(PrintTest, TombstonesAndMeta) {
  Printed t = PrintIt("tombstones", block_);
  ASSERT_TRUE(t.st.ok()) << t.st.ToString() << "\n" << t.out;
  EXPECT_NE(t.out.find("series=1 intervals=1 crc ok\n  ref="), std::string::npos) << t.out;
  EXPECT_NE(t.out.find(" [0, 30000]\n"), std::string::npos) << t.out;
  Printed m = PrintIt("meta", block_);
  ASSERT_TRUE(m.st.ok()) << m.st.ToString() << "\n" << m.out;
  EXPECT_NE(m.out.find("\"ulid\": "), std::string::npos);
  EXPECT_NE(m.out.find("time range: [0, 7200000) = 1970-01-01T00:00:00.000Z to "
                       "1970-01-01T02:00:00.000Z\nduration: 2h0m0s\n"),
            std::string::npos)
      << m.out;
}

TEST_F(PrintTest, BadArguments) {
  EXPECT_EQ(PrintIt("nope", block_).st.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(PrintIt("index", root_ + "/missing").st.ok());
  EXPECT_FALSE(PrintIt("wal", root_ + "/missing").st.ok());
  EXPECT_FALSE(PrintIt("snapshot", root_ + "/missing").st.ok());
  EXPECT_FALSE(PrintIt("meta", root_).st.ok());
  // A file of another kind is rejected, not misread.
  EXPECT_FALSE(PrintIt("index", block_ + "/meta.json").st.ok());
  EXPECT_FALSE(PrintIt("chunks", block_ + "/index").st.ok());
  EXPECT_FALSE(PrintIt("tombstones", block_ + "/index").st.ok());
}

// Corruption table: for each file, truncations and byte flips. Every run
// must return (no crash); the listed cases must fail with a message.
TEST_F(PrintTest, CorruptionTable) {
  struct Target {
    const char* kind;
    std::string src;   // file to damage
    std::string path;  // what to print (the copy, or its directory)
    bool in_dir;       // path is the copy's directory
  };
  const std::string work = root_ + "/corrupt";
  std::vector<Target> targets = {
      {"wal", root_ + "/wal_copy/00000000", "", false},
      {"snapshot", snapshot_ + "/00000000", "", true},
      {"index", block_ + "/index", "", false},
      {"chunks", block_ + "/chunks/000001", "", false},
      {"chunks", "", "", false},  // head chunk file, filled below
      {"tombstones", block_ + "/tombstones", "", false},
      {"meta", block_ + "/meta.json", "", true},
  };
  for (const auto& e : fs::directory_iterator(root_ + "/chunks_head_copy")) {
    targets[4].src = e.path().string();
  }
  ASSERT_FALSE(targets[4].src.empty());
  std::mt19937 rng(42);
  int runs = 0;
  for (Target& t : targets) {
    const std::string orig = ReadAll(t.src);
    ASSERT_GT(orig.size(), 8u) << t.src;
    fs::remove_all(work);
    std::string dir = work + (t.in_dir ? "/chunk_snapshot.000001.0000000000" : "");
    fs::create_directories(dir);
    std::string file = dir + "/" + fs::path(t.src).filename().string();
    std::string path = t.in_dir ? dir : file;
    auto check = [&](const std::string& bytes, bool must_fail, const std::string& what) {
      WriteAll(file, bytes);
      Printed p = PrintIt(t.kind, path);
      ++runs;
      if (must_fail) {
        EXPECT_FALSE(p.st.ok()) << t.kind << " " << t.src << ": " << what << "\n" << p.out;
        EXPECT_FALSE(p.st.message().empty());
      }
    };
    // Truncations. Cutting the last byte breaks every format's tail
    // (checksum, JSON brace) except WAL/snapshot segments, whose end is
    // page padding.
    const bool padded = std::string(t.kind) == "wal" || std::string(t.kind) == "snapshot";
    check(orig.substr(0, orig.size() - 1), !padded && std::string(t.kind) != "meta",
          "last byte cut");
    check(orig.substr(0, orig.size() - 3), std::string(t.kind) != "wal" && !padded, "3 bytes cut");
    for (size_t n : {size_t{0}, size_t{1}, size_t{5}, size_t{7}, orig.size() / 2}) {
      check(orig.substr(0, n), n < 8 && !padded, "cut to " + std::to_string(n));
    }
    for (int i = 0; i < 8; ++i) {
      size_t n = rng() % orig.size();
      check(orig.substr(0, n), false, "cut to " + std::to_string(n));
    }
    // Byte flips anywhere (no crash), and in the first data bytes (a
    // checksum or header covers them: must fail).
    // WARD_PRINT_FUZZ=N runs N flips per file instead (e.g. under ASan).
    const char* env = std::getenv("WARD_PRINT_FUZZ");
    const int flips = env != nullptr && std::atoi(env) > 0 ? std::atoi(env) : 24;
    for (int i = 0; i < flips; ++i) {
      std::string b = orig;
      size_t at = rng() % b.size();
      b[at] = static_cast<char>(b[at] ^ (1 + rng() % 255));
      check(b, false, "flip at " + std::to_string(at));
    }
    if (std::string(t.kind) != "meta") {
      std::string b = orig;
      b[9] = static_cast<char>(b[9] ^ 0x5a);
      check(b, true, "flip at 9");
    }
    fs::remove_all(work);
  }
  EXPECT_GT(runs, 200);
}

// Every WAL record kind, written by hand with ward's wlog and record code.
TEST(PrintWALTest, AllRecordKinds) {
  namespace rec = tsdb::record;
  const std::string dir = (fs::temp_directory_path() /
                           ("ward_print_wal_" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  {
    tsdb::wlog::Options o;
    o.compression = tsdb::wlog::Compression::kSnappy;
    auto wl = tsdb::wlog::WL::Open(dir, o);
    ASSERT_TRUE(wl.ok()) << wl.status().ToString();
    std::string r;
    rec::RefMetadata md{7, 1, "seconds", "Help with \"quotes\"\nand a newline."};
    rec::EncodeMetadata(std::span(&md, 1), &r);
    ASSERT_TRUE((*wl)->Log(r).ok());
    rec::RefExemplar ex{7, 5000, 1.5, Labels{{"trace_id", "abc"}}};
    rec::EncodeExemplars(std::span(&ex, 1), &r);
    ASSERT_TRUE((*wl)->Log(r).ok());
    rec::RefMmapMarker mk{7, (uint64_t{1} << 32) | 8};
    rec::EncodeMmapMarkers(std::span(&mk, 1), &r);
    ASSERT_TRUE((*wl)->Log(r).ok());
    std::vector<rec::RefSample> ss;
    for (int i = 0; i < 50; ++i) ss.push_back({7, int64_t{i} * 1000, i == 49 ? storage::StaleNaN() : 1.0});
    rec::EncodeSamples(ss, &r);
    ASSERT_TRUE((*wl)->Log(r).ok());
    ASSERT_TRUE((*wl)->Log(std::string("\x07histogram-bytes")).ok());
    ASSERT_TRUE((*wl)->Log(std::string_view()).ok());
    ASSERT_TRUE((*wl)->Close().ok());
  }
  Printed p = PrintIt("wal", dir);
  ASSERT_TRUE(p.st.ok()) << p.st.ToString() << "\n" << p.out;
  EXPECT_NE(p.out.find("00000000:0 metadata n=1\n  ref=7 type=counter unit=\"seconds\" "
                       "help=\"Help with \\\"quotes\\\"\\nand a newline.\"\n"),
            std::string::npos)
      << p.out;
  EXPECT_NE(p.out.find(" exemplars n=1\n  ref=7 t=5000 v=1.5 {trace_id=\"abc\"}\n"),
            std::string::npos);
  EXPECT_NE(p.out.find(" mmap_markers n=1\n  ref=7 mmap_ref=4294967304 (1:8)\n"),
            std::string::npos);
  EXPECT_NE(p.out.find("  ref=7 t=49000 v=StaleNaN\n"), std::string::npos);
  EXPECT_NE(p.out.find(" histogram_samples bytes=16 (not decoded)\n"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find(" empty\ntotal: records=6\n"), std::string::npos) << p.out;
  Printed lim = PrintIt("wal", dir, 4);
  EXPECT_NE(lim.out.find("  ref=7 t=3000 v=1\n  ... 46 more samples\n"), std::string::npos)
      << lim.out;
  EXPECT_NE(lim.out.find("... 2 more records\n"), std::string::npos) << lim.out;

  // A torn last record: the reader's error with its position, exit status.
  std::string seg = ReadAll(dir + "/00000000");
  size_t used = seg.find_last_not_of('\0') + 1;
  WriteAll(dir + "/00000000", seg.substr(0, used - 3));
  Printed torn = PrintIt("wal", dir);
  EXPECT_EQ(torn.st.code(), StatusCode::kCorruption) << torn.out;
  EXPECT_NE(torn.out.find("00000000:"), std::string::npos);
  EXPECT_NE(torn.out.find(" error: "), std::string::npos) << torn.out;

  // An unknown record type stops the printer with the record's position.
  fs::remove_all(dir);
  {
    auto wl = tsdb::wlog::WL::Open(dir);
    ASSERT_TRUE(wl.ok());
    ASSERT_TRUE((*wl)->Log(std::string("\x63zz")).ok());
    ASSERT_TRUE((*wl)->Close().ok());
  }
  Printed unk = PrintIt("wal", dir);
  EXPECT_EQ(unk.st.code(), StatusCode::kCorruption);
  EXPECT_NE(unk.out.find("00000000:0 error: unknown record type 99\n"), std::string::npos)
      << unk.out;
  fs::remove_all(dir);
}

// A flipped byte in each index section is reported on that section's line.
TEST_F(PrintTest, IndexSectionChecksums) {
  const std::string orig = ReadAll(block_ + "/index");
  const char* toc = orig.data() + orig.size() - 52;
  const uint64_t series = varint::BE64(toc + 8), label_indices = varint::BE64(toc + 16),
                 postings = varint::BE64(toc + 32), postings_table = varint::BE64(toc + 40);
  const std::string file = root_ + "/index_flip";
  struct Case {
    uint64_t at;
    std::string want;
  } cases[] = {
      {6 + 4 + 4, "symbols: 6 crc FAILED\n"},  // a symbol's bytes
      {(series + 15) / 16 * 16 + 3, "series: 3 crc FAILED (2 ok, 1 failed)\n"},
      {series + 3, "  nonzero padding after " + std::to_string(series) + "\n"},
      {label_indices + 9, "label indices: 2 crc FAILED (1 ok, 1 failed)\n"},
      {postings + 9, "postings lists: 5 crc FAILED (4 ok, 1 failed)\n"},
      {postings_table + 10, "postings offset table: 5 entries crc FAILED\n"},
      {orig.size() - 10, "crc FAILED\nerror: TOC checksum mismatch\n"},
  };
  for (const Case& c : cases) {
    std::string b = orig;
    b[c.at] = static_cast<char>(b[c.at] ^ 0x01);
    WriteAll(file, b);
    Printed p = PrintIt("index", file);
    EXPECT_EQ(p.st.code(), StatusCode::kCorruption) << c.want;
    EXPECT_NE(p.out.find(c.want), std::string::npos) << c.want << "\n" << p.out;
  }
  // A series length of 2^64-1 is rejected, not trusted.
  {
    std::string b = orig;
    const size_t first = (series + 15) / 16 * 16;
    b.replace(first, 10, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");
    WriteAll(file, b);
    Printed p = PrintIt("index", file);
    EXPECT_EQ(p.st.code(), StatusCode::kCorruption);
    EXPECT_NE(p.out.find("error: series entry at " + std::to_string(first) + ": bad length\n"),
              std::string::npos)
        << p.out;
  }
  // A flipped chunk byte: that chunk's CRC fails, the others are listed.
  std::string chunks = ReadAll(block_ + "/chunks/000001");
  chunks[20] = static_cast<char>(chunks[20] ^ 0x01);
  WriteAll(root_ + "/000001", chunks);
  Printed p = PrintIt("chunks", root_ + "/000001");
  EXPECT_EQ(p.st.code(), StatusCode::kCorruption);
  EXPECT_NE(p.out.find("  ref=8 off=8 encoding=XOR len="), std::string::npos) << p.out;
  EXPECT_NE(p.out.find(" crc FAILED "), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("chunks=12 bad=1\n"), std::string::npos) << p.out;
}

// The wardtool binary: arguments, exit codes, stdout/stderr (skipped when
// the binary was not built in this build tree).
TEST_F(PrintTest, Cli) {
  const std::string tool = std::string(WARD_BINARY_DIR) + "/wardtool";
  if (!fs::exists(tool)) GTEST_SKIP() << "wardtool binary not built";
  auto run = [&](const std::string& args, int* rc) {
    std::string out;
    FILE* f = ::popen((tool + " " + args + " 2>&1").c_str(), "r");
    if (f == nullptr) return out;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) out.append(buf.data(), n);
    int st = ::pclose(f);
    *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
  };
  int rc = -1;
  std::string out = run("tsdb print meta '" + block_ + "'", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("duration: 2h0m0s\n"), std::string::npos) << out;
  out = run("tsdb print index '" + block_ + "' --limit 1", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("  ... 5 more symbols\n"), std::string::npos) << out;
  out = run("tsdb print nope '" + block_ + "'", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("error: "), std::string::npos) << out;
  EXPECT_NE(out.find("unknown kind \"nope\""), std::string::npos) << out;
  out = run("tsdb print index '" + block_ + "/meta.json'", &rc);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("bad magic number"), std::string::npos) << out;
  out = run("tsdb print wal", &rc);
  EXPECT_NE(rc, 0) << out;
}

TEST(FormatSampleValueTest, Values) {
  EXPECT_EQ(FormatSampleValue(1), "1");
  EXPECT_EQ(FormatSampleValue(0.25), "0.25");
  EXPECT_EQ(FormatSampleValue(1e300), "1e+300");
  EXPECT_EQ(FormatSampleValue(storage::StaleNaN()), "StaleNaN");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()), "-Inf");
}

}  // namespace
}  // namespace ward::wardtool
