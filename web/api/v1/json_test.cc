#include "web/api/v1/json.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace ward::web::api::v1 {
namespace {

std::string Str(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

std::string Val(double f) {
  std::string out;
  AppendSampleValue(&out, f);
  return out;
}

std::string Ts(int64_t ms) {
  std::string out;
  AppendTimestamp(&out, ms);
  return out;
}

TEST(JsonStringTest, EscapesAsGo) {
  EXPECT_EQ(Str("plain"), R"("plain")");
  EXPECT_EQ(Str("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Str("\n\r\t"), R"("\n\r\t")");
  EXPECT_EQ(Str(std::string_view("\x00\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
  EXPECT_EQ(Str("\b\f"), R"("\u0008\u000c")");
  // HTML-sensitive characters, as Go's encoder (see scrapeUrl in targets).
  EXPECT_EQ(Str("a<b>&c"), R"("a\u003cb\u003e\u0026c")");
}

TEST(JsonStringTest, Utf8PassesThroughInvalidBecomesReplacement) {
  EXPECT_EQ(Str("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(Str("a\xffz"), R"("a\ufffdz")");
  EXPECT_EQ(Str("\xc3"), R"("\ufffd")");                      // truncated
  EXPECT_EQ(Str("\xc0\xaf"), R"("\ufffd\ufffd")");            // overlong
  EXPECT_EQ(Str("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // surrogate
  EXPECT_EQ(Str("\xe2\x80\xa8\xe2\x80\xa9"), R"("\u2028\u2029")");
  EXPECT_TRUE(IsValidUtf8("h\xc3\xa9"));
  EXPECT_FALSE(IsValidUtf8("h\xc3"));
}

TEST(SampleValueTest, GoShortestForms) {
  EXPECT_EQ(Val(1), R"("1")");
  EXPECT_EQ(Val(0), R"("0")");
  EXPECT_EQ(Val(-0.0), R"("-0")");
  EXPECT_EQ(Val(0.1), R"("0.1")");
  EXPECT_EQ(Val(1.5e-6), R"("0.0000015")");
  EXPECT_EQ(Val(1e-6), R"("0.000001")");
  EXPECT_EQ(Val(1e-7), R"("1e-07")");
  EXPECT_EQ(Val(-2.5e-10), R"("-2.5e-10")");
  EXPECT_EQ(Val(123456789), R"("123456789")");
  EXPECT_EQ(Val(1e20), R"("100000000000000000000")");
  EXPECT_EQ(Val(1e21), R"("1e+21")");
  EXPECT_EQ(Val(1.7976931348623157e308), R"("1.7976931348623157e+308")");
  EXPECT_EQ(Val(0.30000000000000004), R"("0.30000000000000004")");
  EXPECT_EQ(Val(NAN), R"("NaN")");
  EXPECT_EQ(Val(INFINITY), R"("+Inf")");
  EXPECT_EQ(Val(-INFINITY), R"("-Inf")");
}

TEST(TimestampTest, SecondsWithMillis) {
  EXPECT_EQ(Ts(1690000000000), "1690000000");
  EXPECT_EQ(Ts(1690000000123), "1690000000.123");
  EXPECT_EQ(Ts(1690000000100), "1690000000.100");
  EXPECT_EQ(Ts(1690000000001), "1690000000.001");
  EXPECT_EQ(Ts(0), "0");
  EXPECT_EQ(Ts(-1500), "-1.500");
  EXPECT_EQ(Ts(std::numeric_limits<int64_t>::min()), "-9223372036854775.808");
}

TEST(RFC3339Test, TrimsZeros) {
  EXPECT_EQ(FormatRFC3339Millis(0), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatRFC3339Millis(1690000000000), "2023-07-22T04:26:40Z");
  EXPECT_EQ(FormatRFC3339Millis(1690000000410), "2023-07-22T04:26:40.41Z");
  EXPECT_EQ(FormatRFC3339Millis(1690000000007), "2023-07-22T04:26:40.007Z");
}

TEST(JsonWriterTest, CommasAndNesting) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a");
  w.BeginArray();
  w.Int(1);
  w.Int(-2);
  w.BeginObject();
  w.EndObject();
  w.BeginArray();
  w.EndArray();
  w.EndArray();
  w.Key("b");
  w.Null();
  w.Key("c");
  w.Bool(true);
  w.Key("d");
  w.LabelSet(labels::Labels{{"job", "x"}, {"__name__", "up"}});
  w.Key("e");
  w.Double(0.003243085);
  w.Key("f");
  w.Double(1e-7);
  w.Key("g");
  w.Double(2);
  w.EndObject();
  EXPECT_EQ(out, R"({"a":[1,-2,{},[]],"b":null,"c":true,"d":{"__name__":"up","job":"x"},)"
                 R"("e":0.003243085,"f":1e-7,"g":2})");
}

}  // namespace
}  // namespace ward::web::api::v1
