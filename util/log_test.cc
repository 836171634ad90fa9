#include "util/log.h"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <string>
#include <vector>

namespace ward::log {
namespace {

std::vector<std::string>* g_lines = nullptr;
void Capture(std::string_view line) { g_lines->emplace_back(line); }

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_lines = &lines_;
    SetWriterForTesting(&Capture);
    SetLevel(Level::kInfo);
    SetFormat(Format::kLogfmt);
  }
  void TearDown() override {
    SetWriterForTesting(nullptr);
    SetLevel(Level::kInfo);
    SetFormat(Format::kLogfmt);
    g_lines = nullptr;
  }
  std::vector<std::string> lines_;
};

constexpr int64_t kT = 1795950305123;  // 2026-11-29T11:05:05.123Z

TEST(LogFormatTest, LogfmtGolden) {
  Field target("target", "http://x:9100/metrics");
  Field err("err", Status::IOError("connection refused"));
  Field n("samples", 42);
  Field empty("empty", "");
  EXPECT_EQ(FormatLine(Format::kLogfmt, kT, Level::kInfo, "scrape.cc:42", "Scrape failed",
                       {{"component", "scrape"},
                        {target.key, target.value, target.kind},
                        {err.key, err.value, err.kind},
                        {n.key, n.value, n.kind},
                        {empty.key, empty.value, empty.kind}}),
            "time=2026-11-29T11:05:05.123Z level=INFO source=scrape.cc:42 msg=\"Scrape failed\" component=scrape "
            "target=http://x:9100/metrics err=\"connection refused\" samples=42 empty=\"\"\n");
}

TEST(LogFormatTest, LogfmtQuoting) {
  EXPECT_EQ(FormatLine(Format::kLogfmt, 0, Level::kWarn, "", "a=b", {{"q", "say \"hi\"\n\tx\x01"}}),
            "time=1970-01-01T00:00:00.000Z level=WARN msg=\"a=b\" q=\"say \\\"hi\\\"\\n\\tx\\x01\"\n");
  // Non-ASCII UTF-8 is kept; invalid bytes are escaped.
  EXPECT_EQ(FormatLine(Format::kLogfmt, 0, Level::kError, "", "héllo", {{"bad", "a\xff"}}),
            "time=1970-01-01T00:00:00.000Z level=ERROR msg=héllo bad=\"a\\xff\"\n");
}

TEST(LogFormatTest, JsonGolden) {
  Field n("samples", 42);
  Field d("ratio", 0.5);
  Field b("ok", true);
  Field nan("nan", std::nan(""));
  EXPECT_EQ(FormatLine(Format::kJson, kT, Level::kDebug, "head.cc:7", "Cut \"chunk\"",
                       {{"component", "tsdb"},
                        {n.key, n.value, n.kind},
                        {d.key, d.value, d.kind},
                        {b.key, b.value, b.kind},
                        {nan.key, nan.value, nan.kind},
                        {"s", "a\x01\xff"}}),
            "{\"time\":\"2026-11-29T11:05:05.123Z\",\"level\":\"DEBUG\",\"source\":\"head.cc:7\","
            "\"msg\":\"Cut \\\"chunk\\\"\",\"component\":\"tsdb\",\"samples\":42,\"ratio\":0.5,\"ok\":true,"
            "\"nan\":\"NaN\",\"s\":\"a\\u0001\\ufffd\"}\n");
}

TEST_F(LogTest, LevelsFilter) {
  Logger l("scrape");
  l.Debug("hidden");
  l.Info("shown", {{"n", 1}});
  EXPECT_FALSE(l.DebugEnabled());
  ASSERT_EQ(lines_.size(), 1u);
  std::regex re(
      "time=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z level=INFO source=log_test\\.cc:\\d+ msg=shown "
      "component=scrape n=1\n");
  EXPECT_TRUE(std::regex_match(lines_[0], re)) << lines_[0];
  ASSERT_TRUE(SetLevel("debug").ok());
  EXPECT_TRUE(l.DebugEnabled());
  l.Debug("now shown");
  ASSERT_TRUE(SetLevel("error").ok());
  l.Warn("hidden");
  l.Error("err", {{"err", Status::Corruption("bad")}});
  ASSERT_EQ(lines_.size(), 3u);
  EXPECT_NE(lines_[1].find("level=DEBUG"), std::string::npos);
  EXPECT_NE(lines_[2].find("level=ERROR"), std::string::npos);
  EXPECT_NE(lines_[2].find("err=bad"), std::string::npos);
}

TEST_F(LogTest, SetLevelAndFormatRejectUnknown) {
  Status s = SetLevel("verbose");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.ToString().find("verbose"), std::string::npos);
  EXPECT_EQ(CurrentLevel(), Level::kInfo);
  EXPECT_TRUE(SetFormat("xml").IsInvalidArgument());
  EXPECT_TRUE(SetFormat("json").ok());
  EXPECT_EQ(CurrentFormat(), Format::kJson);
  EXPECT_TRUE(SetLevel("warn").ok());
  EXPECT_EQ(CurrentLevel(), Level::kWarn);
}

TEST_F(LogTest, JsonAndWith) {
  SetFormat(Format::kJson);
  Logger base("web");
  Logger l = base.With({{"listen", "0.0.0.0:9090"}});
  l.Info("Listening", {{"conns", int64_t{5}}, {"u", 7u}});
  base.Info("Base");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_NE(lines_[0].find("\"msg\":\"Listening\",\"component\":\"web\",\"listen\":\"0.0.0.0:9090\","
                           "\"conns\":5,\"u\":7}\n"),
            std::string::npos)
      << lines_[0];
  EXPECT_EQ(lines_[1].find("listen"), std::string::npos);
  Logger no_component("");
  no_component.Info("x");
  EXPECT_EQ(lines_[2].find("component"), std::string::npos);
}

}  // namespace
}  // namespace ward::log
