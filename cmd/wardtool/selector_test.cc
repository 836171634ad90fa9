#include "cmd/wardtool/selector.h"

#include <gtest/gtest.h>

namespace ward::wardtool {
namespace {

std::string Render(std::string_view s) {
  auto r = ParseSelector(s);
  if (!r.ok()) return "ERR";
  std::string out;
  for (const auto& m : *r) out += m.ToString() + ";";
  return out;
}

TEST(WardtoolSelectorTest, Parses) {
  EXPECT_EQ(Render("up"), "__name__=\"up\";");
  EXPECT_EQ(Render(" up { job = \"a\" , instance=~'x.*' } "),
            "__name__=\"up\";job=\"a\";instance=~\"x.*\";");
  EXPECT_EQ(Render("{a!=\"b\",c!~\"d\",}"), "a!=\"b\";c!~\"d\";");
  EXPECT_EQ(Render("{a=\"q\\\"x\"}"), "a=\"q\\\"x\";");
}

TEST(WardtoolSelectorTest, Rejects) {
  for (const char* bad :
       {"", "{}", "{a}", "{a=b}", "{a=\"b\"", "up{a=\"b\"} x", "{a=~\"(\"}", "{a==\"b\"}"}) {
    EXPECT_FALSE(ParseSelector(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace ward::wardtool
