#include "promql/parser/lex.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ward::promql::parser {
namespace {

TEST(LexTest, Tokens) {
  auto toks = Lex("sum by (a) (rate(foo{b=~\"x\"}[5m:1m])) > 1e3 # comment");
  std::vector<Tok> types;
  for (const auto& t : toks) types.push_back(t.type);
  std::vector<Tok> want = {
      Tok::kIdent,    Tok::kIdent,  Tok::kLParen,   Tok::kIdent,    Tok::kRParen, Tok::kLParen,
      Tok::kIdent,    Tok::kLParen, Tok::kIdent,    Tok::kLBrace,   Tok::kIdent,  Tok::kEqlRegex,
      Tok::kString,   Tok::kRBrace, Tok::kLBracket, Tok::kDuration, Tok::kColon,  Tok::kDuration,
      Tok::kRBracket, Tok::kRParen, Tok::kRParen,   Tok::kGtr,      Tok::kNumber, Tok::kEOF};
  EXPECT_EQ(types, want);
}

TEST(LexTest, Errors) {
  struct Case {
    const char* in;
    const char* msg;
  } cases[] = {
      {"foo)", "unexpected right parenthesis ')'"},
      {"(foo", "unclosed left parenthesis"},
      {"foo[5m", "unclosed left bracket"},
      {"foo{a=\"b\"", "unexpected end of input inside braces"},
      {"foo !", "unexpected character after '!': EOF"},
      {"\"abc", "unterminated quoted string"},
      {"`abc", "unterminated raw string"},
      {"foo $", "unexpected character: '$'"},
      {"1a", "bad number or duration syntax: \"1\""},
      {"0deadbeef", "bad number or duration syntax: \"0de\""},
      {"foo[5m:1m1]", "bad number or duration syntax: \"1m1\""},
      {"\"\\c\"", "unknown escape sequence U+0063 'c'"},
      {"\"\\x.\"", "illegal character U+002E '.' in escape sequence"},
      {"\"\\", "escape sequence not terminated"},
      {"foo{a=\"\xff\"}", "invalid UTF-8 rune"},
      {"`a\xff`", "invalid UTF-8 rune"},
      {"foo{1}", "unexpected character inside braces: '1'"},
      {"2.5.", "unexpected character: '.'"},
  };
  for (const auto& c : cases) {
    auto toks = Lex(c.in);
    ASSERT_GE(toks.size(), 2u) << c.in;
    EXPECT_EQ(toks[toks.size() - 2].type, Tok::kError) << c.in;
    EXPECT_EQ(toks[toks.size() - 2].error, c.msg) << c.in;
  }
}

TEST(LexTest, FormatGoFloat) {
  EXPECT_EQ(FormatGoFloat(1), "1");
  EXPECT_EQ(FormatGoFloat(-0.5), "-0.5");
  EXPECT_EQ(FormatGoFloat(100000), "100000");
  EXPECT_EQ(FormatGoFloat(1e6), "1e+06");
  EXPECT_EQ(FormatGoFloat(1234567), "1.234567e+06");
  EXPECT_EQ(FormatGoFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatGoFloat(0.00001), "1e-05");
  EXPECT_EQ(FormatGoFloat(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatGoFloat(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatGoFloat(std::nan("")), "NaN");
}

TEST(LexTest, FormatFloatF) {
  EXPECT_EQ(FormatFloatF(1e6), "1000000");
  EXPECT_EQ(FormatFloatF(0.1), "0.1");
  EXPECT_EQ(FormatFloatF(-2.5), "-2.5");
  EXPECT_EQ(FormatFloatF(1e-7), "0.0000001");
  EXPECT_EQ(FormatFloatF(1e300).size(), 301u);
  EXPECT_EQ(FormatFloatF(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(LexTest, Durations) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(90000), "1m30s");
  EXPECT_EQ(FormatDuration(1500), "1s500ms");
  EXPECT_EQ(FormatDuration(86400000LL * 7), "1w");
  EXPECT_EQ(FormatDuration(86400000LL * 8), "8d");
  EXPECT_EQ(FormatDuration(86400000LL * 365), "1y");
  EXPECT_EQ(*ParsePromDuration("1h30m"), 5400000);
  EXPECT_EQ(*ParsePromDuration("1s500ms"), 1500);
  EXPECT_EQ(*ParsePromDuration("0"), 0);
  EXPECT_FALSE(ParsePromDuration("30m1h").ok());
  EXPECT_FALSE(ParsePromDuration("1.5m").ok());
  EXPECT_FALSE(ParsePromDuration("5").ok());
}

TEST(LexTest, Unquote) {
  EXPECT_EQ(*GoUnquote("\"a\\nb\""), "a\nb");
  EXPECT_EQ(*GoUnquote("'a\"b'"), "a\"b");
  EXPECT_EQ(*GoUnquote("'a\\'b'"), "a'b");
  EXPECT_EQ(*GoUnquote("`a\\nb`"), "a\\nb");
  EXPECT_EQ(*GoUnquote("\"\\u00e9\\x41\\101\""),
            "\xc3\xa9"
            "AA");
  EXPECT_FALSE(GoUnquote("\"\\q\"").ok());
  EXPECT_FALSE(GoUnquote("\"a\\'\"").ok());
}

TEST(LexTest, Numbers) {
  EXPECT_EQ(*ParseGoNumber("0x1F"), 31);
  EXPECT_EQ(*ParseGoNumber("010"), 8);
  EXPECT_EQ(*ParseGoNumber("1e3"), 1000);
  EXPECT_EQ(*ParseGoNumber(".5"), 0.5);
  EXPECT_TRUE(std::isinf(*ParseGoNumber("Inf")));
  EXPECT_TRUE(std::isnan(*ParseGoNumber("NaN")));
  EXPECT_FALSE(ParseGoNumber("1e").ok());
}

}  // namespace
}  // namespace ward::promql::parser
