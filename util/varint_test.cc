#include "util/varint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace ward::varint {
namespace {

std::string Uv(uint64_t v) {
  std::string s;
  PutUvarint(&s, v);
  return s;
}
std::string V(int64_t v) {
  std::string s;
  PutVarint(&s, v);
  return s;
}

// Expected bytes are what Go's binary.PutUvarint / PutVarint produce.
TEST(VarintTest, GoCompatibleBytes) {
  EXPECT_EQ(Uv(0), std::string("\x00", 1));
  EXPECT_EQ(Uv(1), "\x01");
  EXPECT_EQ(Uv(127), "\x7f");
  EXPECT_EQ(Uv(128), "\x80\x01");
  EXPECT_EQ(Uv(300), "\xac\x02");
  EXPECT_EQ(Uv(16384), "\x80\x80\x01");
  EXPECT_EQ(Uv(~0ull), "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");
  EXPECT_EQ(V(0), std::string("\x00", 1));
  EXPECT_EQ(V(-1), "\x01");
  EXPECT_EQ(V(1), "\x02");
  EXPECT_EQ(V(-64), "\x7f");
  EXPECT_EQ(V(64), "\x80\x01");
  EXPECT_EQ(V(std::numeric_limits<int64_t>::min()), "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");
  EXPECT_EQ(V(std::numeric_limits<int64_t>::max()), "\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01");
}

TEST(VarintTest, RoundTrip) {
  std::string s;
  const int64_t vals[] = {0,
                          1,
                          -1,
                          63,
                          -64,
                          64,
                          1 << 20,
                          -(1ll << 40),
                          std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::max()};
  for (int64_t v : vals) {
    PutVarint(&s, v);
    PutUvarint(&s, static_cast<uint64_t>(v));
  }
  const char* p = s.data();
  const char* end = p + s.size();
  for (int64_t v : vals) {
    int64_t got;
    uint64_t ugot;
    ASSERT_TRUE(GetVarint(&p, end, &got));
    EXPECT_EQ(got, v);
    ASSERT_TRUE(GetUvarint(&p, end, &ugot));
    EXPECT_EQ(ugot, static_cast<uint64_t>(v));
  }
  EXPECT_EQ(p, end);
  for (uint64_t v : {0ull, 127ull, 128ull, 1ull << 35, ~0ull})
    EXPECT_EQ(UvarintSize(v), (int)Uv(v).size());
}

TEST(VarintTest, MalformedInput) {
  uint64_t v;
  std::string trunc = "\x80\x80";
  const char* p = trunc.data();
  EXPECT_FALSE(GetUvarint(&p, p + trunc.size(), &v));
  EXPECT_EQ(p, trunc.data());  // not advanced
  std::string overflow = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02";
  p = overflow.data();
  EXPECT_FALSE(GetUvarint(&p, p + overflow.size(), &v));
  std::string too_long(11, '\x80');
  p = too_long.data();
  EXPECT_FALSE(GetUvarint(&p, p + too_long.size(), &v));
  p = trunc.data();
  EXPECT_FALSE(GetUvarint(&p, p, &v));  // empty
}

TEST(VarintTest, BigEndian) {
  std::string s;
  PutBE16(&s, 0x0102);
  PutBE32(&s, 0x03040506);
  PutBE64(&s, 0x0708090a0b0c0d0eull);
  EXPECT_EQ(s, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e");
  EXPECT_EQ(BE16(s.data()), 0x0102);
  EXPECT_EQ(BE32(s.data() + 2), 0x03040506u);
  EXPECT_EQ(BE64(s.data() + 6), 0x0708090a0b0c0d0eull);
  EXPECT_EQ(Float64Bits(1.0), 0x3ff0000000000000ull);
  EXPECT_TRUE(std::isnan(Float64FromBits(0x7ff0000000000002ull)));
}

}  // namespace
}  // namespace ward::varint
