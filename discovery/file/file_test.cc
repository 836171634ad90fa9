#include "discovery/file/file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace ward::discovery::file {
namespace {

namespace fs = std::filesystem;

class FileSDTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ward_file_sd_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name) << content;
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

TEST_F(FileSDTest, ReadFileSetsSourceAndFilepath) {
  Write("a.json", R"([{"targets": ["h1:80"], "labels": {"x": "1"}}, {"targets": ["h2:80"]}])");
  auto groups = ReadFile(Path("a.json"));
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].source, Path("a.json") + ":0");
  EXPECT_EQ((*groups)[1].source, Path("a.json") + ":1");
  EXPECT_EQ((*groups)[0].labels.Get("__meta_filepath"), Path("a.json"));
  EXPECT_EQ((*groups)[0].labels.Get("x"), "1");
  EXPECT_EQ((*groups)[1].labels.Get("__meta_filepath"), Path("a.json"));
}

TEST_F(FileSDTest, ReadFileErrors) {
  Write("a.txt", "[]");
  EXPECT_FALSE(ReadFile(Path("a.txt")).ok());
  EXPECT_FALSE(ReadFile(Path("missing.json")).ok());
  Write("bad.yml", "- targets: [\n");
  auto r = ReadFile(Path("bad.yml"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find(Path("bad.yml")), std::string::npos);
}

TEST_F(FileSDTest, GlobRefreshKeepsLastGoodAndDropsDeleted) {
  Write("t1.yml", "- targets: ['a:1']\n");
  Write("t2.json", R"([{"targets": ["b:2"]}])");
  Write("other.txt", "not matched");
  config::FileSDConfig cfg;
  cfg.files = {Path("t*.yml"), Path("*.json")};
  Discoverer d(cfg);
  std::vector<std::string> errors;
  EXPECT_TRUE(d.Refresh(&errors));
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(d.groups().size(), 2u);
  EXPECT_EQ(d.groups()[0].source, Path("t1.yml") + ":0");
  EXPECT_EQ(d.groups()[1].source, Path("t2.json") + ":0");

  // Nothing changed.
  EXPECT_FALSE(d.Refresh(&errors));

  // A broken file keeps its previous groups and reports the error.
  Write("t1.yml", "- targets: [broken\n");
  EXPECT_FALSE(d.Refresh(&errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("t1.yml"), std::string::npos);
  ASSERT_EQ(d.groups().size(), 2u);
  EXPECT_EQ(d.groups()[0].targets[0].Get("__address__"), "a:1");

  // Fixed, with new content.
  Write("t1.yml", "- targets: ['a:1', 'c:3']\n");
  errors.clear();
  EXPECT_TRUE(d.Refresh(&errors));
  EXPECT_EQ(d.groups()[0].targets.size(), 2u);

  // Deleted file: its groups go away.
  fs::remove(dir_ / "t2.json");
  EXPECT_TRUE(d.Refresh(&errors));
  ASSERT_EQ(d.groups().size(), 1u);

  EXPECT_EQ(d.WatchDirs(), (std::vector<std::string>{dir_.string()}));
}

}  // namespace
}  // namespace ward::discovery::file
