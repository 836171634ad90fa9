// Compatibility with the real Prometheus 2.42 tools: promtool must read a
// block ward wrote (tsdb dump prints exactly ward's samples; tsdb analyze
// and list agree on the counts), and ward must read a block promtool wrote
// (create-blocks-from openmetrics) with exactly its samples. Skipped when
// promtool is not installed.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "tsdb/block/block.h"
#include "tsdb/block/block_writer.h"
#include "tsdb/head.h"
#include "util/varint.h"

namespace ward::tsdb::block {
namespace {

namespace fs = std::filesystem;
using labels::Labels;
using labels::Matcher;
using labels::MatchType;

// Runs a shell command; returns its exit code and stdout in *out.
int RunCmd(const std::string& cmd, std::string* out) {
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[65536];
  size_t n;
  out->clear();
  while ((n = ::fread(buf, 1, sizeof(buf), p)) > 0) out->append(buf, n);
  int rc = ::pclose(p);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

bool HavePromtool() {
  std::string out;
  return RunCmd("command -v promtool", &out) == 0 && !out.empty();
}

struct Point {
  int64_t t;
  double v;
};
// Label string -> samples in time order.
using Data = std::map<std::string, std::vector<Point>>;

bool SameValue(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return varint::Float64Bits(a) == varint::Float64Bits(b);
}

void ExpectSameData(const Data& got, const Data& want) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [l, pts] : want) {
    auto it = got.find(l);
    ASSERT_NE(it, got.end()) << "missing series " << l;
    ASSERT_EQ(it->second.size(), pts.size()) << l;
    for (size_t i = 0; i < pts.size(); ++i) {
      EXPECT_EQ(it->second[i].t, pts[i].t) << l << " #" << i;
      EXPECT_TRUE(SameValue(it->second[i].v, pts[i].v))
          << l << " #" << i << ": " << it->second[i].v << " vs " << pts[i].v;
    }
  }
}

Data CollectAll(storage::Querier& q) {
  Data out;
  auto all = Matcher::Make(MatchType::kRegexMatch, "__name__", ".*").value();
  auto set = q.Select(true, nullptr, {all});
  while (set->Next()) {
    auto it = set->At().Iterator();
    std::vector<Point>& pts = out[set->At().Labels().ToString()];
    while (it->Next() == storage::ValueType::kFloat) {
      Point p;
      it->At(&p.t, &p.v);
      pts.push_back(p);
    }
    EXPECT_TRUE(it->Err().ok()) << it->Err().ToString();
  }
  EXPECT_TRUE(set->Err().ok()) << set->Err().ToString();
  return out;
}

class BlockCompatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HavePromtool()) GTEST_SKIP() << "promtool (Prometheus 2.42) is not installed";
    dir_ = fs::temp_directory_path() /
           ("ward_block_compat_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string dir_;
};

TEST_F(BlockCompatTest, PromtoolReadsWardBlock) {
  Head head(HeadOptions{}, nullptr, nullptr);
  std::mt19937 rng(11);
  Data want;
  {
    auto app = head.NewAppender();
    const char* jobs[] = {"api", "etcd", "node"};
    for (int i = 0; i < 40; ++i) {
      labels::Builder b;
      b.Set("__name__", i % 2 ? "http_requests_total" : "process_cpu_seconds_total");
      b.Set("job", jobs[i % 3]);
      b.Set("instance", "10.0.0." + std::to_string(i));
      if (i % 5 == 0) b.Set("path", "/api/v1/query");
      Labels l = b.Build();
      int64_t t = 1700000000000 + static_cast<int64_t>(rng() % 30000);
      double v = static_cast<double>(rng() % 1000) / 8;
      int n = 1 + static_cast<int>(rng() % 500);
      for (int k = 0; k < n; ++k) {
        double val = k % 97 == 96 ? storage::StaleNaN() : (k % 13 == 0 ? -v * 1e-3 : v);
        ASSERT_TRUE(app->Append(0, l, t, val).ok());
        want[l.ToString()].push_back({t, val});
        t += 15000 + static_cast<int64_t>(rng() % 3) - 1;
        v += static_cast<double>(rng() % 100) / 3;
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }
  const int64_t mint = head.MinTime(), maxt = head.MaxTime() + 1;
  auto hq = head.NewQuerier(mint, maxt - 1).value();
  std::string data = dir_ + "/data";
  WriteBlockOptions opts;
  opts.max_segment_size = 8192;  // several chunk segments
  auto ulid = WriteBlock(data, *hq, mint, maxt, opts);
  ASSERT_TRUE(ulid.ok()) << ulid.status().ToString();
  ASSERT_TRUE(fs::exists(data + "/" + ulid.value() + "/chunks/000003"));
  fs::create_directories(data + "/wal");  // promtool opens the DB read-only

  std::string out;
  ASSERT_EQ(RunCmd("promtool tsdb dump " + data, &out), 0) << out;
  Data got;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    // {labels} value timestamp
    size_t close = line.rfind('}');
    ASSERT_NE(close, std::string::npos) << line;
    std::istringstream rest(line.substr(close + 1));
    std::string v;
    int64_t t;
    rest >> v >> t;
    got[line.substr(0, close + 1)].push_back({t, std::strtod(v.c_str(), nullptr)});
  }
  // %g prints shortest round-trip digits, so values compare exactly.
  ExpectSameData(got, want);

  uint64_t samples = 0, pairs = 0;
  std::map<std::string, int> uniq;
  for (const auto& [l, pts] : want) samples += pts.size();
  {
    auto b = Block::Open(data + "/" + ulid.value()).value();
    EXPECT_EQ(b->meta().stats.num_samples, samples);
    auto q = b->NewQuerier(mint, maxt).value();
    auto all = Matcher::Make(MatchType::kRegexMatch, "__name__", ".*").value();
    auto set = q->Select(true, nullptr, {all});
    while (set->Next()) {
      for (const auto& l : set->At().Labels()) {
        ++pairs;
        uniq[l.name + "=" + l.value]++;
      }
    }
  }
  ASSERT_EQ(RunCmd("promtool tsdb analyze " + data, &out), 0) << out;
  EXPECT_NE(out.find("Block ID: " + ulid.value()), std::string::npos) << out;
  EXPECT_NE(out.find("Series: 40\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Label names: 4\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Postings (unique label pairs): " + std::to_string(uniq.size()) + "\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Postings entries (total label pairs): " + std::to_string(pairs) + "\n"),
            std::string::npos)
      << out;
  ASSERT_EQ(RunCmd("promtool tsdb list " + data, &out), 0) << out;
  EXPECT_NE(out.find(ulid.value()), std::string::npos) << out;
  EXPECT_NE(out.find(" " + std::to_string(samples) + " "), std::string::npos) << out;
}

TEST_F(BlockCompatTest, WardReadsPromtoolBlock) {
  // 12 series, 400 samples each, 15 s apart, integer seconds; values with
  // full float precision.
  std::mt19937_64 rng(5);
  Data want;
  std::string om;
  const int64_t start_s = 1700001000;
  for (int m = 0; m < 3; ++m) {
    std::string name = "metric_" + std::to_string(m);
    om += "# TYPE " + name + " gauge\n";
    for (int s = 0; s < 4; ++s) {
      std::string lbl =
          "{instance=\"i" + std::to_string(s) + "\",job=\"j" + std::to_string(m % 2) + "\"}";
      std::string key = "{__name__=\"" + name + "\", instance=\"i" + std::to_string(s) +
                        "\", job=\"j" + std::to_string(m % 2) + "\"}";
      for (int k = 0; k < 400; ++k) {
        int64_t ts = start_s + 15 * k;
        double v = static_cast<double>(rng() % 1000000) / 7.0 - 5000;
        char buf[64];
        std::snprintf(buf, sizeof(buf), "%.17g", v);
        om += name + lbl + " " + buf + " " + std::to_string(ts) + "\n";
        want[key].push_back({ts * 1000, v});
      }
    }
  }
  om += "# EOF\n";
  std::string in = dir_ + "/in.om", out_dir = dir_ + "/out";
  {
    std::ofstream f(in);
    f << om;
  }
  std::string out;
  ASSERT_EQ(RunCmd("promtool tsdb create-blocks-from openmetrics " + in + " " + out_dir, &out), 0)
      << out;
  Data got;
  int blocks = 0;
  uint64_t samples = 0;
  for (const auto& e : fs::directory_iterator(out_dir)) {
    if (!e.is_directory() || !ParseULID(e.path().filename().string())) continue;
    auto b = Block::Open(e.path().string());
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    ++blocks;
    samples += b.value()->meta().stats.num_samples;
    auto q = b.value()->NewQuerier(b.value()->MinTime(), b.value()->MaxTime()).value();
    for (auto& [l, pts] : CollectAll(*q)) {
      auto& dst = got[l];
      dst.insert(dst.end(), pts.begin(), pts.end());
    }
    // Label API on promtool's index.
    auto names = q->LabelNames({}).value();
    EXPECT_EQ(names, (std::vector<std::string>{"__name__", "instance", "job"}));
    auto jobs =
        q->LabelValues("job", {Matcher::Make(MatchType::kEqual, "__name__", "metric_1").value()});
    EXPECT_EQ(jobs.value(), std::vector<std::string>{"j1"});
  }
  EXPECT_GE(blocks, 1);
  EXPECT_EQ(samples, 12u * 400);
  for (auto& [l, pts] : got) {
    std::sort(pts.begin(), pts.end(), [](const Point& a, const Point& b) { return a.t < b.t; });
  }
  ExpectSameData(got, want);
}

}  // namespace
}  // namespace ward::tsdb::block
