// Tests for the shared helpers: Go-compatible quoting, float formatting and
// parsing details, UTF-8 validation and unescaping.
#include "model/textparse/parse_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

namespace ward::textparse::internal {
namespace {

TEST(TextparseUtilTest, FormatOpenMetricsFloat) {
  struct Case {
    double f;
    std::string want;
  };
  std::vector<Case> cases = {
      {0, "0.0"},           {-0.0, "-0.0"},
      {1, "1.0"},           {0.5, "0.5"},
      {100000, "100000.0"}, {999999, "999999.0"},
      {1e6, "1e+06"},       {1234567, "1.234567e+06"},
      {0.0001, "0.0001"},   {0.00001, "1e-05"},
      {2.5e-7, "2.5e-07"},  {1e100, "1e+100"},
      {-2.5, "-2.5"},       {0.1, "0.1"},
      {NAN, "NaN"},         {INFINITY, "+Inf"},
      {-INFINITY, "-Inf"},  {1048576, "1.048576e+06"},
      {0.005, "0.005"},     {123.456, "123.456"},
  };
  for (const Case& c : cases) EXPECT_EQ(FormatOpenMetricsFloat(c.f), c.want) << c.f;
}

std::string Norm(MetricType t, std::string_view name, std::string_view v) {
  std::string out(v);
  NormalizeFloatLabelValue(t, name, &out);
  return out;
}

TEST(TextparseUtilTest, NormalizeOnlyLeAndQuantile) {
  EXPECT_EQ(Norm(MetricType::kHistogram, "le", "1"), "1.0");
  EXPECT_EQ(Norm(MetricType::kGaugeHistogram, "le", "1"), "1");
  EXPECT_EQ(Norm(MetricType::kHistogram, "quantile", "1"), "1");
  EXPECT_EQ(Norm(MetricType::kSummary, "quantile", "0.50"), "0.5");
  EXPECT_EQ(Norm(MetricType::kHistogram, "le", "inf"), "+Inf");
  EXPECT_EQ(Norm(MetricType::kHistogram, "le", "x"), "x");
}

TEST(TextparseUtilTest, GoQuote) {
  EXPECT_EQ(GoQuote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(GoQuote("\n\t\r\a\b\f\v"), R"("\n\t\r\a\b\f\v")");
  EXPECT_EQ(GoQuote(std::string_view("\0\x01\x7f", 3)), R"("\x00\x01\x7f")");
  EXPECT_EQ(GoQuote("\xff\xfe"), R"("\xff\xfe")");
  EXPECT_EQ(GoQuote("ünï©ode €"), "\"ünï©ode €\"");
  EXPECT_EQ(GoQuote("\xc2\x85"), R"("\u0085")");
  EXPECT_EQ(GoQuote("\xed\xa0\x80"), R"("\xed\xa0\x80")");  // a surrogate is invalid
}

TEST(TextparseUtilTest, ValidUtf8) {
  EXPECT_TRUE(ValidUtf8(""));
  EXPECT_TRUE(ValidUtf8("plain ascii that is longer than eight bytes"));
  EXPECT_TRUE(ValidUtf8("Straße 10€ 😀"));
  EXPECT_FALSE(ValidUtf8("\xff"));
  EXPECT_FALSE(ValidUtf8("abcdefgh\xc0\x80"));  // overlong
  EXPECT_FALSE(ValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(ValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(ValidUtf8("\xe2\x82"));          // truncated
}

TEST(TextparseUtilTest, Unescape) {
  std::string out;
  Unescape(R"(a\\b\nc\"d\te\)", false, &out);
  EXPECT_EQ(out, "a\\b\nc\"d\\te\\");
  Unescape(R"(a\\b\nc\"d)", true, &out);
  EXPECT_EQ(out, "a\\b\nc\\\"d");
  Unescape(R"(\\n)", false, &out);
  EXPECT_EQ(out, "\\n");
}

// Short plain decimals take a fast path; it must give the bits strtod
// (correct rounding) gives, for every length, sign and point position.
TEST(TextparseUtilTest, ParseGoFloatShortDecimalsMatchStrtod) {
  std::mt19937_64 rng(11);
  std::string err;
  for (int k = 0; k < 200000; k++) {
    int nd = 1 + static_cast<int>(rng() % 17);
    std::string s;
    if (rng() % 4 == 0) s += (rng() % 2) ? '-' : '+';
    int point = static_cast<int>(rng() % (nd + 2)) - 1;  // -1: no point
    for (int d = 0; d < nd; d++) {
      if (d == point) s += '.';
      s += static_cast<char>('0' + rng() % 10);
    }
    if (point == nd) s += '.';
    double got = 0;
    ASSERT_TRUE(internal::ParseGoFloat(s, &got, &err)) << s << ": " << err;
    double want = std::strtod(s.c_str(), nullptr);
    uint64_t gb, wb;
    std::memcpy(&gb, &got, 8);
    std::memcpy(&wb, &want, 8);
    ASSERT_EQ(gb, wb) << s;
  }
  double v;
  EXPECT_TRUE(internal::ParseGoFloat("-0", &v, &err));
  EXPECT_TRUE(std::signbit(v));
  EXPECT_TRUE(internal::ParseGoFloat(".5", &v, &err));
  EXPECT_EQ(v, 0.5);
  EXPECT_TRUE(internal::ParseGoFloat("5.", &v, &err));
  EXPECT_EQ(v, 5.0);
  EXPECT_FALSE(internal::ParseGoFloat(".", &v, &err));
  EXPECT_FALSE(internal::ParseGoFloat("1.2.3", &v, &err));
}

TEST(TextparseUtilTest, ParseGoInt64) {
  int64_t v;
  std::string err;
  EXPECT_TRUE(ParseGoInt64("9223372036854775807", &v, &err));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_FALSE(ParseGoInt64("9223372036854775808", &v, &err));
  EXPECT_EQ(err, R"(strconv.ParseInt: parsing "9223372036854775808": value out of range)");
}

}  // namespace
}  // namespace ward::textparse::internal
