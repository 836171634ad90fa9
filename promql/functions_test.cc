#include "promql/functions.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace ward::promql {
namespace {

std::vector<FPoint> Pts(std::initializer_list<std::pair<int64_t, double>> l) {
  std::vector<FPoint> v;
  for (auto& [t, f] : l) v.push_back({t, f});
  return v;
}

TEST(KahanTest, CompensatesLostLowBits) {
  double c = 0, s = 0;
  s = KahanSumInc(1e100, s, &c);
  s = KahanSumInc(1.0, s, &c);
  s = KahanSumInc(-1e100, s, &c);
  EXPECT_EQ(s + c, 1.0);
}

TEST(ExtrapolatedRateTest, RegularCounterCoversRange) {
  // 0..50 every 10s over a 60s window ending at 60s: samples at 10..60.
  auto p = Pts({{10000, 1}, {20000, 2}, {30000, 3}, {40000, 4}, {50000, 5}, {60000, 6}});
  double v;
  ASSERT_TRUE(ExtrapolatedRate(p, 0, 60000, 60000, true, false, &v));
  // Increase 5 over 50s, extrapolated to the start by the zero point (10s).
  EXPECT_DOUBLE_EQ(v, 6);
  ASSERT_TRUE(ExtrapolatedRate(p, 0, 60000, 60000, true, true, &v));
  EXPECT_DOUBLE_EQ(v, 0.1);
}

TEST(ExtrapolatedRateTest, CounterResetAddsPreviousValue) {
  auto p = Pts({{0, 10}, {10000, 20}, {20000, 5}, {30000, 15}});
  double v;
  ASSERT_TRUE(ExtrapolatedRate(p, 0, 30000, 30000, true, false, &v));
  EXPECT_DOUBLE_EQ(v, 25);  // 10 + (20) + 15 - 10 ... = 5 + 20
}

TEST(ExtrapolatedRateTest, DeltaMayBeNegativeAndNeedsTwoPoints) {
  auto p = Pts({{0, 10}, {30000, 4}});
  double v;
  ASSERT_TRUE(ExtrapolatedRate(p, 0, 30000, 30000, false, false, &v));
  EXPECT_DOUBLE_EQ(v, -6);
  auto one = Pts({{0, 1}});
  EXPECT_FALSE(ExtrapolatedRate(one, 0, 30000, 30000, false, false, &v));
}

TEST(InstantValueTest, IrateUsesLastTwo) {
  auto p = Pts({{0, 1}, {10000, 5}, {20000, 25}});
  double v;
  ASSERT_TRUE(InstantValue(p, true, &v));
  EXPECT_DOUBLE_EQ(v, 2);
  ASSERT_TRUE(InstantValue(p, false, &v));
  EXPECT_DOUBLE_EQ(v, 20);
  auto reset = Pts({{0, 10}, {10000, 3}});
  ASSERT_TRUE(InstantValue(reset, true, &v));
  EXPECT_DOUBLE_EQ(v, 0.3);
}

TEST(OverTimeTest, AvgSumMinMaxStd) {
  auto p = Pts({{0, 1}, {1, 2}, {2, 3}, {3, 4}});
  EXPECT_DOUBLE_EQ(SumOverTime(p), 10);
  EXPECT_DOUBLE_EQ(AvgOverTime(p), 2.5);
  EXPECT_DOUBLE_EQ(MinOverTime(p), 1);
  EXPECT_DOUBLE_EQ(MaxOverTime(p), 4);
  EXPECT_DOUBLE_EQ(StdvarOverTime(p), 1.25);
  EXPECT_DOUBLE_EQ(Changes(p), 3);
  EXPECT_DOUBLE_EQ(Resets(Pts({{0, 3}, {1, 1}, {2, 2}, {3, 0}})), 2);
}

TEST(OverTimeTest, AvgSwitchesToIncrementalOnOverflow) {
  const double big = std::numeric_limits<double>::max();
  auto p = Pts({{0, big}, {1, big}, {2, big}});
  EXPECT_DOUBLE_EQ(AvgOverTime(p), big);
}

TEST(OverTimeTest, MinMaxSkipLeadingNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto p = Pts({{0, nan}, {1, 2}, {2, 1}});
  EXPECT_DOUBLE_EQ(MinOverTime(p), 1);
  EXPECT_DOUBLE_EQ(MaxOverTime(p), 2);
}

TEST(RegressionTest, SlopeAndIntercept) {
  auto p = Pts({{0, 1}, {10000, 3}, {20000, 5}});
  double slope, icpt;
  LinearRegression(p, 0, &slope, &icpt);
  EXPECT_DOUBLE_EQ(slope, 0.2);
  EXPECT_DOUBLE_EQ(icpt, 1);
  LinearRegression(Pts({{0, 7}, {1000, 7}}), 0, &slope, &icpt);
  EXPECT_EQ(slope, 0);
  EXPECT_EQ(icpt, 7);
}

TEST(SmoothingTest, LinearInputIsTracked) {
  auto p = Pts({{0, 0}, {1, 10}, {2, 20}, {3, 30}});
  EXPECT_NEAR(DoubleExponentialSmoothing(p, 0.5, 0.5), 30, 1e-9);
}

TEST(QuantileTest, InterpolatesAndBounds) {
  std::vector<double> v = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(Quantile(0.5, &v), 2.5);
  EXPECT_DOUBLE_EQ(Quantile(0, &v), 1);
  EXPECT_DOUBLE_EQ(Quantile(1, &v), 4);
  EXPECT_TRUE(std::isinf(Quantile(-1, &v)));
  EXPECT_TRUE(std::isnan(Quantile(std::nan(""), &v)));
  std::vector<double> empty;
  EXPECT_TRUE(std::isnan(Quantile(0.5, &empty)));
}

TEST(BucketQuantileTest, Classic) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<Bucket> b = {{0.1, 10}, {0.5, 30}, {1, 40}, {inf, 40}};
  bool forced;
  EXPECT_DOUBLE_EQ(BucketQuantile(0.5, &b, &forced), 0.3);
  EXPECT_FALSE(forced);
  std::vector<Bucket> b2 = {{1, 10}, {2, 5}, {inf, 20}};
  BucketQuantile(0.5, &b2, &forced);
  EXPECT_TRUE(forced);
  std::vector<Bucket> noinf = {{1, 10}};
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, &noinf, &forced)));
  std::vector<Bucket> top = {{1, 10}, {2, 20}, {inf, 30}};
  EXPECT_DOUBLE_EQ(BucketQuantile(0.99, &top, &forced), 2);
}

TEST(AlmostEqualTest, Rules) {
  EXPECT_TRUE(AlmostEqual(1, 1 + 1e-13, 1e-12));
  EXPECT_FALSE(AlmostEqual(0, 1e-12, 1e-6));
  EXPECT_TRUE(AlmostEqual(std::nan(""), std::nan(""), 1e-6));
}

TEST(FormatTest, GoStyle) {
  EXPECT_EQ(FormatFloatFixed(1), "1");
  EXPECT_EQ(FormatFloatFixed(0.25), "0.25");
  EXPECT_EQ(FormatFloatFixed(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatFloatFixed(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatFloatG(-1.5), "-1.5");
  EXPECT_EQ(FormatFloatG(1e-7), "1e-07");
}

}  // namespace
}  // namespace ward::promql
