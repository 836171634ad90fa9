#include "web/api/v1/params.h"

#include "gtest/gtest.h"

namespace ward::web::api::v1 {
namespace {

int64_t T(std::string_view s) {
  auto r = ParseTime(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
  return r.ok() ? r.value() : -1;
}

TEST(ParseTimeTest, UnixFloat) {
  EXPECT_EQ(T("1690000000"), 1690000000000);
  EXPECT_EQ(T("1690000000.123"), 1690000000123);
  EXPECT_EQ(T("1690000000.1234"), 1690000000123);
  EXPECT_EQ(T("1690000000.1236"), 1690000000124);
  EXPECT_EQ(T("+1690000000.5"), 1690000000500);
  EXPECT_EQ(T("1.69e9"), 1690000000000);
  EXPECT_EQ(T("-1.5"), -1500);
  EXPECT_EQ(T("0"), 0);
  // client_golang's formatting of Prometheus's MinTime / MaxTime.
  EXPECT_EQ(T("-9223309901257974"), -9223309901257974000);
  EXPECT_EQ(T("9223309901257974"), 9223309901257974000);
}

TEST(ParseTimeTest, RFC3339) {
  EXPECT_EQ(T("2023-07-22T04:26:40Z"), 1690000000000);
  EXPECT_EQ(T("2023-07-22T04:26:40.123Z"), 1690000000123);
  EXPECT_EQ(T("2023-07-22T04:26:40.123456789Z"), 1690000000123);
  EXPECT_EQ(T("2023-07-22T06:26:40+02:00"), 1690000000000);
  EXPECT_EQ(T("2023-07-21T23:26:40.5-05:00"), 1690000000500);
  EXPECT_EQ(T("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(T("2024-02-29T00:00:00Z"), 1709164800000);
  EXPECT_EQ(T(kMinTimeFormatted), kMinTimeMs);
  EXPECT_EQ(T(kMaxTimeFormatted), kMaxTimeMs);
}

TEST(ParseTimeTest, Errors) {
  for (std::string_view bad :
       {"", "abc", "2023-07-22", "2023-07-22T04:26:40", "2023-02-30T00:00:00Z",
        "2023-07-22 04:26:40Z", "2023-07-22T04:26:40.Z", "NaN", "Inf", "1e400", " 1", "1 ",
        "0x10"}) {
    auto r = ParseTime(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_EQ(ParseTime("abc").status().message(), R"(cannot parse "abc" to a valid timestamp)");
  EXPECT_EQ(ParseTime("").status().message(), R"(cannot parse "" to a valid timestamp)");
}

TEST(ParseTimeParamTest, DefaultAndWrappedError) {
  EXPECT_EQ(ParseTimeParam("start", "", 42).value(), 42);
  EXPECT_EQ(ParseTimeParam("start", "1", 42).value(), 1000);
  EXPECT_EQ(ParseTimeParam("end", "x", 0).status().message(),
            R"(Invalid time value for 'end': cannot parse "x" to a valid timestamp)");
}

TEST(ParseDurationTest, FloatAndPromDurations) {
  EXPECT_EQ(ParseDurationNs("15").value(), 15000000000);
  EXPECT_EQ(ParseDurationNs("0.5").value(), 500000000);
  EXPECT_EQ(ParseDurationNs("15s").value(), 15000000000);
  EXPECT_EQ(ParseDurationNs("1m30s").value(), 90000000000);
  EXPECT_EQ(ParseDurationNs("100ms").value(), 100000000);
  EXPECT_EQ(ParseDurationNs("1d").value(), 86400000000000);
  EXPECT_EQ(ParseDurationNs("0").value(), 0);
  EXPECT_EQ(ParseDurationNs("-1").value(), -1000000000);
  EXPECT_EQ(ParseDurationNs("abc").status().message(), R"(cannot parse "abc" to a valid duration)");
  EXPECT_EQ(ParseDurationNs("").status().message(), R"(cannot parse "" to a valid duration)");
  EXPECT_EQ(ParseDurationNs("1e10").status().message(),
            R"(cannot parse "1e10" to a valid duration. It overflows int64)");
  EXPECT_FALSE(ParseDurationNs("5x").ok());
}

TEST(ParseLimitTest, Values) {
  EXPECT_EQ(ParseLimit("").value(), 0);
  EXPECT_EQ(ParseLimit("10").value(), 10);
  EXPECT_EQ(ParseLimit("+3").value(), 3);
  EXPECT_EQ(ParseLimit("-0").value(), 0);
  EXPECT_EQ(ParseLimit("-1").status().message(), "limit must be non-negative");
  EXPECT_EQ(ParseLimit("abc").status().message(), R"(strconv.Atoi: parsing "abc": invalid syntax)");
  EXPECT_EQ(ParseLimit("1.5").status().message(), R"(strconv.Atoi: parsing "1.5": invalid syntax)");
  EXPECT_EQ(ParseLimit("99999999999999999999").status().message(),
            R"(strconv.Atoi: parsing "99999999999999999999": value out of range)");
}

TEST(ParseMatchersTest, SetsAndEmptyCheck) {
  auto r = ParseMatchers({"up", R"({job="a",instance=~"x.*"})"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r.value().size(), 2u);
  EXPECT_EQ(r.value()[0].size(), 1u);
  EXPECT_EQ(r.value()[1].size(), 2u);
  auto empty = ParseMatchers({R"({job=~".*"})"});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), "match[] must contain at least one non-empty matcher");
  EXPECT_FALSE(ParseMatchers({"up{"}).ok());
  EXPECT_TRUE(ParseMatchers({}).value().empty());
}

TEST(UnescapeLabelNameTest, ValueEncoding) {
  EXPECT_EQ(UnescapeLabelName("job"), "job");
  EXPECT_EQ(UnescapeLabelName("U__my_2e_label"), "my.label");
  EXPECT_EQ(UnescapeLabelName("U__a__b"), "a_b");
  EXPECT_EQ(UnescapeLabelName("U___20ac_"), "\xe2\x82\xac");
  EXPECT_EQ(UnescapeLabelName("U__bad_zz_"), "U__bad_zz_");
  EXPECT_EQ(UnescapeLabelName("U__open_2e"), "U__open_2e");
}

}  // namespace
}  // namespace ward::web::api::v1
