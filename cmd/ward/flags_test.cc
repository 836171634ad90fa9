#include "cmd/ward/flags.h"

#include <gtest/gtest.h>

#include "cmd/ward/server.h"

namespace ward {
namespace {

Result<Flags> Parse(std::vector<std::string> args, int* code, std::string* out) {
  std::vector<char*> argv;
  static std::string prog = "ward";
  argv.push_back(prog.data());
  for (auto& a : args) argv.push_back(a.data());
  return ParseFlags(static_cast<int>(argv.size()), argv.data(), code, out);
}

TEST(FlagsTest, PrometheusNamesAndDefaults) {
  int code;
  std::string out;
  auto f = Parse({}, &code, &out);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(code, -1);
  EXPECT_EQ(f->config_file, "prometheus.yml");
  EXPECT_EQ(f->web_listen_address, "0.0.0.0:9090");
  EXPECT_EQ(f->storage_tsdb_path, "data/");
  EXPECT_TRUE(f->storage_tsdb_wal_compression);
  EXPECT_FALSE(f->web_enable_lifecycle);

  f = Parse({"--config.file=x.yml", "--storage.tsdb.path", "/d", "--web.enable-lifecycle",
             "--no-storage.tsdb.wal-compression", "--log.level=debug",
             "--enable-feature=a,b"},
            &code, &out);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->config_file, "x.yml");
  EXPECT_EQ(f->storage_tsdb_path, "/d");
  EXPECT_TRUE(f->web_enable_lifecycle);
  EXPECT_FALSE(f->storage_tsdb_wal_compression);
  EXPECT_EQ(f->log_level, "debug");
  EXPECT_EQ(f->enable_feature, (std::vector<std::string>{"a", "b"}));
}

TEST(FlagsTest, BadValuesAndHelp) {
  int code;
  std::string out;
  EXPECT_FALSE(Parse({"--log.level=loud"}, &code, &out).ok());
  EXPECT_FALSE(Parse({"--no-such-flag"}, &code, &out).ok());
  ASSERT_TRUE(Parse({"--help"}, &code, &out).ok());
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("--config.file"), std::string::npos);
  ASSERT_TRUE(Parse({"--version"}, &code, &out).ok());
  EXPECT_NE(out.find("ward, version"), std::string::npos);
}

TEST(FlagsTest, ByteSizes) {
  EXPECT_EQ(*ParseByteSize("100MB"), 100LL << 20);
  EXPECT_EQ(*ParseByteSize("512"), 512);
  EXPECT_EQ(*ParseByteSize("1GB"), 1LL << 30);
  EXPECT_FALSE(ParseByteSize("MB").ok());
  EXPECT_FALSE(ParseByteSize("10XB").ok());
}

}  // namespace
}  // namespace ward
