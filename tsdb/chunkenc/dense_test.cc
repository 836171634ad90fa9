#include "tsdb/chunkenc/dense.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "tsdb/chunkenc/xor.h"
#include "util/varint.h"

namespace ward::tsdb::chunkenc {
namespace {

// Prometheus's staleness marker (storage::StaleNaN()).
double StaleNaN() { return varint::Float64FromBits(0x7ff0000000000002ull); }

struct Samples {
  std::vector<int64_t> t;
  std::vector<double> v;
  void Add(int64_t ts, double val) {
    t.push_back(ts);
    v.push_back(val);
  }
};

Samples Decode(std::string_view b, Status* err) {
  Samples out;
  DenseIterator it(b);
  while (it.Next()) out.Add(it.AtT(), it.AtV());
  *err = it.Err();
  return out;
}

void ExpectRoundTrip(const Samples& in, int level, std::string* enc_out = nullptr) {
  std::string enc;
  ASSERT_TRUE(EncodeDense(in.t, in.v, &enc, {.zstd_level = level}).ok());
  Status err;
  Samples got = Decode(enc, &err);
  ASSERT_TRUE(err.ok()) << err.ToString();
  ASSERT_EQ(got.t.size(), in.t.size());
  for (size_t i = 0; i < in.t.size(); ++i) {
    ASSERT_EQ(got.t[i], in.t[i]) << i;
    ASSERT_EQ(varint::Float64Bits(got.v[i]), varint::Float64Bits(in.v[i]))
        << i << " want " << in.v[i] << " got " << got.v[i];
  }
  auto n = DenseNumSamples(enc);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), in.t.size());
  if (enc_out) *enc_out = enc;
}

size_t XORSize(const Samples& s) {
  size_t total = 0;
  for (size_t i = 0; i < s.t.size(); i += 120) {
    XORChunk c;
    for (size_t j = i; j < std::min(s.t.size(), i + 120); ++j) c.Append(s.t[j], s.v[j]);
    total += c.Bytes().size();
  }
  return total;
}

Samples Counter(int n, uint32_t seed) {
  Samples s;
  std::mt19937 r(seed);
  double v = 123456;
  for (int i = 0; i < n; ++i) {
    s.Add(1700000000000 + int64_t{i} * 15000, v);
    v += r() % 500;
  }
  return s;
}

Samples DecimalGauge(int n, uint32_t seed) {
  Samples s;
  std::mt19937 r(seed);
  int64_t cents = 5000;
  for (int i = 0; i < n; ++i) {
    s.Add(1700000000000 + int64_t{i} * 15000 + (r() % 5) - 2, static_cast<double>(cents) / 100);
    cents += static_cast<int64_t>(r() % 201) - 100;
  }
  return s;
}

Samples RandomFloats(int n, uint32_t seed) {
  Samples s;
  std::mt19937_64 r(seed);
  std::uniform_real_distribution<double> u(0, 100);
  for (int i = 0; i < n; ++i) s.Add(int64_t{i} * 30000, u(r));
  return s;
}

Samples Specials() {
  const double specials[] = {StaleNaN(),
                             std::numeric_limits<double>::quiet_NaN(),
                             varint::Float64FromBits(0x7ff8000000000123ull),
                             varint::Float64FromBits(0xfff0000000000001ull),
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             -0.0,
                             0.0,
                             std::numeric_limits<double>::denorm_min(),
                             std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::lowest(),
                             9007199254740993.0,
                             0.1,
                             1e-300,
                             1e300};
  Samples s;
  int64_t t = -5000;
  for (double v : specials) s.Add(t += 1000, v);
  return s;
}

TEST(DenseChunkTest, RoundTripsEveryKindOfSeries) {
  std::vector<std::pair<const char*, Samples>> cases = {
      {"counter", Counter(5000, 1)},
      {"decimal gauge", DecimalGauge(3000, 2)},
      {"random floats", RandomFloats(2000, 3)},
      {"specials", Specials()},
  };
  Samples one;
  one.Add(42, 1.5);
  cases.push_back({"one sample", one});
  Samples two;
  two.Add(std::numeric_limits<int64_t>::min(), -1);
  two.Add(std::numeric_limits<int64_t>::max(), 1);
  cases.push_back({"extreme timestamps", two});
  Samples unsorted;
  for (int i = 0; i < 50; ++i) unsorted.Add((i * 7919) % 101 - 50, i);
  cases.push_back({"unsorted timestamps", unsorted});
  Samples constant;
  for (int i = 0; i < 1000; ++i) constant.Add(int64_t{i} * 10000, 7);
  cases.push_back({"constant", constant});
  for (const auto& [name, s] : cases) {
    SCOPED_TRACE(name);
    ExpectRoundTrip(s, 0);
    ExpectRoundTrip(s, 3);
  }
}

TEST(DenseChunkTest, SpecialValuesInsideDecimalAndFloatChunks) {
  // A few stale markers in a decimal chunk are exceptions; many force the
  // float mode. Both must round-trip bit-exactly.
  for (int every : {500, 7, 1}) {
    SCOPED_TRACE(every);
    Samples s = Counter(2000, 5);
    for (size_t i = 0; i < s.v.size(); i += every) s.v[i] = StaleNaN();
    s.v.back() = -0.0;
    ExpectRoundTrip(s, 0);
    ExpectRoundTrip(s, 3);
  }
  Samples f = RandomFloats(1000, 9);
  for (size_t i = 3; i < f.v.size(); i += 50) f.v[i] = StaleNaN();
  ExpectRoundTrip(f, 3);
}

int ModeOf(const Samples& s) {
  std::string enc;
  EXPECT_TRUE(EncodeDense(s.t, s.v, &enc).ok());
  DenseIterator it(enc);
  return it.ValueMode();
}

TEST(DenseChunkTest, PicksValueMode) {
  EXPECT_EQ(ModeOf(Counter(1000, 41)), 0);       // decimal
  EXPECT_EQ(ModeOf(DecimalGauge(1000, 42)), 0);  // decimal, scale 2
  Samples walk;
  std::mt19937_64 r(43);
  std::uniform_real_distribution<double> u(-1, 1);
  double x = 50;
  for (int i = 0; i < 1000; ++i) {
    walk.Add(int64_t{i} * 15000, x);
    x += u(r);
  }
  EXPECT_EQ(ModeOf(walk), 2);  // float bits, packed deltas
  ExpectRoundTrip(walk, 3);
  Samples flat;
  for (int i = 0; i < 1000; ++i) {
    flat.Add(int64_t{i} * 15000,
             i % 10 == 0 ? varint::Float64FromBits(0x7ff8000000000000ull + r() % 1000) : 3.7);
  }
  EXPECT_EQ(ModeOf(flat), 1);  // XOR bytes
  ExpectRoundTrip(flat, 0);
}

TEST(DenseChunkTest, SmallerThanXOR) {
  for (const Samples& s : {Counter(5760, 11), DecimalGauge(5760, 12)}) {
    std::string enc;
    ASSERT_TRUE(EncodeDense(s.t, s.v, &enc).ok());
    size_t x = XORSize(s);
    EXPECT_LT(enc.size() * 10, x * 7) << "dense " << enc.size() << " xor " << x;
  }
  Samples f = RandomFloats(5760, 13);
  std::string enc;
  ASSERT_TRUE(EncodeDense(f.t, f.v, &enc).ok());
  EXPECT_LE(enc.size(), XORSize(f));
}

TEST(DenseChunkTest, SeekAndEncoderReuse) {
  Samples s = Counter(300, 21);
  DenseEncoder e;
  std::string enc;
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < s.t.size(); ++i) e.Append(s.t[i], s.v[i]);
    EXPECT_EQ(e.MinTime(), s.t.front());
    EXPECT_EQ(e.MaxTime(), s.t.back());
    ASSERT_TRUE(e.Finish(&enc).ok());
    EXPECT_EQ(e.size(), 0u);
  }
  DenseIterator it(enc);
  ASSERT_TRUE(it.Seek(s.t[100] - 1));
  EXPECT_EQ(it.AtT(), s.t[100]);
  EXPECT_EQ(it.AtV(), s.v[100]);
  ASSERT_TRUE(it.Seek(s.t[50]));  // stays put
  EXPECT_EQ(it.AtT(), s.t[100]);
  EXPECT_FALSE(it.Seek(s.t.back() + 1));
  EXPECT_TRUE(it.Err().ok());
}

TEST(DenseChunkTest, RejectsBadArguments) {
  std::string out;
  std::vector<int64_t> t = {1, 2};
  std::vector<double> v = {1};
  EXPECT_TRUE(EncodeDense(t, v, &out).IsInvalidArgument());
  EXPECT_TRUE(EncodeDense({}, {}, &out).IsInvalidArgument());
}

// Every strict prefix of a valid chunk is reported as corrupt, and random
// bytes or random byte flips never crash or read out of bounds.
TEST(DenseChunkTest, FuzzTruncatedAndRandomBytes) {
  std::vector<std::string> encs;
  for (int level : {0, 3}) {
    for (const Samples& s :
         {Counter(400, 31), DecimalGauge(300, 32), RandomFloats(200, 33), Specials()}) {
      std::string enc;
      ASSERT_TRUE(EncodeDense(s.t, s.v, &enc, {.zstd_level = level}).ok());
      encs.push_back(enc);
    }
  }
  for (const std::string& enc : encs) {
    for (size_t n = 0; n < enc.size(); ++n) {
      Status err;
      Decode(std::string_view(enc).substr(0, n), &err);
      EXPECT_TRUE(err.IsCorruption()) << "prefix " << n << " of " << enc.size();
    }
    Status err;
    Decode(enc + "x", &err);
    EXPECT_TRUE(err.IsCorruption()) << "trailing byte";
  }
  std::mt19937 r(77);
  for (int round = 0; round < 3000; ++round) {
    std::string b = encs[r() % encs.size()];
    int flips = 1 + r() % 4;
    for (int i = 0; i < flips; ++i) b[r() % b.size()] = static_cast<char>(r());
    if (round % 3 == 0) b.resize(r() % (b.size() + 1));
    Status err;
    Samples got = Decode(b, &err);
    EXPECT_LE(got.t.size(), kDenseMaxSamples);
  }
  for (int round = 0; round < 2000; ++round) {
    std::string b(r() % 64, '\0');
    for (char& c : b) c = static_cast<char>(r());
    if (!b.empty() && round % 2 == 0) b[0] = static_cast<char>(r() % 2);
    Status err;
    Decode(b, &err);
  }
  EXPECT_TRUE(DenseNumSamples("").status().IsCorruption());
  EXPECT_TRUE(DenseNumSamples(std::string("\x02\x01", 2)).status().IsCorruption());
  EXPECT_TRUE(DenseNumSamples(std::string("\x00\x00", 2)).status().IsCorruption());
}

}  // namespace
}  // namespace ward::tsdb::chunkenc
