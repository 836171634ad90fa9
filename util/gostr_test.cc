#include "util/gostr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace ward::gostr {
namespace {

std::string Json(std::string_view s, JsonStringOptions o = {}) {
  std::string out = "x";  // appends, never replaces
  AppendJsonString(&out, s, o);
  return out.substr(1);
}

std::string Quote(std::string_view s, GoPrintable p) {
  std::string out;
  AppendGoQuoted(&out, s, p);
  return out;
}

TEST(GoStrTest, Utf8) {
  struct Case {
    std::string_view s;
    size_t len;
  } cases[] = {
      {"a", 1},
      {"\xc3\xa9", 2},
      {"\xe2\x82\xac", 3},
      {"\xf0\x9f\x98\x80", 4},
      {"\xc0\x80", 0},          // overlong NUL
      {"\xc1\xbf", 0},          // overlong
      {"\xe0\x80\xaf", 0},      // overlong 3-byte
      {"\xed\xa0\x80", 0},      // surrogate
      {"\xf0\x80\x80\xaf", 0},  // overlong 4-byte
      {"\xf4\x90\x80\x80", 0},  // past U+10FFFF
      {"\xf5\x80\x80\x80", 0},
      {"\xe2\x82", 0},  // truncated
      {"\x80", 0},
      {"\xe2\x28\xa1", 0},
  };
  for (const auto& c : cases) EXPECT_EQ(ValidUtf8Len(c.s, 0), c.len) << Quote(c.s, GoPrintable::kAscii);
  size_t w;
  EXPECT_EQ(DecodeRune("\xe2\x82\xac", 0, &w), 0x20AC);
  EXPECT_EQ(w, 3u);
  EXPECT_EQ(DecodeRune("\xff", 0, &w), 0xFFFD);
  EXPECT_EQ(w, 1u);
  std::string r;
  AppendRune(&r, 0x1F600);
  AppendRune(&r, 0xD800);
  AppendRune(&r, -1);
  EXPECT_EQ(r, "\xf0\x9f\x98\x80\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(GoStrTest, JsonGoDefaults) {
  // What json.Marshal writes (the API, Alertmanager client).
  struct Case {
    std::string_view in, want;
  } cases[] = {
      {"", R"("")"},
      {"plain text 123", R"("plain text 123")"},
      {"q\"b\\s/", R"("q\"b\\s/")"},
      {"\n\r\t", R"("\n\r\t")"},
      {std::string_view("\x00\x01\x08\x0c\x1f", 5), R"("\u0000\u0001\u0008\u000c\u001f")"},
      {"\x7f", "\"\x7f\""},
      {"<a href=x&y>", R"("\u003ca href=x\u0026y\u003e")"},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
      {"a\xe2\x80\xa8"
       "b\xe2\x80\xa9",
       R"("a\u2028b\u2029")"},
      {"\xff", R"("\ufffd")"},
      {"a\xc3", R"("a\ufffd")"},
      {"\xed\xa0\x80", R"("\ufffd\ufffd\ufffd")"},
      {"\xc0\xaf", R"("\ufffd\ufffd")"},
      {"\xef\xbf\xbd", "\"\xef\xbf\xbd\""},
  };
  for (const auto& c : cases) EXPECT_EQ(Json(c.in), c.want) << Quote(c.in, GoPrintable::kAscii);
}

TEST(GoStrTest, JsonOptions) {
  JsonStringOptions raw{.escape_html = true, .check_utf8 = false};  // dashboards
  EXPECT_EQ(Json("<\xff\xe2\x80\xa8\xc3\xa9\x01>", raw), "\"\\u003c\xff\xe2\x80\xa8\xc3\xa9\\u0001\\u003e\"");
  JsonStringOptions no_html{.escape_html = false, .check_utf8 = true};
  EXPECT_EQ(Json("<&>\xff", no_html), R"("<&>\ufffd")");
}

TEST(GoStrTest, GoQuoted) {
  struct Case {
    std::string_view in;
    std::string_view ascii, narrow, wide;  // want under each GoPrintable
  } cases[] = {
      {"", R"("")", R"("")", R"("")"},
      {"a\"b\\c", R"("a\"b\\c")", R"("a\"b\\c")", R"("a\"b\\c")"},
      {"\a\b\f\n\r\t\v", R"("\a\b\f\n\r\t\v")", R"("\a\b\f\n\r\t\v")", R"("\a\b\f\n\r\t\v")"},
      {std::string_view("\x00\x1b\x7f", 3), R"("\x00\x1b\x7f")", R"("\x00\x1b\x7f")", R"("\x00\x1b\x7f")"},
      {"\xff\xc3", R"("\xff\xc3")", R"("\xff\xc3")", R"("\xff\xc3")"},
      {"\xed\xa0\x80", R"("\xed\xa0\x80")", R"("\xed\xa0\x80")", R"("\xed\xa0\x80")"},
      {"caf\xc3\xa9\xf0\x9f\x98\x80", "\"caf\xc3\xa9\xf0\x9f\x98\x80\"", "\"caf\xc3\xa9\xf0\x9f\x98\x80\"",
       "\"caf\xc3\xa9\xf0\x9f\x98\x80\""},
      {"\xc2\x85", "\"\xc2\x85\"", R"("\u0085")", R"("\u0085")"},   // C1 control
      {"\xc2\xa0", "\"\xc2\xa0\"", "\"\xc2\xa0\"", R"("\u00a0")"},  // no-break space
      {"\xc2\xad", "\"\xc2\xad\"", R"("\u00ad")", R"("\u00ad")"},   // soft hyphen
      {"\xe2\x80\x8b", "\"\xe2\x80\x8b\"", "\"\xe2\x80\x8b\"", R"("\u200b")"},
      {"\xe2\x80\xa8", "\"\xe2\x80\xa8\"", R"("\u2028")", R"("\u2028")"},
      {"\xef\xbb\xbf", "\"\xef\xbb\xbf\"", R"("\ufeff")", R"("\ufeff")"},
      {"\xef\xbf\xbf", "\"\xef\xbf\xbf\"", "\"\xef\xbf\xbf\"", R"("\uffff")"},
      {"\xef\xbf\xbd", "\"\xef\xbf\xbd\"", "\"\xef\xbf\xbd\"", "\"\xef\xbf\xbd\""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Quote(c.in, GoPrintable::kAscii), c.ascii);
    EXPECT_EQ(Quote(c.in, GoPrintable::kNarrow), c.narrow);
    EXPECT_EQ(Quote(c.in, GoPrintable::kWide), c.wide);
  }
  std::string out = "pre:";
  AppendGoQuoted(&out, "x", GoPrintable::kWide);
  EXPECT_EQ(out, "pre:\"x\"");
}

TEST(GoStrTest, GoQuotedRune) {
  struct Case {
    int32_t r;
    std::string_view want;
  } cases[] = {
      {'a', "'a'"},
      {'\'', R"('\'')"},
      {'"', R"('"')"},
      {'\\', R"('\\')"},
      {'\n', R"('\n')"},
      {0, R"('\x00')"},
      {0x7f, R"('\x7f')"},
      {0xe9, "'\xc3\xa9'"},
      {0x85, R"('\u0085')"},
      {0xD800, "'\xef\xbf\xbd'"},
      {0x110000, "'\xef\xbf\xbd'"},
      {0x1F600, "'\xf0\x9f\x98\x80'"},
  };
  for (const auto& c : cases) {
    std::string out;
    AppendGoQuotedRune(&out, c.r, GoPrintable::kWide);
    EXPECT_EQ(out, c.want) << c.r;
  }
}

TEST(GoStrTest, Floats) {
  const double kInf = std::numeric_limits<double>::infinity();
  const double kNaN = std::numeric_limits<double>::quiet_NaN();
  struct Case {
    double f;
    std::string_view g, v, f_form, e;
  } cases[] = {
      {0, "0", "0", "0", "0e+00"},
      {-0.0, "-0", "-0", "-0", "-0e+00"},
      {1, "1", "1", "1", "1e+00"},
      {-2.5, "-2.5", "-2.5", "-2.5", "-2.5e+00"},
      {0.1, "0.1", "0.1", "0.1", "1e-01"},
      {123456, "123456", "123456", "123456", "1.23456e+05"},
      {1234567, "1.234567e+06", "1234567", "1234567", "1.234567e+06"},
      {1e6, "1e+06", "1000000", "1000000", "1e+06"},
      {1e20, "1e+20", "100000000000000000000", "100000000000000000000", "1e+20"},
      {1e21, "1e+21", "1e+21", "1000000000000000000000", "1e+21"},
      {1e-4, "0.0001", "0.0001", "0.0001", "1e-04"},
      {1.5e-5, "1.5e-05", "1.5e-05", "0.000015", "1.5e-05"},
      {1e-7, "1e-07", "1e-07", "0.0000001", "1e-07"},
      {1e100, "1e+100", "1e+100", "", "1e+100"},
      {5e-324, "5e-324", "5e-324", "", "5e-324"},
      {0.30000000000000004, "0.30000000000000004", "0.30000000000000004", "0.30000000000000004",
       "3.0000000000000004e-01"},
      {kInf, "+Inf", "+Inf", "+Inf", "+Inf"},
      {-kInf, "-Inf", "-Inf", "-Inf", "-Inf"},
      {kNaN, "NaN", "NaN", "NaN", "NaN"},
  };
  for (const auto& c : cases) {
    std::string g, v, f, e;
    AppendFloatG(&g, c.f);
    AppendFloatV(&v, c.f);
    AppendFloatF(&f, c.f);
    AppendFloatE(&e, c.f);
    EXPECT_EQ(g, c.g) << c.f;
    EXPECT_EQ(v, c.v) << c.f;
    if (!c.f_form.empty()) {
      EXPECT_EQ(f, c.f_form) << c.f;
    }
    EXPECT_EQ(e, c.e) << c.f;
  }
  std::string big;
  AppendFloatF(&big, 1e100);
  EXPECT_EQ(big.size(), 101u);
  std::string tiny;
  AppendFloatF(&tiny, -5e-324);
  EXPECT_EQ(tiny.substr(0, 4), "-0.0");
  EXPECT_EQ(tiny.back(), '5');
}

}  // namespace
}  // namespace ward::gostr
