#include <gtest/gtest.h>

#include "config/config.h"

namespace ward::config {
namespace {

TEST(DurationTest, Parse) {
  const std::pair<const char*, Duration> good[] = {
      {"0", 0},
      {"0s", 0},
      {"15s", 15000},
      {"1m", 60000},
      {"1h30m", 5400000},
      {"90s", 90000},
      {"5m", 300000},
      {"100ms", 100},
      {"1d", 86400000},
      {"2w", 1209600000},
      {"1y", 31536000000LL},
      {"1m30s500ms", 90500},
      {"1y2w3d4h5m6s7ms",
       31536000000LL + 2 * 604800000LL + 3 * 86400000LL + 4 * 3600000LL + 5 * 60000 + 6000 + 7}};
  for (const auto& [s, want] : good) {
    auto d = ParseDuration(s);
    ASSERT_TRUE(d.ok()) << s << ": " << d.status().ToString();
    EXPECT_EQ(*d, want) << s;
  }
  for (const char* bad : {"", "1", "1x", "-1s", "1.5h", "1s1m", "1m1m", "s", "1 m", "1hh", "ms1"}) {
    auto d = ParseDuration(bad);
    EXPECT_FALSE(d.ok()) << bad;
  }
  EXPECT_EQ(ParseDuration("1x").status().ToString(), "not a valid duration string: \"1x\"");
  EXPECT_FALSE(ParseDuration("999999999999y").ok());
}

TEST(DurationTest, Format) {
  const std::pair<Duration, const char*> cases[] = {{0, "0s"},
                                                    {15000, "15s"},
                                                    {60000, "1m"},
                                                    {5400000, "1h30m"},
                                                    {100, "100ms"},
                                                    {90500, "1m30s500ms"},
                                                    {86400000, "1d"},
                                                    {604800000, "1w"},
                                                    {8 * 86400000LL, "8d"},
                                                    {31536000000LL, "1y"},
                                                    {31536000000LL + 86400000LL, "366d"}};
  for (const auto& [d, want] : cases) EXPECT_EQ(FormatDuration(d), want) << d;
  // Round trip.
  for (Duration d : {1LL, 999LL, 61000LL, 3600001LL, 1209600000LL}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(d)), d);
  }
}

TEST(SizeTest, Parse) {
  EXPECT_EQ(*ParseSize("0"), 0);
  EXPECT_EQ(*ParseSize("1GB512MB"), (1LL << 30) + (512LL << 20));
  // A bare number has no unit, which Prometheus rejects.
  EXPECT_EQ(ParseSize("512").status().ToString(), "units: unknown unit  in 512");
  EXPECT_EQ(*ParseSize("512B"), 512);
  EXPECT_EQ(*ParseSize("1KB"), 1024);
  EXPECT_EQ(*ParseSize("1KiB"), 1024);
  EXPECT_EQ(*ParseSize("100MB"), 100LL << 20);
  EXPECT_EQ(*ParseSize("2GB"), 2LL << 30);
  EXPECT_FALSE(ParseSize("").ok());
  EXPECT_FALSE(ParseSize("MB").ok());
  EXPECT_FALSE(ParseSize("1XB").ok());
  EXPECT_FALSE(ParseSize("99999999999EB").ok());
}

}  // namespace
}  // namespace ward::config
