#include "web/request.h"

#include <gtest/gtest.h>

namespace ward::web {
namespace {

TEST(RequestTest, PercentDecode) {
  std::string out;
  ASSERT_TRUE(PercentDecode("a%20b+c%2B%7e", true, &out).ok());
  EXPECT_EQ(out, "a b c+~");
  ASSERT_TRUE(PercentDecode("a%20b+c", false, &out).ok());
  EXPECT_EQ(out, "a b+c");
  ASSERT_TRUE(PercentDecode("%00%ff", false, &out).ok());
  EXPECT_EQ(out, std::string("\0\xff", 2));
  EXPECT_TRUE(PercentDecode("%", true, &out).IsInvalidArgument());
  EXPECT_TRUE(PercentDecode("%4", true, &out).IsInvalidArgument());
  EXPECT_TRUE(PercentDecode("ab%g1", true, &out).IsInvalidArgument());
}

TEST(RequestTest, ParseQueryKeepsOrderAndRepeats) {
  Params p;
  ASSERT_TRUE(ParseQuery("match[]=a&x=1&match%5B%5D=b&&empty=&novalue&=v", &p).ok());
  Params want = {{"match[]", "a"}, {"x", "1"}, {"match[]", "b"}, {"empty", ""}, {"novalue", ""}, {"", "v"}};
  EXPECT_EQ(p, want);
  Params bad;
  Status st = ParseQuery("a=1&b=%x&c=3", &bad);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_EQ(bad, (Params{{"a", "1"}, {"c", "3"}}));
}

TEST(RequestTest, Accessors) {
  Request r;
  r.query = {{"query", "up"}, {"match[]", "a"}};
  r.form = {{"match[]", "b"}, {"time", "5"}};
  r.headers = {{"Content-Type", "text/plain"}};
  r.path_params = {{"name", "job"}};
  EXPECT_EQ(r.FormValue("query"), "up");
  EXPECT_EQ(r.FormValue("time"), "5");
  EXPECT_EQ(r.FormValue("missing"), "");
  EXPECT_TRUE(r.HasFormValue("time"));
  EXPECT_FALSE(r.HasFormValue("missing"));
  EXPECT_EQ(r.FormValues("match[]"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_EQ(r.QueryValue("time"), "");
  EXPECT_EQ(r.Header("content-type"), "text/plain");
  EXPECT_EQ(r.PathParam("name"), "job");
}

TEST(ResponseTest, Headers) {
  Response res;
  res.SetHeader("Content-Type", "a");
  res.SetHeader("content-type", "b");
  EXPECT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.Header("CONTENT-TYPE"), "b");
  res.Text(404, "nope");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(res.body, "nope");
}

TEST(RequestTest, QueryEscapeRoundTrips) {
  std::string s = "sum(rate(x{a=\"b c\"}[5m])) + 1/é";
  std::string out;
  ASSERT_TRUE(PercentDecode(QueryEscape(s), true, &out).ok());
  EXPECT_EQ(out, s);
  EXPECT_EQ(QueryEscape("a b+c"), "a+b%2Bc");
}

}  // namespace
}  // namespace ward::web
