// Tests of tsdb/tools: formatting helpers, create-blocks-from openmetrics
// read back through Block, list/analyze output on a known block, and (when
// promtool is installed) differential checks against promtool 2.42.
#include "tsdb/tools/tools.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tsdb/block/block.h"
#include "tsdb/block/meta.h"
#include "tsdb/db.h"
#include "tsdb/dump.h"

namespace ward::tsdb::tools {
namespace {

namespace fs = std::filesystem;

class ToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ward_tools_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Sub(const std::string& name) {
    fs::create_directories(dir_ / name);
    return (dir_ / name).string();
  }
  std::string WriteFile(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }

  fs::path dir_;
};

std::vector<std::string> BlockDirs(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (block::ParseULID(e.path().filename().string())) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every sample of a block as "labels value t" lines.
std::vector<std::string> ReadBlock(const std::string& dir) {
  auto b = block::Block::Open(dir);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  if (!b.ok()) return {};
  auto q = (*b)->NewQuerier(INT64_MIN, INT64_MAX);
  EXPECT_TRUE(q.ok());
  auto set = (*q)->Select(
      true, nullptr, {*labels::Matcher::Make(labels::MatchType::kRegexMatch, "__name__", ".*")});
  std::vector<std::string> out;
  while (set->Next()) {
    auto it = set->At().Iterator();
    while (it->Next() == storage::ValueType::kFloat) {
      int64_t t;
      double v;
      it->At(&t, &v);
      out.push_back(set->At().Labels().ToString() + " " + FormatGoFloat(v) + " " +
                    std::to_string(t));
    }
  }
  EXPECT_TRUE(set->Err().ok());
  return out;
}

TEST(FormatTest, GoDuration) {
  EXPECT_EQ(FormatGoDurationMs(0), "0s");
  EXPECT_EQ(FormatGoDurationMs(1), "1ms");
  EXPECT_EQ(FormatGoDurationMs(999), "999ms");
  EXPECT_EQ(FormatGoDurationMs(1000), "1s");
  EXPECT_EQ(FormatGoDurationMs(1500), "1.5s");
  EXPECT_EQ(FormatGoDurationMs(6100001), "1h41m40.001s");
  EXPECT_EQ(FormatGoDurationMs(749501), "12m29.501s");
  EXPECT_EQ(FormatGoDurationMs(7200000), "2h0m0s");
  EXPECT_EQ(FormatGoDurationMs(60000), "1m0s");
  EXPECT_EQ(FormatGoDurationMs(-1500), "-1.5s");
}

TEST(FormatTest, Base2BytesAndTime) {
  EXPECT_EQ(FormatBase2Bytes(0), "0B");
  EXPECT_EQ(FormatBase2Bytes(973), "973B");
  EXPECT_EQ(FormatBase2Bytes(1024), "1KiB");
  EXPECT_EQ(FormatBase2Bytes(1068), "1KiB44B");
  EXPECT_EQ(FormatBase2Bytes(3 * 1024 * 1024 + 5), "3MiB5B");
  EXPECT_EQ(FormatGoUTC(1000000), "1970-01-01 00:16:40 +0000 UTC");
  EXPECT_EQ(FormatGoUTC(1764115200123), "2025-11-26 00:00:00 +0000 UTC");
  EXPECT_EQ(FormatGoUTC(-1000), "1969-12-31 23:59:59 +0000 UTC");
}

TEST(FormatTest, ParseDurationAndBlockRanges) {
  EXPECT_EQ(*ParseGoDurationMs("6h"), 6 * 3600000);
  EXPECT_EQ(*ParseGoDurationMs("1h30m"), 5400000);
  EXPECT_EQ(*ParseGoDurationMs("1.5h"), 5400000);
  EXPECT_FALSE(ParseGoDurationMs("6x").ok());
  EXPECT_FALSE(ParseGoDurationMs("").ok());
  EXPECT_FALSE(ParseGoDurationMs("h").ok());
  const int64_t h = 3600000;
  EXPECT_EQ(CompatibleBlockDuration(h), 2 * h);
  EXPECT_EQ(CompatibleBlockDuration(2 * h), 2 * h);
  EXPECT_EQ(CompatibleBlockDuration(5 * h), 2 * h);
  EXPECT_EQ(CompatibleBlockDuration(9 * h), 6 * h);
  EXPECT_EQ(CompatibleBlockDuration(18 * h), 18 * h);
  EXPECT_EQ(CompatibleBlockDuration(INT64_MAX), 2 * h * 19683);
}

const char kSmall[] =
    "# HELP http_requests_total Total.\n"
    "# TYPE http_requests_total counter\n"
    "http_requests_total{method=\"get\",code=\"200\"} 1027 1000\n"
    "http_requests_total{code=\"200\",method=\"get\"} 1030 8000\n"
    "http_requests_total{code=\"400\",method=\"post\"} 3 1000\n"
    "# TYPE temp gauge\n"
    "temp{loc=\"a\"} 1.5 7100\n"
    "temp{loc=\"b\"} NaN 7250.5\n"
    "# EOF\n";

TEST_F(ToolsTest, CreateBlocksSplitsIntoAlignedRanges) {
  std::string out_dir = Sub("out");
  std::ostringstream out;
  Status st = CreateBlocksFromOpenMetrics(kSmall, out_dir, {}, out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto dirs = BlockDirs(out_dir);
  ASSERT_EQ(dirs.size(), 2u);
  // Order blocks by min time (ULIDs of one run may share a millisecond).
  std::vector<block::BlockMeta> metas;
  for (const auto& d : dirs) metas.push_back(*block::ReadMetaFile(d));
  std::sort(metas.begin(), metas.end(),
            [](const auto& a, const auto& b) { return a.min_time < b.min_time; });
  EXPECT_EQ(metas[0].min_time, 1000000);
  EXPECT_EQ(metas[0].max_time, 7100001);
  EXPECT_EQ(metas[0].stats.num_samples, 3u);
  EXPECT_EQ(metas[0].stats.num_series, 3u);
  EXPECT_EQ(metas[1].min_time, 7250500);
  EXPECT_EQ(metas[1].max_time, 8000001);
  EXPECT_EQ(metas[1].stats.num_samples, 2u);
  std::vector<std::string> got;
  for (const auto& m : metas) {
    for (auto& l : ReadBlock(out_dir + "/" + m.ulid)) got.push_back(l);
  }
  std::vector<std::string> want = {
      "{__name__=\"http_requests_total\", code=\"200\", method=\"get\"} 1027 "
      "1000000",
      "{__name__=\"http_requests_total\", code=\"400\", method=\"post\"} 3 "
      "1000000",
      "{__name__=\"temp\", loc=\"a\"} 1.5 7100000",
      "{__name__=\"http_requests_total\", code=\"200\", method=\"get\"} 1030 "
      "8000000",
      "{__name__=\"temp\", loc=\"b\"} NaN 7250500",
  };
  EXPECT_EQ(got, want);
  // Two table rows after the header; the second one has its own alignment.
  std::string text = out.str();
  EXPECT_EQ(text.rfind("BLOCK ULID                  MIN TIME     MAX TIME     DURATION      "
                       "NUM SAMPLES  NUM CHUNKS   NUM SERIES   SIZE\n",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("  1000000      7100001      1h41m40.001s  3            "
                      "3            3"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  7250500      8000001      12m29.501s   2            2 "
                      "           2"),
            std::string::npos)
      << text;
}

TEST_F(ToolsTest, CreateBlocksLargeInputManyChunks) {
  // 50 series x 1000 samples over ~8h: 5 blocks, chunks cut at 120 samples.
  std::string in;
  for (int s = 0; s < 50; ++s) {
    for (int i = 0; i < 1000; ++i) {
      in += "m_" + std::to_string(s % 5) + "{i=\"" + std::to_string(s) + "\"} " +
            std::to_string(i * 0.5) + " " + std::to_string(3600 + i * 30) + "\n";
    }
  }
  in += "# EOF\n";
  std::string out_dir = Sub("out");
  std::ostringstream out;
  CreateBlocksOptions opts;
  opts.quiet = true;
  ASSERT_TRUE(CreateBlocksFromOpenMetrics(in, out_dir, opts, out).ok());
  EXPECT_EQ(out.str(), "");
  uint64_t samples = 0, series = 0;
  for (const auto& d : BlockDirs(out_dir)) {
    auto m = *block::ReadMetaFile(d);
    EXPECT_EQ(m.min_time / kDefaultBlockDurationMs, (m.max_time - 1) / kDefaultBlockDurationMs);
    samples += m.stats.num_samples;
    series += m.stats.num_series;
  }
  EXPECT_EQ(samples, 50000u);
  EXPECT_EQ(BlockDirs(out_dir).size(), 5u);
  EXPECT_EQ(series, 250u);
  // With 6h blocks: [0,6h) and [6h,12h).
  std::string out6 = Sub("out6");
  opts.max_block_duration_ms = 9 * 3600000;
  ASSERT_TRUE(CreateBlocksFromOpenMetrics(in, out6, opts, out).ok());
  EXPECT_EQ(BlockDirs(out6).size(), 2u);
}

TEST_F(ToolsTest, CreateBlocksRejectsBadInputWithoutWriting) {
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {
      {"a 1 10\n", "parse"},
      {"a 1\n# EOF\n", "expected timestamp for series {__name__=\"a\"}, got none"},
      {"a 1 10\na 2 5\n# EOF\n", "out of order sample"},
      {"a 1 10\na 2 10\n# EOF\n", "duplicate sample for timestamp 10000"},
      {"a{b=\"c\" 1 10\n# EOF\n", "parse"},
      {"a 1 10\n# EOF\nb 1 10\n", "parse"},
      {"a 1 -9e15\na 1 9e15\n# EOF\n", "too wide"},
  };
  for (const auto& c : cases) {
    std::string out_dir = Sub("bad");
    std::ostringstream out;
    Status st = CreateBlocksFromOpenMetrics(c.in, out_dir, {}, out);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << c.in;
    EXPECT_NE(st.ToString().find(c.want), std::string::npos) << st.ToString();
    EXPECT_TRUE(fs::is_empty(out_dir)) << c.in;
    fs::remove_all(out_dir);
  }
  // Identical repeats are dropped; out of order across block ranges is fine.
  std::string out_dir = Sub("ok");
  std::ostringstream out;
  ASSERT_TRUE(
      CreateBlocksFromOpenMetrics("a 1 10\na 1 10\na 3 8000\na 2 20\n# EOF\n", out_dir, {}, out)
          .ok());
  auto dirs = BlockDirs(out_dir);
  ASSERT_EQ(dirs.size(), 2u);
  uint64_t n = 0;
  for (const auto& d : dirs) n += block::ReadMetaFile(d)->stats.num_samples;
  EXPECT_EQ(n, 3u);
  // Nothing but # EOF: no block, no output.
  std::ostringstream out2;
  ASSERT_TRUE(CreateBlocksFromOpenMetrics("# EOF\n", Sub("empty"), {}, out2).ok());
  EXPECT_EQ(out2.str(), "");
}

TEST_F(ToolsTest, CreateBlocksAddsLabels) {
  std::string out_dir = Sub("out");
  std::ostringstream out;
  CreateBlocksOptions opts;
  opts.quiet = true;
  opts.labels = {{"env", "prod"}, {"loc", "z"}};
  ASSERT_TRUE(
      CreateBlocksFromOpenMetrics("temp{loc=\"a\"} 1 10\nup 2 10\n# EOF\n", out_dir, opts, out)
          .ok());
  opts.labels = {{"1bad", "x"}};
  EXPECT_EQ(CreateBlocksFromOpenMetrics("up 2 10\n# EOF\n", Sub("bad"), opts, out).code(),
            StatusCode::kInvalidArgument);
  auto dirs = BlockDirs(out_dir);
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_EQ(ReadBlock(dirs[0]), (std::vector<std::string>{
                                    "{__name__=\"temp\", env=\"prod\", loc=\"z\"} 1 10000",
                                    "{__name__=\"up\", env=\"prod\", loc=\"z\"} 2 10000",
                                }));
}

TEST_F(ToolsTest, ListAndAnalyzeKnownBlock) {
  std::string out_dir = Sub("out");
  std::ostringstream ignore;
  ASSERT_TRUE(CreateBlocksFromOpenMetrics(kSmall, out_dir, {}, ignore).ok());
  auto blocks = OpenBlocks(out_dir);
  ASSERT_TRUE(blocks.ok());
  ASSERT_EQ(blocks->size(), 2u);
  std::ostringstream list;
  ASSERT_TRUE(ListBlocks(out_dir, true, list).ok());
  std::string t = list.str();
  EXPECT_NE(t.find("1970-01-01 00:16:40 +0000 UTC  1970-01-01 01:58:20 +0000 "
                   "UTC  1h41m40.001s"),
            std::string::npos)
      << t;
  EXPECT_EQ(std::count(t.begin(), t.end(), '\n'), 3);

  const std::string id = (*blocks)[0]->meta().ulid;
  std::ostringstream an;
  ASSERT_TRUE(AnalyzeBlock(out_dir, id, 20, an).ok());
  // Block [1000000, 7100001): two http_requests_total series and temp{loc="a"}.
  const std::string want = "Block ID: " + id +
                           "\n"
                           "Duration: 1h41m40.001s\n"
                           "Series: 3\n"
                           "Label names: 4\n"
                           "Postings (unique label pairs): 7\n"
                           "Postings entries (total label pairs): 8\n"
                           "\n"
                           // Every series has one sample, so each leaves the whole span uncovered.
                           "Label pairs most involved in churning:\n"
                           "2 __name__=http_requests_total\n"
                           "1 __name__=temp\n"
                           "1 code=200\n"
                           "1 code=400\n"
                           "1 loc=a\n"
                           "1 method=get\n"
                           "\n"
                           "Label names most involved in churning:\n"
                           "3 __name__\n"
                           "2 code\n"
                           "2 method\n"
                           "1 loc\n"
                           "\n"
                           "Most common label pairs:\n"
                           "2 __name__=http_requests_total\n"
                           "1 __name__=temp\n"
                           "1 code=200\n"
                           "1 code=400\n"
                           "1 loc=a\n"
                           "1 method=get\n"
                           "\n"
                           "Label names with highest cumulative label value length:\n"
                           "23 __name__\n"
                           "7 method\n"
                           "6 code\n"
                           "1 loc\n"
                           "\n"
                           "Highest cardinality labels:\n"
                           "2 __name__\n"
                           "2 code\n"
                           "2 method\n"
                           "1 loc\n"
                           "\n"
                           "Highest cardinality metric names:\n"
                           "2 http_requests_total\n"
                           "1 temp\n";
  // --limit=6 cuts the longest list.
  std::ostringstream an6;
  ASSERT_TRUE(AnalyzeBlock(out_dir, id, 6, an6).ok());
  EXPECT_EQ(an6.str(), want);
  // Default block: the newest ULID.
  std::ostringstream last;
  ASSERT_TRUE(AnalyzeBlock(out_dir, "", 20, last).ok());
  EXPECT_NE(last.str().find("Series: "), std::string::npos);
  std::ostringstream none;
  EXPECT_FALSE(AnalyzeBlock(out_dir, "01ARZ3NDEKTSV4RRFFQ69G5FAV", 20, none).ok());
  EXPECT_FALSE(AnalyzeBlock(Sub("empty"), "", 20, none).ok());
  EXPECT_FALSE(ListBlocks((dir_ / "missing").string(), false, none).ok());
}

// ---- Differential tests against promtool --------------------------------

std::string PromtoolPath() {
  for (const char* p : {"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
    if (fs::exists(p)) return p;
  }
  return "";
}

// Runs a command, returns its stdout; *rc gets the exit status.
std::string RunCmd(const std::string& cmd, int* rc) {
  std::string out;
  FILE* f = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (f == nullptr) {
    *rc = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) out.append(buf.data(), n);
  int st = ::pclose(f);
  *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

std::vector<std::string> SortedLines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  std::sort(v.begin(), v.end());
  return v;
}

// Analyze output with the lines of each list sorted (promtool's order of
// ties is random).
std::vector<std::vector<std::string>> Sections(const std::string& s) {
  std::vector<std::vector<std::string>> out(1);
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) {
    if (l.empty()) {
      out.emplace_back();
      continue;
    }
    out.back().push_back(l);
  }
  for (size_t i = 1; i < out.size(); ++i) std::sort(out[i].begin() + 1, out[i].end());
  return out;
}

std::string GeneratedInput() {
  // Three metrics over ~5h, several label sets, values that exercise %g.
  std::string in = "# TYPE up gauge\n";
  const char* vals[] = {"1", "0.5", "1e+06", "-3.25", "123456789", "0.0001", "NaN", "+Inf"};
  for (int i = 0; i < 300; ++i) {
    for (int s = 0; s < 4; ++s) {
      in += "up{job=\"j" + std::to_string(s) + "\",instance=\"h" + std::to_string(s % 2) +
            ":9090\"} " + vals[(i + s) % 8] + " " + std::to_string(100 + i * 60 + s) + "\n";
    }
  }
  in += "# TYPE req counter\n";
  for (int i = 0; i < 50; ++i) {
    in += "req_total{path=\"/a/" + std::to_string(i % 7) + "\"} " + std::to_string(i) + " " +
          std::to_string(9000 + i * 15) + ".25\n";
  }
  in += "# EOF\n";
  return in;
}

TEST_F(ToolsTest, DifferentialWithPromtool) {
  const std::string promtool = PromtoolPath();
  if (promtool.empty()) GTEST_SKIP() << "promtool not installed; differential tests skipped";
  const std::string input = GeneratedInput();
  const std::string file = WriteFile("in.om", input);
  int rc = 0;

  // Blocks created by ward, dumped by promtool and by ward.
  std::string ward_dir = Sub("ward");
  std::ostringstream ward_out;
  ASSERT_TRUE(CreateBlocksFromOpenMetrics(input, ward_dir, {}, ward_out).ok());
  fs::create_directories(ward_dir + "/wal");  // promtool 2.42's dump needs one
  std::string prom_dump_of_ward = RunCmd(promtool + " tsdb dump " + ward_dir, &rc);
  ASSERT_EQ(rc, 0);
  std::ostringstream ward_dump_of_ward;
  ASSERT_TRUE(DumpSamples(ward_dir, INT64_MIN, INT64_MAX, {}, ward_dump_of_ward).ok());
  EXPECT_EQ(SortedLines(prom_dump_of_ward).size(), 300u * 4 + 50);
  EXPECT_EQ(SortedLines(prom_dump_of_ward), SortedLines(ward_dump_of_ward.str()));

  // Blocks created by promtool, dumped by ward.
  std::string prom_dir = Sub("prom");
  std::string prom_create =
      RunCmd(promtool + " tsdb create-blocks-from openmetrics " + file + " " + prom_dir, &rc);
  ASSERT_EQ(rc, 0);
  fs::create_directories(prom_dir + "/wal");
  std::string prom_dump = RunCmd(promtool + " tsdb dump " + prom_dir, &rc);
  ASSERT_EQ(rc, 0);
  std::ostringstream ward_dump;
  ASSERT_TRUE(DumpSamples(prom_dir, INT64_MIN, INT64_MAX, {}, ward_dump).ok());
  EXPECT_EQ(SortedLines(prom_dump), SortedLines(ward_dump.str()));
  EXPECT_EQ(SortedLines(prom_dump), SortedLines(prom_dump_of_ward));

  // The create output has the same shape (ULIDs and sizes aside) as promtool's.
  auto rows = [](const std::string& s) {
    std::vector<std::string> v;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) v.push_back(l.size() > 26 ? l.substr(26) : l);
    return v;
  };
  auto strip_size = [](std::vector<std::string> v) {
    for (auto& l : v) l = l.substr(0, l.rfind(' '));
    return v;
  };
  EXPECT_EQ(strip_size(rows(prom_create)), strip_size(rows(ward_out.str())));

  // list (plain and -r) and analyze on both directories.
  for (const std::string& d : {ward_dir, prom_dir}) {
    for (bool human : {false, true}) {
      std::string want = RunCmd(promtool + " tsdb list " + (human ? "-r " : "") + d, &rc);
      ASSERT_EQ(rc, 0);
      std::ostringstream got;
      ASSERT_TRUE(ListBlocks(d, human, got).ok());
      EXPECT_EQ(got.str(), want) << d;
    }
    auto blocks = OpenBlocks(d);
    ASSERT_TRUE(blocks.ok());
    for (const auto& b : *blocks) {
      const std::string id = b->meta().ulid;
      std::string want = RunCmd(promtool + " tsdb analyze --limit=1000 " + d + " " + id, &rc);
      ASSERT_EQ(rc, 0);
      std::ostringstream got;
      ASSERT_TRUE(AnalyzeBlock(d, id, 1000, got).ok());
      EXPECT_EQ(Sections(got.str()), Sections(want)) << got.str() << "\nvs promtool:\n" << want;
    }
  }
}

// ---- Chunk encodings: create-blocks-from --chunk-encoding and convert ---

// Per series of a block, in index order: labels, then each chunk's time
// range, encoding and bytes.
std::vector<std::string> ChunkList(const std::string& dir, chunkenc::Encoding* only = nullptr) {
  auto b = block::Block::Open(dir);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  if (!b.ok()) return {};
  std::vector<uint32_t> ids;
  EXPECT_TRUE((*b)->index().AllPostings(&ids).ok());
  std::vector<std::string> out;
  for (uint32_t id : ids) {
    labels::Labels l;
    std::vector<index::ChunkMeta> chks;
    EXPECT_TRUE((*b)->index().Series(id, &l, &chks).ok());
    for (const auto& c : chks) {
      chunkenc::Encoding enc;
      std::string_view data;
      EXPECT_TRUE((*b)->chunks().Chunk(c.ref, &enc, &data).ok());
      if (only != nullptr) {
        EXPECT_EQ(enc, *only);
      }
      out.push_back(l.ToString() + " " + std::to_string(c.mint) + " " + std::to_string(c.maxt) +
                    " " + std::to_string(static_cast<int>(enc)) + " " + std::string(data));
    }
  }
  return out;
}

std::string EncodingInput() {
  // GeneratedInput's specials (NaN, +Inf) plus long integer and decimal
  // series over 12h: several chunks per series in XOR, few in dense.
  std::string in = GeneratedInput();
  in.resize(in.size() - 6);  // drop "# EOF\n"
  in += "# TYPE bytes counter\n";
  for (int s = 0; s < 3; ++s) {
    for (int i = 0; i < 2880; ++i) {
      in += "bytes_total{dev=\"d" + std::to_string(s) + "\"} " +
            std::to_string(1000000 + i * (17 + s) + (i * i) % 13) + " " +
            std::to_string(20000 + i * 15) + "\n";
    }
  }
  in += "# TYPE temp gauge\n";
  for (int i = 0; i < 2880; ++i) {
    in += "temp " + std::to_string(20 + (i % 37)) + ".5 " + std::to_string(20000 + i * 15) + "\n";
  }
  in += "# EOF\n";
  return in;
}

TEST_F(ToolsTest, DenseBlocksConvertBackToIdenticalXOR) {
  const std::string input = EncodingInput();
  CreateBlocksOptions opts;
  opts.quiet = true;
  opts.max_block_duration_ms = 24 * 3600000;
  std::ostringstream out;
  const std::string xor_dir = Sub("xor"), dense_dir = Sub("dense");
  ASSERT_TRUE(CreateBlocksFromOpenMetrics(input, xor_dir, opts, out).ok());
  opts.chunk_encoding = chunkenc::Encoding::kDense;
  ASSERT_TRUE(CreateBlocksFromOpenMetrics(input, dense_dir, opts, out).ok());
  const auto xor_blocks = BlockDirs(xor_dir);
  const auto dense_blocks = BlockDirs(dense_dir);
  ASSERT_EQ(xor_blocks.size(), dense_blocks.size());
  ASSERT_FALSE(xor_blocks.empty());
  int64_t xor_bytes = 0, dense_bytes = 0;
  for (size_t i = 0; i < xor_blocks.size(); ++i) {
    EXPECT_EQ(ReadBlock(dense_blocks[i]), ReadBlock(xor_blocks[i]));
    chunkenc::Encoding dense = chunkenc::Encoding::kDense;
    ChunkList(dense_blocks[i], &dense);
    EXPECT_EQ(block::ReadMetaFile(dense_blocks[i])->version, block::kMetaVersionDense);
    xor_bytes += (*block::Block::Open(xor_blocks[i]))->Size();
    dense_bytes += (*block::Block::Open(dense_blocks[i]))->Size();
  }
  EXPECT_LT(dense_bytes * 2, xor_bytes);

  // Prometheus skips dense blocks (meta.json version 2) instead of reading
  // chunks it cannot decode.
  const std::string promtool = PromtoolPath();
  if (!promtool.empty()) {
    int rc = 0;
    std::string listed = RunCmd(promtool + " tsdb list " + dense_dir, &rc);
    for (const auto& d : dense_blocks) {
      EXPECT_EQ(listed.find(fs::path(d).filename().string()), std::string::npos) << listed;
    }
  }

  // Keep a copy of one dense block to fake a crash between the rename of
  // the converted block and the deletion of the old one.
  const std::string kept = (dir_ / "kept").string();
  fs::copy(dense_blocks[0], kept, fs::copy_options::recursive);

  std::ostringstream conv;
  ASSERT_TRUE(ConvertBlocks(dense_blocks, chunkenc::Encoding::kXOR, conv).ok());
  EXPECT_NE(conv.str().find(" -> "), std::string::npos);
  const auto converted = BlockDirs(dense_dir);
  ASSERT_EQ(converted.size(), xor_blocks.size());
  for (size_t i = 0; i < xor_blocks.size(); ++i) {
    EXPECT_FALSE(fs::exists(dense_blocks[i]));
    chunkenc::Encoding x = chunkenc::Encoding::kXOR;
    // Same chunks, byte for byte, as the blocks written as XOR directly.
    EXPECT_EQ(ChunkList(converted[i], &x), ChunkList(xor_blocks[i]));
    auto m = *block::ReadMetaFile(converted[i]);
    auto want = *block::ReadMetaFile(xor_blocks[i]);
    EXPECT_EQ(m.min_time, want.min_time);
    EXPECT_EQ(m.max_time, want.max_time);
    EXPECT_EQ(m.stats.num_samples, want.stats.num_samples);
    EXPECT_EQ(m.stats.num_chunks, want.stats.num_chunks);
    EXPECT_EQ(m.version, block::kMetaVersion1);
    ASSERT_EQ(m.compaction.parents.size(), 1u);
    EXPECT_EQ(m.compaction.parents[0].ulid, fs::path(dense_blocks[i]).filename().string());
  }
  // Converting again is a no-op.
  std::ostringstream again;
  ASSERT_TRUE(ConvertBlocks(converted, chunkenc::Encoding::kXOR, again).ok());
  EXPECT_NE(again.str().find("already XOR"), std::string::npos) << again.str();
  EXPECT_EQ(BlockDirs(dense_dir), converted);

  // Crash leftover: the old block beside its converted child is deleted
  // when the DB opens the directory.
  fs::rename(kept, dense_blocks[0]);
  {
    Options dbo;
    dbo.compaction_interval_ms = 0;
    auto db = DB::Open(dense_dir, dbo);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    EXPECT_EQ((*db)->Blocks().size(), xor_blocks.size());
    ASSERT_TRUE((*db)->Close().ok());
  }
  EXPECT_FALSE(fs::exists(dense_blocks[0]));

  // promtool reads the converted blocks and sees the same samples.
  if (promtool.empty()) GTEST_SKIP() << "promtool not installed; promtool check skipped";
  fs::create_directories(xor_dir + "/wal");
  int rc = 0;
  std::string want = RunCmd(promtool + " tsdb dump " + xor_dir, &rc);
  ASSERT_EQ(rc, 0);
  std::string got = RunCmd(promtool + " tsdb dump " + dense_dir, &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(SortedLines(got), SortedLines(want));
  EXPECT_GT(SortedLines(got).size(), 4 * 2880u);
}

TEST_F(ToolsTest, ConvertErrors) {
  std::ostringstream out;
  EXPECT_FALSE(ConvertBlocks({(dir_ / "missing").string()}, chunkenc::Encoding::kXOR, out).ok());
  EXPECT_TRUE(ParseChunkEncoding("zip").status().IsInvalidArgument());
  EXPECT_EQ(ParseChunkEncoding("Dense").value(), chunkenc::Encoding::kDense);
  EXPECT_TRUE(ConvertBlocks({}, chunkenc::Encoding::kHistogram, out).IsInvalidArgument());
}

}  // namespace
}  // namespace ward::tsdb::tools
