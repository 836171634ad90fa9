// Tests of the tombstones file and interval merging.
#include "tsdb/tombstones/tombstones.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <limits>

#include "util/crc32c.h"
#include "util/varint.h"

namespace ward::tsdb::tombstones {
namespace {

TEST(IntervalsTest, AddMerges) {
  struct Case {
    Intervals in;
    Interval add;
    Intervals want;
  };
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  std::vector<Case> cases = {
      {{}, {1, 2}, {{1, 2}}},
      {{{1, 2}}, {3, 5}, {{1, 5}}},  // adjacent
      {{{1, 2}}, {4, 5}, {{1, 2}, {4, 5}}},
      {{{1, 2}, {4, 5}, {8, 9}}, {3, 7}, {{1, 9}}},
      {{{10, 20}}, {1, 3}, {{1, 3}, {10, 20}}},
      {{{10, 20}}, {12, 15}, {{10, 20}}},
      {{{10, 20}, {30, 40}}, {5, 35}, {{5, 40}}},
      {{{kMin, 5}}, {7, kMax}, {{kMin, 5}, {7, kMax}}},
      {{{kMin, 5}}, {6, kMax}, {{kMin, kMax}}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    Intervals got = cases[i].in;
    AddInterval(&got, cases[i].add);
    EXPECT_EQ(got, cases[i].want) << "case " << i;
  }
}

TEST(TombstonesTest, EncodeBytes) {
  MemTombstones ts;
  ts.AddInterval(5, {-1, 10});
  ts.AddInterval(2, {100, 200});
  std::string b = Encode(ts);
  ASSERT_GE(b.size(), 9u);
  EXPECT_EQ(varint::BE32(b.data()), kMagicTombstone);
  EXPECT_EQ(b[4], 1);
  // Sorted by ref: ref 2 first.
  std::string want;
  varint::PutUvarint(&want, 2);
  varint::PutVarint(&want, 100);
  varint::PutVarint(&want, 200);
  varint::PutUvarint(&want, 5);
  varint::PutVarint(&want, -1);
  varint::PutVarint(&want, 10);
  EXPECT_EQ(b.substr(5, b.size() - 9), want);
  EXPECT_EQ(varint::BE32(b.data() + b.size() - 4), crc32c::Value(want));

  auto got = Decode(b).value();
  ASSERT_NE(got.Get(5), nullptr);
  EXPECT_EQ(*got.Get(5), (Intervals{{-1, 10}}));
  EXPECT_EQ(*got.Get(2), (Intervals{{100, 200}}));
  EXPECT_EQ(got.Get(3), nullptr);
  EXPECT_EQ(got.NumIntervals(), 2u);
  // Empty set: header + CRC of nothing.
  EXPECT_EQ(Encode(MemTombstones()).size(), 9u);
}

TEST(TombstonesTest, CorruptionTable) {
  MemTombstones ts;
  ts.AddInterval(1, {1, 2});
  std::string good = Encode(ts);
  struct Case {
    std::string name, bytes, want;
  };
  std::string bad_magic = good, bad_version = good, bad_crc = good;
  bad_magic[0] = 9;
  bad_version[4] = 7;
  bad_crc[6] ^= 0x40;
  std::vector<Case> cases = {
      {"empty", "", "too short"},    {"short", good.substr(0, 7), "too short"},
      {"magic", bad_magic, "magic"}, {"version", bad_version, "version"},
      {"crc", bad_crc, "checksum"},  {"truncated", good.substr(0, good.size() - 1), "checksum"}};
  for (const Case& c : cases) {
    auto r = Decode(c.bytes, "x/tombstones");
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_TRUE(r.status().IsCorruption()) << c.name;
    EXPECT_NE(r.status().ToString().find(c.want), std::string::npos)
        << c.name << ": " << r.status().ToString();
    EXPECT_NE(r.status().ToString().find("x/tombstones"), std::string::npos);
  }
}

TEST(TombstonesTest, FileRoundTrip) {
  std::string dir =
      std::filesystem::temp_directory_path() / ("ward_tombstones_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  int64_t size = -1;
  auto missing = ReadFile(dir, &size).value();
  EXPECT_TRUE(missing.empty());
  MemTombstones ts;
  ts.AddInterval(7, {1, 5});
  ts.AddInterval(7, {10, 20});
  auto n = WriteFile(dir, ts);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  auto got = ReadFile(dir, &size).value();
  EXPECT_EQ(size, n.value());
  EXPECT_EQ(*got.Get(7), (Intervals{{1, 5}, {10, 20}}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ward::tsdb::tombstones
