// Runs Prometheus's own client, `promtool query ...` (2.42), against the
// API: it must parse ward's responses exactly as it parses Prometheus's.
// Skipped when promtool is not installed.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "web/api/v1/test_util.h"

namespace ward::web::api::v1 {
namespace {

std::string FindPromtool() {
  for (const char* p : {"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "";
}

class PromtoolTest : public APIServerFixture {
 protected:
  void SetUp() override {
    promtool_ = FindPromtool();
    if (promtool_.empty()) GTEST_SKIP() << "promtool (Prometheus 2.42) not installed";
    APIServerFixture::SetUp();
  }

  // Runs promtool with `args` (already shell-quoted); returns stdout+stderr
  // and sets *exit_code.
  std::string Run(const std::string& args, int* exit_code) {
    std::string cmd = promtool_ + " " + args + " 2>&1";
    FILE* f = popen(cmd.c_str(), "r");
    if (f == nullptr) {
      *exit_code = -1;
      return "";
    }
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
    int st = pclose(f);
    *exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
  }

  std::string promtool_;
};

TEST_F(PromtoolTest, InstantQuery) {
  int rc;
  std::string out = Run("query instant --time=1690000060 " + base_ + " 'up'", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find(R"(up{instance="localhost:9090", job="prometheus"} => 1 @[1690000060])"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"(up{instance="localhost:9100", job="node"} => 0 @[1690000060])"),
            std::string::npos)
      << out;
  out = Run("query instant --time=1690000060 " + base_ + " 'scalar(up{job=\"prometheus\"}) / 8'",
            &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("scalar: 0.125 @[1690000060]"), std::string::npos) << out;
  // JSON output goes through promtool's decoder and encoder.
  out = Run("query instant -o json --time=1690000060 " + base_ + " 'up{job=\"node\"}'", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find(R"("value":[1690000060,"0"])"), std::string::npos) << out;
}

TEST_F(PromtoolTest, InstantQueryError) {
  int rc;
  std::string out = Run("query instant " + base_ + " 'sum('", &rc);
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("bad_data: invalid parameter \"query\": 1:5: parse error: "
                     "unclosed left "
                     "parenthesis"),
            std::string::npos)
      << out;
}

TEST_F(PromtoolTest, RangeQuery) {
  int rc;
  std::string out = Run("query range --start=1690000000 --end=1690000030 --step=15s " + base_ +
                            " 'http_requests_total{code=\"200\"}'",
                        &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find(R"(http_requests_total{code="200", job="api"} =>)"), std::string::npos) << out;
  EXPECT_NE(out.find("10 @[1690000015]"), std::string::npos) << out;
  EXPECT_NE(out.find("20 @[1690000030]"), std::string::npos) << out;
}

// promtool's default series/labels window is the last year or so, which
// misses the fixture's 2023 samples: pass it explicitly.
TEST_F(PromtoolTest, Series) {
  int rc;
  std::string out =
      Run("query series --match=up --start=1690000000 --end=1690000300 " + base_, &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find(R"({__name__="up", instance="localhost:9090", job="prometheus"})"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"({__name__="up", instance="localhost:9100", job="node"})"),
            std::string::npos)
      << out;
}

TEST_F(PromtoolTest, LabelValues) {
  int rc;
  std::string out = Run("query labels --start=1690000000 --end=1690000300 " + base_ + " job", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "api\ndup\nnode\nprometheus\n");
}

}  // namespace
}  // namespace ward::web::api::v1
