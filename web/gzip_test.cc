#include "web/gzip.h"

#include <gtest/gtest.h>

namespace ward::web {
namespace {

TEST(GzipTest, RoundTrip) {
  std::string in;
  for (int i = 0; i < 10000; ++i) in += "up{job=\"node\",instance=\"" + std::to_string(i) + "\"} 1\n";
  std::string z, back;
  ASSERT_TRUE(GzipCompress(in, 1, &z).ok());
  EXPECT_LT(z.size(), in.size() / 4);
  EXPECT_EQ(static_cast<unsigned char>(z[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>(z[1]), 0x8b);
  ASSERT_TRUE(GzipDecompress(z, 1 << 30, &back).ok());
  EXPECT_EQ(back, in);
  ASSERT_TRUE(GzipCompress("", 6, &z).ok());
  ASSERT_TRUE(GzipDecompress(z, 10, &back).ok());
  EXPECT_EQ(back, "");
}

TEST(GzipTest, BadInput) {
  std::string z, back;
  ASSERT_TRUE(GzipCompress(std::string(100000, 'a'), 1, &z).ok());
  EXPECT_TRUE(GzipDecompress(z.substr(0, z.size() / 2), 1 << 20, &back).IsCorruption());
  EXPECT_TRUE(GzipDecompress("not gzip at all", 1 << 20, &back).IsCorruption());
  EXPECT_TRUE(GzipDecompress("", 1 << 20, &back).IsCorruption());
  EXPECT_TRUE(GzipDecompress(z, 1000, &back).IsInvalidArgument());
}

TEST(GzipTest, AcceptEncoding) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, gzip;q=1.0, *;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("GZIP"));
  EXPECT_TRUE(AcceptsGzip("br, *"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("deflate, br"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("xgzip"));
}

}  // namespace
}  // namespace ward::web
