#include "tsdb/chunkenc/xor.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "tsdb/chunkenc/bstream.h"
#include "util/varint.h"

namespace ward::tsdb::chunkenc {
namespace {

struct S {
  int64_t t;
  double v;
};

std::string Hex(std::string_view b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (unsigned char c : b) {
    s.push_back(d[c >> 4]);
    s.push_back(d[c & 15]);
  }
  return s;
}

std::vector<S> ReadAll(std::string_view bytes, Status* err = nullptr) {
  std::vector<S> out;
  auto it = XORChunk::IterateBytes(bytes);
  int64_t t;
  double v;
  while (it.Next()) {
    it.At(&t, &v);
    out.push_back({t, v});
  }
  if (err) *err = it.Err();
  return out;
}

void ExpectSameBits(const std::vector<S>& got, const std::vector<S>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].t, want[i].t) << i;
    EXPECT_EQ(varint::Float64Bits(got[i].v), varint::Float64Bits(want[i].v)) << i;
  }
}

// Bytes worked out by hand from Prometheus's xor.go/bstream.go: varint
// timestamp and raw value, then uvarint delta, then Gorilla bits. Note the
// trailing free byte left by byte-wise writes (Prometheus keeps it too).
TEST(XORChunkTest, GoldenBytes) {
  XORChunk c;
  EXPECT_EQ(Hex(c.Bytes()), "0000");
  c.Append(1000, 1.0);
  EXPECT_EQ(Hex(c.Bytes()), "0001d00f3ff000000000000000");
  c.Append(2000, 1.0);
  EXPECT_EQ(Hex(c.Bytes()), "0002d00f3ff0000000000000e80700");
  c.Append(3000, 2.0);
  EXPECT_EQ(Hex(c.Bytes()), "0003d00f3ff0000000000000e8073097ffc0");
  EXPECT_EQ(c.NumSamples(), 3);
  ExpectSameBits(ReadAll(c.Bytes()), {{1000, 1.0}, {2000, 1.0}, {3000, 2.0}});
}

TEST(XORChunkTest, RoundTripSpecialValues) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const double stale = varint::Float64FromBits(0x7ff0000000000002ull);
  std::vector<S> want = {{-5000, 0.0}, {-4000, -0.0}, {-1, nan},     {0, stale},    {1, inf},
                         {2, -inf},    {3, stale},    {4, 1e308},    {5, 5e-324},   {6, 42.0},
                         {7, 42.0},    {8, 42.0},     {15000, -1.5}, {15001, stale}};
  XORChunk c;
  for (auto& s : want) c.Append(s.t, s.v);
  Status err;
  ExpectSameBits(ReadAll(c.Bytes(), &err), want);
  EXPECT_TRUE(err.ok()) << err.ToString();
}

TEST(XORChunkTest, DodBucketBoundaries) {
  // Exercise each delta-of-delta width including the asymmetric edges.
  std::vector<int64_t> dods = {0,       1,      -1,        8191,         8192,   -8191,  -8192,
                               65535,   65536,  -65535,    -65536,       524287, 524288, -524287,
                               -524288, 524289, 1LL << 40, -(1LL << 40), 0,      0};
  std::vector<S> want;
  int64_t t = 1'000'000'000'000, delta = 15000;
  want.push_back({t, 1});
  t += delta;
  want.push_back({t, 2});
  for (size_t i = 0; i < dods.size(); ++i) {
    delta += dods[i];
    t += delta;
    want.push_back({t, static_cast<double>(i)});
  }
  XORChunk c;
  for (auto& s : want) c.Append(s.t, s.v);
  ExpectSameBits(ReadAll(c.Bytes()), want);
}

TEST(XORChunkTest, LargeGapsAndNegativeTimestamps) {
  std::vector<S> want = {{std::numeric_limits<int64_t>::min() / 4, 1},
                         {-1, 2},
                         {0, 3},
                         {std::numeric_limits<int64_t>::max() / 4, 4},
                         {std::numeric_limits<int64_t>::max() / 2, 5}};
  XORChunk c;
  for (auto& s : want) c.Append(s.t, s.v);
  ExpectSameBits(ReadAll(c.Bytes()), want);
}

TEST(XORChunkTest, ManyRandomSamplesAndSeek) {
  std::mt19937_64 rng(7);
  std::vector<S> want;
  int64_t t = 1700000000000;
  double v = 0;
  for (int i = 0; i < 500; ++i) {
    t += 10000 + static_cast<int64_t>(rng() % 10000);
    switch (rng() % 4) {
      case 0:
        v += 1;
        break;
      case 1:
        v = static_cast<double>(rng() % 1000) / 7;
        break;
      case 2:
        break;
      default:
        v = varint::Float64FromBits(rng());
        break;
    }
    want.push_back({t, v});
  }
  XORChunk c;
  for (auto& s : want) c.Append(s.t, s.v);
  EXPECT_EQ(c.NumSamples(), 500);
  ExpectSameBits(ReadAll(c.Bytes()), want);

  auto it = c.NewIterator();
  ASSERT_TRUE(it.Seek(want[250].t - 1));
  EXPECT_EQ(it.AtT(), want[250].t);
  ASSERT_TRUE(it.Seek(want[250].t));  // stays
  EXPECT_EQ(it.AtT(), want[250].t);
  ASSERT_TRUE(it.Next());
  EXPECT_EQ(it.AtT(), want[251].t);
  EXPECT_FALSE(it.Seek(want.back().t + 1));
  EXPECT_TRUE(it.Err().ok());
}

TEST(XORChunkTest, AppendAfterFromBytesContinuesStream) {
  std::vector<S> want;
  for (int i = 0; i < 130; ++i) want.push_back({i * 15000 + (i % 3), i * 0.5 + (i % 5)});
  for (size_t split : {0, 1, 2, 3, 50, 129}) {
    XORChunk a;
    for (size_t i = 0; i < split; ++i) a.Append(want[i].t, want[i].v);
    auto b = XORChunk::FromBytes(a.Bytes());
    ASSERT_TRUE(b.ok());
    auto* app = b->GetAppender();
    ASSERT_NE(app, nullptr);
    for (size_t i = split; i < want.size(); ++i) app->Append(want[i].t, want[i].v);
    // Same bytes as one uninterrupted chunk.
    XORChunk whole;
    for (auto& s : want) whole.Append(s.t, s.v);
    EXPECT_EQ(Hex(b->Bytes()), Hex(whole.Bytes())) << split;
  }
}

// A straightforward encoder over bstream's BitWriter (a std::string that
// grows byte by byte), the shape of Prometheus's xorAppender: the chunk's
// own writer, with room reserved up front, must produce the same bytes.
std::string ReferenceEncode(const std::vector<S>& samples) {
  std::string b(2, '\0');
  uint8_t free_bits = 0;
  BitWriter w(&b, &free_bits);
  int64_t t_prev = 0;
  uint64_t v_prev = 0, delta_prev = 0;
  uint8_t lead = 0xff, trail = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const int64_t t = samples[i].t;
    const uint64_t vb = varint::Float64Bits(samples[i].v);
    char buf[varint::kMaxVarintLen64];
    uint64_t delta = 0;
    if (i == 0) {
      int n = varint::EncodeUvarint(buf, varint::ZigZag(t));
      for (int k = 0; k < n; ++k) w.WriteByte(static_cast<uint8_t>(buf[k]));
      w.WriteBits(vb, 64);
    } else {
      delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_prev);
      if (i == 1) {
        int n = varint::EncodeUvarint(buf, delta);
        for (int k = 0; k < n; ++k) w.WriteByte(static_cast<uint8_t>(buf[k]));
      } else {
        const int64_t dod = static_cast<int64_t>(delta - delta_prev);
        auto fits = [dod](int n) {
          return -((int64_t{1} << (n - 1)) - 1) <= dod && dod <= (int64_t{1} << (n - 1));
        };
        if (dod == 0) {
          w.WriteBit(false);
        } else if (fits(14)) {
          w.WriteBits(0b10, 2);
          w.WriteBits(static_cast<uint64_t>(dod), 14);
        } else if (fits(17)) {
          w.WriteBits(0b110, 3);
          w.WriteBits(static_cast<uint64_t>(dod), 17);
        } else if (fits(20)) {
          w.WriteBits(0b1110, 4);
          w.WriteBits(static_cast<uint64_t>(dod), 20);
        } else {
          w.WriteBits(0b1111, 4);
          w.WriteBits(static_cast<uint64_t>(dod), 64);
        }
      }
      const uint64_t x = vb ^ v_prev;
      if (x == 0) {
        w.WriteBit(false);
      } else {
        w.WriteBit(true);
        uint8_t l = static_cast<uint8_t>(std::countl_zero(x));
        const uint8_t tr = static_cast<uint8_t>(std::countr_zero(x));
        if (l >= 32) l = 31;
        if (lead != 0xff && l >= lead && tr >= trail) {
          w.WriteBit(false);
          w.WriteBits(x >> trail, 64 - lead - trail);
        } else {
          lead = l;
          trail = tr;
          w.WriteBit(true);
          w.WriteBits(l, 5);
          const int sig = 64 - l - tr;
          w.WriteBits(static_cast<uint64_t>(sig), 6);
          w.WriteBits(x >> tr, sig);
        }
      }
    }
    t_prev = t;
    v_prev = vb;
    delta_prev = delta;
    varint::EncodeBE16(b.data(), static_cast<uint16_t>(i + 1));
  }
  return b;
}

TEST(XORChunkTest, SameBytesAsReferenceEncoder) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<S> samples;
    int64_t t = static_cast<int64_t>(rng() % 2'000'000'000'000) - 1'000'000'000'000;
    double v = static_cast<double>(rng() % 1000);
    const int n = 1 + static_cast<int>(rng() % 300);
    for (int i = 0; i < n; ++i) {
      switch (rng() % 6) {  // timestamps: regular, jittered, every dod bucket
        case 0:
          t += 15'000;
          break;
        case 1:
          t += 15'000 + static_cast<int64_t>(rng() % 9) - 4;
          break;
        case 2:
          t += static_cast<int64_t>(rng() % 100'000);
          break;
        case 3:
          t += static_cast<int64_t>(rng() % 1'000'000);
          break;
        default:
          t += static_cast<int64_t>(rng() % 10'000'000'000);
          break;
      }
      switch (rng() % 5) {  // values: same, counter, gauge, random bits, special
        case 0:
          break;
        case 1:
          v += static_cast<double>(rng() % 1000);
          break;
        case 2:
          v = static_cast<double>(rng() % 100'000) / 100.0;
          break;
        case 3:
          v = varint::Float64FromBits(rng());
          break;
        default:
          v = (rng() % 2) != 0 ? std::numeric_limits<double>::quiet_NaN() : -0.0;
          break;
      }
      samples.push_back({t, v});
    }
    XORChunk c;
    for (const S& smp : samples) c.Append(smp.t, smp.v);
    ASSERT_EQ(Hex(c.Bytes()), Hex(ReferenceEncode(samples))) << "round " << round;
    ExpectSameBits(ReadAll(c.Bytes()), samples);
  }
}

TEST(XORChunkTest, BufferGrowsWithTheDataAndCopiesAreDeep) {
  XORChunk c;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 1000; ++i) {
    c.Append(int64_t{i} * 15'000 + static_cast<int64_t>(rng() % 5), static_cast<double>(rng()));
    const size_t size = c.Bytes().size();
    ASSERT_GE(c.capacity(), size);
    // Room for the next sample at most, plus one size class of slack.
    if (size <= 200) {
      EXPECT_LE(c.capacity(), size + 24 + 16) << i;
    } else {
      EXPECT_LE(c.capacity(), size + size / 8 + 24 + 16) << i;
    }
  }
  XORChunk copy(c);
  EXPECT_EQ(copy.Bytes(), c.Bytes());
  EXPECT_NE(copy.Bytes().data(), c.Bytes().data());
  copy.Append(1'000'000'000, 1.0);
  EXPECT_EQ(copy.NumSamples(), c.NumSamples() + 1);
  XORChunk moved(std::move(copy));
  EXPECT_FALSE(copy.has_buffer());  // NOLINT: moved-from state is specified
  EXPECT_EQ(moved.NumSamples(), 1001);
  const std::string before(c.Bytes());
  c.Compact();
  EXPECT_EQ(c.Bytes(), before);
  EXPECT_LE(c.capacity(), before.size() + before.size() / 8 + 16);
  XORChunk none{XORChunk::NoBuffer{}};
  EXPECT_FALSE(none.has_buffer());
  none = XORChunk();
  EXPECT_EQ(none.NumSamples(), 0);
  EXPECT_EQ(none.Bytes().size(), 2u);
}

TEST(XORChunkTest, CorruptBytesReportErrors) {
  EXPECT_FALSE(XORChunk::FromBytes("\x01").ok());
  XORChunk c;
  for (int i = 0; i < 20; ++i) c.Append(i * 1000, i * 1.25);
  std::string b(c.Bytes());
  for (size_t cut = 2; cut < b.size() - 2; ++cut) {
    Status err;
    auto got = ReadAll(std::string_view(b).substr(0, cut), &err);
    EXPECT_TRUE(err.IsCorruption()) << cut;
    EXPECT_LT(got.size(), 20u);
  }
  // Claimed sample count larger than the data.
  std::string big = b;
  big[0] = '\x7f';
  Status err;
  ReadAll(big, &err);
  EXPECT_TRUE(err.IsCorruption());
  auto fb = XORChunk::FromBytes(big);
  ASSERT_TRUE(fb.ok());
  EXPECT_EQ(fb->GetAppender(), nullptr);
  // Random garbage never crashes.
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string g(2 + rng() % 40, '\0');
    for (auto& ch : g) ch = static_cast<char>(rng());
    ReadAll(g, &err);
  }
}

TEST(XORChunkTest, EmptyChunk) {
  XORChunk c;
  auto it = c.NewIterator();
  EXPECT_FALSE(it.Next());
  EXPECT_TRUE(it.Err().ok());
  EXPECT_FALSE(it.Seek(0));
  auto b = XORChunk::FromBytes(c.Bytes());
  ASSERT_TRUE(b.ok());
  ASSERT_NE(b->GetAppender(), nullptr);
  b->Append(5, 5);
  EXPECT_EQ(ReadAll(b->Bytes()).size(), 1u);
}

}  // namespace
}  // namespace ward::tsdb::chunkenc
