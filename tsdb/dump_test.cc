#include "tsdb/dump.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

#include "tsdb/db.h"
#include "tsdb/wlog/checkpoint.h"
#include "tsdb/wlog/wlog.h"

extern char** environ;

namespace ward::tsdb {
namespace {

namespace fs = std::filesystem;
using labels::Labels;

TEST(TsdbFormatGoFloatTest, MatchesGoPercentG) {
  struct Case {
    double v;
    const char* want;
  } cases[] = {
      {0, "0"},
      {1, "1"},
      {-1, "-1"},
      {1.5, "1.5"},
      {0.1, "0.1"},
      {100000, "100000"},
      {123456, "123456"},
      {1e6, "1e+06"},
      {1234567, "1.234567e+06"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {1.5e-05, "1.5e-05"},
      {1e21, "1e+21"},
      {1e100, "1e+100"},
      {-2.5e-300, "-2.5e-300"},
      {1690000000000.0, "1.69e+12"},
      {0.30000000000000004, "0.30000000000000004"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::nan(""), "NaN"},
      {storage::StaleNaN(), "NaN"},
      {-0.0, "-0"},
  };
  for (const Case& c : cases) EXPECT_EQ(FormatGoFloat(c.v), c.want) << c.want;
}

class TsdbDumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ward_dump_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes a small DB with mmapped chunks and a few odd values.
  void WriteDB() {
    Options o;
    o.wal_fsync_interval_ms = 0;
    auto db = DB::Open(dir_, o);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    for (int i = 0; i < 300; ++i) {
      auto app = (*db)->NewAppender();
      for (int s = 0; s < 4; ++s) {
        Labels l{{"__name__", s < 2 ? "up" : "down"},
                 {"instance", "host:" + std::to_string(s)},
                 {"job", "j\"q"}};
        double v = i == 7 ? storage::StaleNaN() : (i == 8 ? 1e6 * s : i * 0.1 + s);
        ASSERT_TRUE(app->Append(0, l, 1'690'000'000'000 + i * 15'000, v).ok());
      }
      ASSERT_TRUE(app->Commit().ok());
    }
    ASSERT_TRUE((*db)->Close().ok());
  }

  std::string Dump(int64_t mint, int64_t maxt, const std::vector<labels::Matcher>& ms = {}) {
    std::ostringstream out;
    Status st = DumpSamples(dir_, mint, maxt, ms, out);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out.str();
  }

  std::string dir_;
};

TEST_F(TsdbDumpTest, PrintsSortedSeriesInPromtoolFormat) {
  WriteDB();
  std::string all = Dump(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  std::istringstream in(all);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 1200u);
  EXPECT_EQ(lines[0], "{__name__=\"down\", instance=\"host:2\", job=\"j\\\"q\"} 2 1690000000000");
  EXPECT_EQ(lines[7], "{__name__=\"down\", instance=\"host:2\", job=\"j\\\"q\"} NaN 1690000105000");
  EXPECT_EQ(lines[8],
            "{__name__=\"down\", instance=\"host:2\", job=\"j\\\"q\"} 2e+06 1690000120000");
  EXPECT_TRUE(lines[300].starts_with("{__name__=\"down\", instance=\"host:3\", job")) << lines[300];
  EXPECT_TRUE(lines[600].starts_with("{__name__=\"up\", instance=\"host:0\", job")) << lines[600];
  // Time range and matchers.
  std::string some =
      Dump(1'690'000'000'000, 1'690'000'015'000,
           {*labels::Matcher::Make(labels::MatchType::kEqual, "instance", "host:0")});
  EXPECT_EQ(some,
            "{__name__=\"up\", instance=\"host:0\", job=\"j\\\"q\"} 0 1690000000000\n"
            "{__name__=\"up\", instance=\"host:0\", job=\"j\\\"q\"} 0.1 1690000015000\n");
}

TEST_F(TsdbDumpTest, MissingDirectoryIsEmpty) { EXPECT_EQ(Dump(0, 100), ""); }

// ---- interop with the real Prometheus 2.42 tools, when installed ----

std::string FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "");
  std::string d;
  while (std::getline(ss, d, ':')) {
    std::string p = d + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

// Runs argv, returning stdout (stderr discarded) and the exit code.
std::string RunCommand(const std::vector<std::string>& argv, int* code) {
  std::string cmd;
  for (const auto& a : argv) cmd += "'" + a + "' ";
  cmd += "2>/dev/null";
  FILE* f = ::popen(cmd.c_str(), "r");
  std::string out;
  if (f == nullptr) {
    *code = -1;
    return out;
  }
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int st = ::pclose(f);
  *code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

TEST_F(TsdbDumpTest, PromtoolReadsWardDataDir) {
  std::string promtool = FindInPath("promtool");
  if (promtool.empty()) GTEST_SKIP() << "promtool (Prometheus 2.42) not installed";
  WriteDB();
  int code;
  std::string theirs = RunCommand({promtool, "tsdb", "dump", dir_}, &code);
  ASSERT_EQ(code, 0) << "promtool tsdb dump failed on ward's data dir";
  std::string ours = Dump(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  EXPECT_GT(ours.size(), 10000u);
  EXPECT_EQ(theirs.size(), ours.size());
  EXPECT_TRUE(theirs == ours) << "promtool and ward dumps differ";

  // Now make chunks_head the only copy of the older samples: checkpoint the
  // WAL keeping only samples after the full chunks (samples 0..239 of each
  // series are in two 120-sample chunks), and drop the segments. Prometheus
  // must read ward's chunk files to print everything.
  auto range = wlog::SegmentRange(dir_ + "/wal");
  ASSERT_TRUE(range.ok());
  auto cp = wlog::Checkpoint(
      dir_ + "/wal", range->first, range->second, [](uint64_t) { return true; },
      1'690'000'000'000 + 240 * 15'000);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_GT(cp->dropped_samples, 0);
  for (int i = range->first; i <= range->second; ++i)
    fs::remove(wlog::SegmentName(dir_ + "/wal", i));
  theirs = RunCommand({promtool, "tsdb", "dump", dir_}, &code);
  ASSERT_EQ(code, 0);
  EXPECT_TRUE(theirs == ours) << "promtool did not read ward's chunks_head";
  // ward's DB reads the same (chunks_head + checkpoint).
  Options o;
  o.wal_fsync_interval_ms = 0;
  auto db = DB::Open(dir_, o);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto q =
      *(*db)->NewQuerier(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  auto ss = q->Select(true, nullptr,
                      {*labels::Matcher::Make(labels::MatchType::kRegexMatch, "__name__", ".+")});
  int n = 0;
  while (ss->Next()) {
    auto it = ss->At().Iterator();
    while (it->Next() == storage::ValueType::kFloat) ++n;
  }
  EXPECT_EQ(n, 1200);
}

TEST_F(TsdbDumpTest, WardReadsPrometheusDataDir) {
  std::string prometheus = FindInPath("prometheus");
  std::string promtool = FindInPath("promtool");
  if (prometheus.empty() || promtool.empty())
    GTEST_SKIP() << "prometheus/promtool 2.42 not installed";
  fs::create_directories(dir_);
  std::string cfg = dir_ + "/prometheus.yml";
  {
    // Scrapes a closed port: every scrape still writes up, scrape_* series.
    std::ofstream f(cfg);
    f << "global:\n  scrape_interval: 200ms\n  scrape_timeout: 100ms\n"
         "scrape_configs:\n  - job_name: dead\n    static_configs:\n"
         "      - targets: ['127.0.0.1:1', '127.0.0.1:2']\n";
  }
  std::string data = dir_ + "/data";
  std::vector<std::string> args = {prometheus, "--config.file=" + cfg,
                                   "--storage.tsdb.path=" + data,
                                   "--web.listen-address=127.0.0.1:0", "--log.level=error"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  ASSERT_EQ(posix_spawn(&pid, prometheus.c_str(), &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  // Prometheus's scrape manager starts its first scrapes about 5 s after
  // start-up.
  std::this_thread::sleep_for(std::chrono::milliseconds(7000));
  ::kill(pid, SIGTERM);
  int status;
  ::waitpid(pid, &status, 0);
  int code;
  std::string theirs = RunCommand({promtool, "tsdb", "dump", data}, &code);
  ASSERT_EQ(code, 0);
  if (theirs.empty()) GTEST_SKIP() << "prometheus wrote no samples (did it start?)";
  std::ostringstream out;
  ASSERT_TRUE(DumpSamples(data, std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::max(), {}, out)
                  .ok());
  EXPECT_EQ(out.str(), theirs);
  // And the full DB opens it (replay + a new segment) and keeps all series.
  Options o;
  o.wal_fsync_interval_ms = 0;
  auto db = DB::Open(data, o);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_GT((*db)->Stats().num_series, 5u);
}

}  // namespace
}  // namespace ward::tsdb
