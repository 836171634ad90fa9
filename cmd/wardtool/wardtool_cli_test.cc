// End-to-end checks of the wardtool binary's tsdb block commands against
// promtool 2.42 on the same directories: flag spelling and placement
// (-r/-q before or after `openmetrics`, --max-block-duration), exit codes
// and byte-identical `tsdb list` / `tsdb dump` output. Skipped when the
// wardtool binary or promtool is missing.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string RunCmd(const std::string& cmd, int* rc) {
  std::string out;
  FILE* f = ::popen((cmd + " 2>&1").c_str(), "r");
  if (f == nullptr) {
    *rc = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) out.append(buf.data(), n);
  int st = ::pclose(f);
  *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

class WardtoolCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    wardtool_ = std::string(WARD_BINARY_DIR) + "/wardtool";
    if (!fs::exists(wardtool_)) GTEST_SKIP() << "wardtool binary not built";
    for (const char* p : {"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
      if (fs::exists(p)) promtool_ = p;
    }
    if (promtool_.empty()) GTEST_SKIP() << "promtool not installed; CLI differential skipped";
    dir_ = fs::temp_directory_path() / ("wardtool_cli_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    input_ = (dir_ / "in.om").string();
    std::ofstream f(input_);
    f << "# TYPE x gauge\n";
    for (int i = 0; i < 200; ++i) {
      f << "x{a=\"" << i % 3 << "\"} " << i * 1.5 << " " << 1000 + i * 97 << "\n";
    }
    f << "# EOF\n";
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string wardtool_, promtool_, input_;
  fs::path dir_;
};

TEST_F(WardtoolCliTest, CreateListDumpMatchPromtool) {
  int rc = 0;
  const std::string w = (dir_ / "w").string();
  std::string out =
      RunCmd(wardtool_ + " tsdb create-blocks-from openmetrics " + input_ + " " + w, &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out.rfind("BLOCK ULID", 0), 0u) << out;
  fs::create_directories(w + "/wal");  // promtool 2.42's dump requires it
  for (const std::string args :
       {"tsdb list ", "tsdb list -r ", "tsdb dump ",
        "tsdb dump --min-time=20000 --max-time=30000 --match='x{a=\"1\"}' "}) {
    std::string want = RunCmd(promtool_ + " " + args + w, &rc);
    ASSERT_EQ(rc, 0) << want;
    std::string got = RunCmd(wardtool_ + " " + args + w, &rc);
    ASSERT_EQ(rc, 0) << got;
    EXPECT_EQ(got, want) << args;
  }
  // Flag placement as promtool accepts it; -q prints nothing.
  out = RunCmd(
      wardtool_ + " tsdb create-blocks-from -q openmetrics " + input_ + " " + (dir_ / "q").string(),
      &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(out, "");
  out = RunCmd(wardtool_ + " tsdb create-blocks-from openmetrics -r --max-block-duration=24h " +
                   input_ + " " + (dir_ / "r").string(),
               &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("+0000 UTC"), std::string::npos) << out;
  std::string list = RunCmd(wardtool_ + " tsdb list " + (dir_ / "r").string(), &rc);
  EXPECT_EQ(std::count(list.begin(), list.end(), '\n'), 2) << list;  // one 18h block
}

TEST_F(WardtoolCliTest, ErrorsExitOne) {
  int rc = 0;
  std::ofstream(dir_ / "bad.om") << "x 1 10\nx 2 5\n# EOF\n";
  std::string out = RunCmd(wardtool_ + " tsdb create-blocks-from openmetrics " +
                               (dir_ / "bad.om").string() + " " + (dir_ / "b").string(),
                           &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("out of order sample"), std::string::npos) << out;
  out = RunCmd(wardtool_ + " tsdb create-blocks-from openmetrics " + (dir_ / "none.om").string(),
               &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("none.om"), std::string::npos) << out;
  out = RunCmd(wardtool_ + " tsdb list " + (dir_ / "missing").string(), &rc);
  EXPECT_EQ(rc, 1);
  out = RunCmd(wardtool_ + " tsdb analyze " + (dir_ / "b").string(), &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("no blocks found"), std::string::npos) << out;
}

}  // namespace
