// Tests of the index writer and reader: byte layout of every section,
// lookups, and a corruption table.
#include "tsdb/index/index.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "util/crc32c.h"
#include "util/varint.h"

namespace ward::tsdb::index {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
void WriteAll(const std::string& p, const std::string& b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << b;
}

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ward_index_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = dir_ + "/index";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Three series: a{x="1"}, a{x="2"}, b{y="1"}.
  void WriteSmall() {
    series_ = {labels::Labels{{"__name__", "a"}, {"x", "1"}},
               labels::Labels{{"__name__", "a"}, {"x", "2"}},
               labels::Labels{{"__name__", "b"}, {"y", "1"}}};
    std::set<std::string> syms;
    for (const auto& l : series_) {
      for (const auto& p : l) {
        syms.insert(p.name);
        syms.insert(p.value);
      }
    }
    auto w = IndexWriter::Create(path_).value();
    for (const auto& s : syms) ASSERT_TRUE(w->AddSymbol(s).ok());
    uint64_t ref = 8;
    for (size_t i = 0; i < series_.size(); ++i) {
      std::vector<ChunkMeta> chks;
      for (int c = 0; c <= static_cast<int>(i); ++c) {
        chks.push_back({ref, 1000 * c - 5, 1000 * c + 500});
        ref += 40;
      }
      uint32_t id;
      ASSERT_TRUE(w->AddSeries(series_[i], chks, &id).ok());
      ids_.push_back(id);
      chunks_.push_back(chks);
    }
    ASSERT_TRUE(w->Close().ok());
  }

  std::string dir_, path_;
  std::vector<labels::Labels> series_;
  std::vector<uint32_t> ids_;
  std::vector<std::vector<ChunkMeta>> chunks_;
};

TEST_F(IndexTest, RoundTrip) {
  WriteSmall();
  auto r = IndexReader::Open(path_).value();
  EXPECT_EQ(r->version(), 2);
  auto syms = r->Symbols().value();
  EXPECT_EQ(syms, (std::vector<std::string_view>{"1", "2", "__name__", "a", "b", "x", "y"}));
  EXPECT_EQ(r->LabelNames(), (std::vector<std::string_view>{"__name__", "x", "y"}));
  EXPECT_EQ(r->LabelValues("__name__"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_TRUE(r->LabelValues("nope").empty());
  std::vector<uint32_t> p;
  ASSERT_TRUE(r->Postings("__name__", "a", &p).ok());
  EXPECT_EQ(p, (std::vector<uint32_t>{ids_[0], ids_[1]}));
  p.clear();
  ASSERT_TRUE(r->AllPostings(&p).ok());
  EXPECT_EQ(p, ids_);
  p.clear();
  ASSERT_TRUE(r->Postings("x", "3", &p).ok());
  EXPECT_TRUE(p.empty());
  for (size_t i = 0; i < ids_.size(); ++i) {
    labels::Labels l;
    std::vector<ChunkMeta> c;
    ASSERT_TRUE(r->Series(ids_[i], &l, &c).ok());
    EXPECT_EQ(l, series_[i]);
    ASSERT_EQ(c.size(), chunks_[i].size());
    for (size_t j = 0; j < c.size(); ++j) {
      EXPECT_EQ(c[j].ref, chunks_[i][j].ref);
      EXPECT_EQ(c[j].mint, chunks_[i][j].mint);
      EXPECT_EQ(c[j].maxt, chunks_[i][j].maxt);
    }
  }
  labels::Labels l;
  std::vector<ChunkMeta> c;
  EXPECT_TRUE(r->Series(1, &l, &c).IsCorruption());
}

TEST_F(IndexTest, ByteLayout) {
  WriteSmall();
  std::string b = ReadAll(path_);
  EXPECT_EQ(varint::BE32(b.data()), kMagicIndex);
  EXPECT_EQ(b[4], 2);
  const char* t = b.data() + b.size() - kTOCLen;
  EXPECT_EQ(varint::BE32(t + 48), crc32c::Value(t, 48));
  uint64_t symbols = varint::BE64(t), series = varint::BE64(t + 8);
  uint64_t label_indices = varint::BE64(t + 16), label_table = varint::BE64(t + 24);
  uint64_t postings = varint::BE64(t + 32), postings_table = varint::BE64(t + 40);
  EXPECT_EQ(symbols, 5u);
  EXPECT_LT(symbols, series);
  EXPECT_LT(series, label_indices);
  EXPECT_LT(label_indices, postings);
  EXPECT_LT(postings, label_table);
  EXPECT_LT(label_table, postings_table);
  // Symbol table: len, count, entries, CRC over count + entries.
  uint32_t len = varint::BE32(b.data() + symbols);
  EXPECT_EQ(varint::BE32(b.data() + symbols + 4), 7u);
  EXPECT_EQ(varint::BE32(b.data() + symbols + 4 + len), crc32c::Value(b.data() + symbols + 4, len));
  EXPECT_EQ(b[symbols + 8], 1);  // len("1")
  EXPECT_EQ(b[symbols + 9], '1');
  // Series are 16-byte aligned, ids are offset / 16, zero padding between.
  for (uint32_t id : ids_) EXPECT_GE(uint64_t{id} * 16, series);
  EXPECT_EQ(std::string(b.data() + series, ids_[0] * 16 - series),
            std::string(ids_[0] * 16 - series, '\0'));
  // First series entry: len uvarint, 2 labels, refs (__name__=2, a=3), ...
  const char* s = b.data() + ids_[0] * 16;
  uint8_t slen = static_cast<uint8_t>(s[0]);
  EXPECT_EQ(std::string(s + 1, 5), std::string("\x02\x02\x03\x05\x00", 5));
  EXPECT_EQ(std::string(s + 6, 1), std::string("\x01"));  // one chunk
  EXPECT_EQ(varint::BE32(s + 1 + slen), crc32c::Value(s + 1, slen));
  // Label index for __name__: #names 1, 2 entries (symbols 3, 4).
  uint64_t li = label_indices;
  while (li % 4) ++li;
  std::string want_li;
  varint::PutBE32(&want_li, 16);
  varint::PutBE32(&want_li, 1);
  varint::PutBE32(&want_li, 2);
  varint::PutBE32(&want_li, 3);
  varint::PutBE32(&want_li, 4);
  EXPECT_EQ(b.substr(li, 20), want_li);
  // All postings list first, 4-byte aligned: ids of all three series.
  uint64_t p0 = postings;
  while (p0 % 4) ++p0;
  EXPECT_EQ(varint::BE32(b.data() + p0), 16u);
  EXPECT_EQ(varint::BE32(b.data() + p0 + 4), 3u);
  EXPECT_EQ(varint::BE32(b.data() + p0 + 8), ids_[0]);
  EXPECT_EQ(varint::BE32(b.data() + p0 + 20), crc32c::Value(b.data() + p0 + 4, 16));
  // Postings offset table: 1 + 5 entries, the first is "" "" -> p0.
  const char* pt = b.data() + postings_table;
  EXPECT_EQ(varint::BE32(pt + 4), 6u);
  EXPECT_EQ(std::string(pt + 8, 3), std::string("\x02\x00\x00", 3));
  EXPECT_EQ(static_cast<uint8_t>(pt[11]), p0);
  // Label offset table: 3 names, n=1.
  const char* lt = b.data() + label_table;
  EXPECT_EQ(varint::BE32(lt + 4), 3u);
  EXPECT_EQ(lt[8], 1);
  EXPECT_EQ(std::string(lt + 9, 9), std::string("\x08__name__"));
}

TEST_F(IndexTest, RejectsBadOrder) {
  auto w = IndexWriter::Create(path_).value();
  ASSERT_TRUE(w->AddSymbol("b").ok());
  EXPECT_TRUE(w->AddSymbol("a").IsInvalidArgument());
  ASSERT_TRUE(w->AddSymbol("c").ok());
  labels::Labels l1{{"b", "c"}};
  ASSERT_TRUE(w->AddSeries(l1, {}).ok());
  EXPECT_TRUE(w->AddSeries(l1, {}).IsInvalidArgument());
  labels::Labels l2{{"c", "b"}};
  std::vector<ChunkMeta> overlap = {{8, 0, 10}, {9, 10, 20}};
  EXPECT_TRUE(w->AddSeries(l2, overlap).IsInvalidArgument());
  labels::Labels unknown{{"c", "zzz"}};
  EXPECT_TRUE(w->AddSeries(unknown, {}).IsInvalidArgument());
  EXPECT_TRUE(w->Close().ok());
}

TEST_F(IndexTest, EmptyIndex) {
  auto w = IndexWriter::Create(path_).value();
  ASSERT_TRUE(w->Close().ok());
  auto r = IndexReader::Open(path_).value();
  std::vector<uint32_t> p;
  ASSERT_TRUE(r->AllPostings(&p).ok());
  EXPECT_TRUE(p.empty());
  EXPECT_TRUE(r->LabelNames().empty());
}

TEST_F(IndexTest, CorruptionTable) {
  WriteSmall();
  std::string good = ReadAll(path_);
  const char* t = good.data() + good.size() - kTOCLen;
  uint64_t symbols = varint::BE64(t), postings_table = varint::BE64(t + 40);
  struct Case {
    std::string name;
    std::string bytes;
    std::string want;
  };
  auto flip = [&](size_t at) {
    std::string b = good;
    b[at] ^= 0x10;
    return b;
  };
  std::vector<Case> cases = {
      {"empty", "", "too short"},
      {"truncated", good.substr(0, good.size() - 10), "TOC"},
      {"half", good.substr(0, good.size() / 2), "TOC"},
      {"magic", flip(0), "magic"},
      {"version", flip(4), "version"},
      {"toc crc", flip(good.size() - 20), "TOC"},
      {"symbols crc", flip(symbols + 9), "symbol table"},
      {"postings table crc", flip(postings_table + 10), "postings offset table"},
  };
  for (const Case& c : cases) {
    WriteAll(path_, c.bytes);
    auto r = IndexReader::Open(path_);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_TRUE(r.status().IsCorruption()) << c.name;
    EXPECT_NE(r.status().ToString().find(c.want), std::string::npos)
        << c.name << ": " << r.status().ToString();
    EXPECT_NE(r.status().ToString().find(path_), std::string::npos) << c.name;
  }
  // Damage inside a series or postings list is found when it is read.
  std::string b = good;
  b[ids_[1] * 16 + 3] ^= 0x01;
  WriteAll(path_, b);
  auto r = IndexReader::Open(path_).value();
  labels::Labels l;
  std::vector<ChunkMeta> c;
  EXPECT_TRUE(r->Series(ids_[0], &l, &c).ok());
  Status s = r->Series(ids_[1], &l, &c);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("checksum"), std::string::npos);
}

TEST_F(IndexTest, ManySeriesRoundTrip) {
  // 500 series over 3 names; symbols beyond any sampling interval.
  std::vector<labels::Labels> series;
  std::set<std::string> syms;
  for (int i = 0; i < 500; ++i) {
    char v[16];
    std::snprintf(v, sizeof(v), "v%04d", i);
    labels::Labels l{
        {"__name__", i % 2 ? "even" : "odd"}, {"id", v}, {"mod", std::to_string(i % 7)}};
    series.push_back(l);
    for (const auto& p : l) {
      syms.insert(p.name);
      syms.insert(p.value);
    }
  }
  std::sort(series.begin(), series.end());
  auto w = IndexWriter::Create(path_).value();
  for (const auto& s : syms) ASSERT_TRUE(w->AddSymbol(s).ok());
  std::vector<uint32_t> ids;
  for (const auto& l : series) {
    uint32_t id;
    ASSERT_TRUE(w->AddSeries(l, {}, &id).ok());
    ids.push_back(id);
  }
  ASSERT_TRUE(w->Close().ok());
  auto r = IndexReader::Open(path_).value();
  EXPECT_EQ(r->NumSymbols(), syms.size());
  uint32_t i = 0;
  for (const auto& s : syms) {
    EXPECT_EQ(r->LookupSymbol(s).value(), i);
    EXPECT_EQ(r->Symbol(i).value(), s);
    ++i;
  }
  EXPECT_TRUE(r->LookupSymbol("nope").status().IsNotFound());
  EXPECT_EQ(r->LabelValues("mod").size(), 7u);
  EXPECT_EQ(r->LabelValues("id").size(), 500u);
  std::vector<uint32_t> p;
  ASSERT_TRUE(r->Postings("mod", "3", &p).ok());
  std::vector<uint32_t> want;
  for (size_t k = 0; k < series.size(); ++k) {
    if (series[k].Get("mod") == "3") want.push_back(ids[k]);
  }
  EXPECT_EQ(p, want);
  int n = 0;
  ASSERT_TRUE(r->ForEachPostings(
                   "mod", [](std::string_view v) { return v == "1" || v == "2"; },
                   [&](std::string_view, const std::vector<uint32_t>& ids) { n += ids.size(); })
                  .ok());
  EXPECT_GT(n, 100);
  for (size_t k = 0; k < series.size(); ++k) {
    labels::Labels l;
    std::vector<ChunkMeta> c;
    ASSERT_TRUE(r->Series(ids[k], &l, &c).ok());
    EXPECT_EQ(l, series[k]);
  }
}

// Random damage never crashes the reader: Open fails or every read returns
// a value or an error.
TEST_F(IndexTest, RandomDamageNeverCrashes) {
  WriteSmall();
  std::string good = ReadAll(path_);
  std::mt19937 rng(1);
  int opened = 0;
  for (int round = 0; round < 300; ++round) {
    std::string b = good;
    if (round % 4 == 0) {
      b.resize(rng() % b.size());
    } else {
      for (int k = 0; k < 3; ++k) b[rng() % b.size()] = static_cast<char>(rng());
    }
    WriteAll(path_, b);
    auto r = IndexReader::Open(path_);
    if (!r.ok()) continue;
    ++opened;
    std::vector<uint32_t> all;
    (void)r.value()->AllPostings(&all).ok();
    for (std::string_view n : r.value()->LabelNames()) {
      for (std::string_view v : r.value()->LabelValues(n)) {
        std::vector<uint32_t> p;
        (void)r.value()->Postings(n, v, &p).ok();
      }
    }
    for (uint32_t id : all) {
      labels::Labels l;
      std::vector<ChunkMeta> c;
      (void)r.value()->Series(id, &l, &c).ok();
    }
    for (uint32_t id = 0; id < b.size() / 16 + 2; ++id) {
      labels::Labels l;
      std::vector<ChunkMeta> c;
      (void)r.value()->Series(id, &l, &c).ok();
    }
  }
  EXPECT_GT(opened, 0);
}

}  // namespace
}  // namespace ward::tsdb::index
