#include "util/process.h"

#include <gtest/gtest.h>

namespace ward::process {
namespace {

TEST(ProcessTest, ParseSelfStat) {
  // comm with spaces and a ')' inside, as the kernel allows.
  std::string stat =
      "1234 (we ird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 4 0 1000 104857600 2560 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
  std::string proc_stat = "cpu  1 2 3\nbtime 1700000000\nprocesses 5\n";
  ProcessStats st;
  ASSERT_TRUE(ParseSelfStat(stat, proc_stat, 100, 4096, &st).ok());
  EXPECT_DOUBLE_EQ(st.cpu_seconds, 3.0);
  EXPECT_DOUBLE_EQ(st.virtual_memory_bytes, 104857600);
  EXPECT_DOUBLE_EQ(st.resident_memory_bytes, 2560.0 * 4096);
  EXPECT_DOUBLE_EQ(st.start_time_seconds, 1700000010.0);
}

TEST(ProcessTest, ParseSelfStatRejectsGarbage) {
  ProcessStats st;
  EXPECT_TRUE(ParseSelfStat("garbage", "btime 1\n", 100, 4096, &st).IsCorruption());
  EXPECT_TRUE(ParseSelfStat("1 (x) S 1 2", "btime 1\n", 100, 4096, &st).IsCorruption());
  std::string stat = "1 (x) S 1 1 1 0 -1 0 0 0 0 0 x 5 0 0 20 0 1 0 10 100 10 0\n";
  EXPECT_TRUE(ParseSelfStat(stat, "btime 1\n", 100, 4096, &st).IsCorruption());
  std::string good = "1 (x) S 1 1 1 0 -1 0 0 0 0 0 5 5 0 0 20 0 1 0 10 100 10 0\n";
  EXPECT_TRUE(ParseSelfStat(good, "cpu 1\n", 100, 4096, &st).IsCorruption());
  EXPECT_TRUE(ParseSelfStat(good, "btime 5\n", 100, 4096, &st).ok());
}

TEST(ProcessTest, ParseLimits) {
  std::string limits =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n"
      "Max address space         unlimited            unlimited            bytes     \n"
      "Max open files            1024                 524288               files     \n";
  ProcessStats st;
  ASSERT_TRUE(ParseLimits(limits, &st).ok());
  EXPECT_DOUBLE_EQ(st.max_fds, 1024);
  EXPECT_DOUBLE_EQ(st.virtual_memory_max_bytes, 18446744073709551615.0);
  EXPECT_TRUE(ParseLimits("Max open files  lots  1 files\nMax address space 1 1 bytes\n", &st).IsCorruption());
  EXPECT_TRUE(ParseLimits("", &st).IsCorruption());
}

TEST(ProcessTest, ReadsThisProcess) {
  Result<ProcessStats> r = ReadProcessStats();
  if (!r.ok()) GTEST_SKIP() << "no /proc here: " << r.status().ToString();
  EXPECT_GT(r->resident_memory_bytes, 0);
  EXPECT_GT(r->virtual_memory_bytes, r->resident_memory_bytes);
  EXPECT_GT(r->start_time_seconds, 1.5e9);
  EXPECT_GE(r->open_fds, 3);
  EXPECT_GT(r->max_fds, 0);
}

TEST(ProcessTest, CollectorExposesFamilies) {
  metrics::Registry reg;
  RegisterProcessCollector(reg);
  std::string out = reg.Expose();
  if (out.empty()) GTEST_SKIP() << "no /proc here";
  for (const char* name :
       {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
        "process_virtual_memory_max_bytes", "process_start_time_seconds", "process_open_fds", "process_max_fds"}) {
    EXPECT_NE(out.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
    EXPECT_NE(out.find(std::string("\n") + name + " "), std::string::npos) << name;
  }
  EXPECT_NE(out.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
}

}  // namespace
}  // namespace ward::process
