#include "tsdb/record/record.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "util/varint.h"

namespace ward::tsdb::record {
namespace {

std::string B(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

// Layout per Prometheus wal.md: type, then per series id<8 BE>,
// n<uvarint>, then n (len<uvarint> name, len<uvarint> value) pairs.
TEST(RecordTest, SeriesGoldenBytes) {
  std::vector<RefSeries> in = {{1, labels::Labels{{"__name__", "up"}, {"job", "x"}}},
                               {300, labels::Labels{}}};
  std::string rec;
  EncodeSeries(in, &rec);
  std::string want = B({1, 0, 0, 0, 0, 0, 0, 0, 1, 2, 8}) + "__name__" + B({2}) + "up" + B({3}) +
                     "job" + B({1}) + "x" + B({0, 0, 0, 0, 0, 0, 1, 0x2c, 0});
  EXPECT_EQ(rec, want);
  EXPECT_EQ(GetType(rec), Type::kSeries);
  std::vector<RefSeries> out;
  ASSERT_TRUE(DecodeSeries(rec, &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].ref, 1u);
  EXPECT_EQ(out[0].labels, in[0].labels);
  EXPECT_EQ(out[1].ref, 300u);
  EXPECT_TRUE(out[1].labels.empty());

  // The incremental encoder produces the same bytes.
  std::string inc;
  BeginSeries(&inc);
  AddSeries(&inc, 1, 2);
  AddLabel(&inc, "__name__", "up");
  AddLabel(&inc, "job", "x");
  AddSeries(&inc, 300, 0);
  EXPECT_EQ(inc, want);
}

// Layout: type, first id<8 BE>, first t<8 BE>, then per sample
// id delta<varint>, t delta<varint>, value<8 BE IEEE 754>.
TEST(RecordTest, SamplesGoldenBytes) {
  std::vector<RefSample> in = {{10, 1000, 1.0}, {11, 1015, 2.0}, {9, 990, -0.0}};
  std::string rec;
  EncodeSamples(in, &rec);
  std::string want = B({2, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0x03, 0xe8}) +
                     B({0, 0, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}) +
                     B({2, 30, 0x40, 0, 0, 0, 0, 0, 0, 0}) + B({1, 19, 0x80, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(rec, want);
  std::vector<RefSample> out;
  ASSERT_TRUE(DecodeSamples(rec, &out).ok());
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].ref, in[i].ref);
    EXPECT_EQ(out[i].t, in[i].t);
    EXPECT_EQ(varint::Float64Bits(out[i].v), varint::Float64Bits(in[i].v));
  }
}

TEST(RecordTest, SamplesSpecialValuesAndEmpty) {
  const double stale = varint::Float64FromBits(0x7ff0000000000002ull);
  std::vector<RefSample> in = {{5, -100, stale},
                               {1ull << 40, std::numeric_limits<int64_t>::max() / 2, INFINITY},
                               {0, std::numeric_limits<int64_t>::min() / 2, NAN}};
  std::string rec;
  EncodeSamples(in, &rec);
  std::vector<RefSample> out;
  ASSERT_TRUE(DecodeSamples(rec, &out).ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(varint::Float64Bits(out[0].v), 0x7ff0000000000002ull);
  EXPECT_EQ(out[1].ref, 1ull << 40);
  EXPECT_EQ(out[2].t, std::numeric_limits<int64_t>::min() / 2);

  EncodeSamples({}, &rec);
  EXPECT_EQ(rec, B({2}));
  out.clear();
  EXPECT_TRUE(DecodeSamples(rec, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(RecordTest, TombstonesMmapMarkersMetadataExemplars) {
  std::string rec;
  EncodeTombstones(std::vector<Stone>{{7, -5, 100}}, &rec);
  EXPECT_EQ(rec, B({3, 0, 0, 0, 0, 0, 0, 0, 7, 9, 0xc8, 0x01}));
  std::vector<Stone> st;
  ASSERT_TRUE(DecodeTombstones(rec, &st).ok());
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].mint, -5);
  EXPECT_EQ(st[0].maxt, 100);

  EncodeMmapMarkers(std::vector<RefMmapMarker>{{2, (3ull << 32) | 8}}, &rec);
  EXPECT_EQ(rec, B({5, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 8}));
  std::vector<RefMmapMarker> mm;
  ASSERT_TRUE(DecodeMmapMarkers(rec, &mm).ok());
  EXPECT_EQ(mm[0].mmap_ref, (3ull << 32) | 8);

  std::vector<RefMetadata> md_in = {
      {129, static_cast<uint8_t>(MetricType::kCounter), "seconds", "Total time."}};
  EncodeMetadata(md_in, &rec);
  EXPECT_EQ(rec, B({6, 0x81, 0x01, 1, 2, 4}) + "UNIT" + B({7}) + "seconds" + B({4}) + "HELP" +
                     B({11}) + "Total time.");
  std::vector<RefMetadata> md;
  ASSERT_TRUE(DecodeMetadata(rec, &md).ok());
  ASSERT_EQ(md.size(), 1u);
  EXPECT_EQ(md[0].ref, 129u);
  EXPECT_EQ(md[0].type, 1);
  EXPECT_EQ(md[0].unit, "seconds");
  EXPECT_EQ(md[0].help, "Total time.");
  // Unknown extra fields are skipped.
  std::string extra = B({6, 1, 2, 3, 1}) + "X" + B({1}) + "y" + B({4}) + "HELP" + B({1}) + "h" +
                      B({4}) + "UNIT" + B({0});
  md.clear();
  ASSERT_TRUE(DecodeMetadata(extra, &md).ok());
  EXPECT_EQ(md[0].help, "h");

  std::vector<RefExemplar> ex_in = {{4, 1000, 1.5, labels::Labels{{"trace_id", "abc"}}},
                                    {3, 999, 2.5, labels::Labels{}}};
  EncodeExemplars(ex_in, &rec);
  std::vector<RefExemplar> ex;
  ASSERT_TRUE(DecodeExemplars(rec, &ex).ok());
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex[1].ref, 3u);
  EXPECT_EQ(ex[1].t, 999);
  EXPECT_EQ(ex[0].labels, ex_in[0].labels);
}

TEST(RecordTest, TypesAndUnknown) {
  EXPECT_EQ(GetType(""), Type::kUnknown);
  EXPECT_EQ(GetType(B({0})), Type::kUnknown);
  EXPECT_EQ(GetType(B({7, 1, 2})), Type::kHistogramSamples);
  EXPECT_EQ(GetType(B({10})), Type::kCustomBucketsFloatHistogramSamples);
  EXPECT_EQ(GetType(B({11})), Type::kUnknown);
  EXPECT_EQ(TypeName(Type::kSamples), "samples");
}

TEST(RecordTest, CorruptRecordsAreErrorsNotCrashes) {
  std::string rec;
  EncodeSeries(std::vector<RefSeries>{{1, labels::Labels{{"a", "b"}, {"c", "d"}}}}, &rec);
  std::vector<RefSeries> s;
  EXPECT_TRUE(DecodeSeries(B({2}), &s).IsCorruption());  // wrong type
  for (size_t cut = 2; cut < rec.size(); ++cut) {
    s.clear();
    EXPECT_TRUE(DecodeSeries(rec.substr(0, cut), &s).IsCorruption()) << cut;
  }
  // Huge label count.
  EXPECT_TRUE(DecodeSeries(B({1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0x0f, 0, 0}), &s)
                  .IsCorruption());

  EncodeSamples(std::vector<RefSample>{{1, 2, 3}, {2, 3, 4}}, &rec);
  std::vector<RefSample> smp;
  for (size_t cut = 2; cut < rec.size(); ++cut) {
    smp.clear();
    Status st = DecodeSamples(rec.substr(0, cut), &smp);
    // Cuts at a sample boundary (after the base, after sample 1) are valid
    // shorter records; every other cut is corrupt.
    if (cut == 17 || cut == 27) {
      EXPECT_TRUE(st.ok()) << cut;
      EXPECT_EQ(smp.size(), (cut - 17) / 10);
    } else {
      EXPECT_TRUE(st.IsCorruption()) << cut;
    }
  }
  EXPECT_TRUE(DecodeSamples(rec + "x", &smp).IsCorruption());
  std::vector<RefMetadata> md;
  EXPECT_TRUE(DecodeMetadata(B({6, 1, 1, 5, 3}) + "ab", &md).IsCorruption());
  std::vector<Stone> st;
  EXPECT_TRUE(DecodeTombstones(B({3, 0, 0, 0}), &st).IsCorruption());
  std::vector<RefMmapMarker> mm;
  EXPECT_TRUE(DecodeMmapMarkers(B({5, 0, 0, 0, 0, 0, 0, 0, 1}), &mm).IsCorruption());
}

}  // namespace
}  // namespace ward::tsdb::record
