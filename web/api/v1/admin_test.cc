// /api/v1/admin/tsdb/* over HTTP: the disabled answer, snapshots of a real
// tsdb::DB in a temporary directory, and delete_series/clean_tombstones
// parameter handling through recording callbacks.
#include <unistd.h>

#include <filesystem>
#include <limits>
#include <map>

#include "tsdb/block/block.h"
#include "tsdb/db.h"
#include "web/api/v1/params.h"
#include "web/api/v1/test_util.h"

namespace ward::web::api::v1 {
namespace {

namespace fs = std::filesystem;

constexpr char kDisabled[] =
    R"({"status":"error","errorType":"unavailable","error":"admin APIs disabled"})";

// Samples per series of every series in `q`, keyed by the labels' text.
std::map<std::string, int> CountSamples(storage::Queryable& q) {
  std::map<std::string, int> out;
  auto querier =
      q.NewQuerier(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(querier.ok());
  if (!querier.ok()) return out;
  auto ss = (*querier)->Select(
      true, nullptr, {*labels::Matcher::Make(labels::MatchType::kRegexMatch, "__name__", ".+")});
  while (ss->Next()) {
    auto it = ss->At().Iterator();
    int& n = out[ss->At().Labels().ToString()];
    while (it->Next() == storage::ValueType::kFloat) n++;
  }
  return out;
}

class AdminDisabledTest : public APIServerFixture {};

TEST_F(AdminDisabledTest, EveryRouteAnswersLikePrometheus) {
  for (const char* path : {"/api/v1/admin/tsdb/snapshot", "/api/v1/admin/tsdb/delete_series",
                           "/api/v1/admin/tsdb/clean_tombstones"}) {
    for (const char* method : {"POST", "PUT"}) {
      HttpReply r = Request(method, path, "");
      EXPECT_EQ(r.code, 503) << method << " " << path;
      EXPECT_EQ(r.body, kDisabled) << method << " " << path;
      EXPECT_EQ(r.content_type, "application/json");
    }
  }
  // Even a request with bad parameters gets the disabled answer first.
  HttpReply r = Post("/api/v1/admin/tsdb/delete_series", "start=bad");
  EXPECT_EQ(r.code, 503);
  EXPECT_EQ(r.body, kDisabled);
}

class AdminTest : public APIServerFixture {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ward_admin_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    db_opts_.wal_fsync_interval_ms = 0;
    db_opts_.compaction_interval_ms = 0;
    auto db = tsdb::DB::Open(dir_, db_opts_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    // Four hours of one sample a minute: CompactHead cuts the older 2h
    // ranges into blocks, the rest stays in the head.
    auto app = db_->NewAppender();
    for (int i = 0; i < 240; i++) {
      ASSERT_TRUE(app->Append(0, {{"__name__", "a"}, {"job", "x"}}, i * 60000, i).ok());
      ASSERT_TRUE(app->Append(0, {{"__name__", "b"}, {"job", "y"}}, i * 60000, i).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
    ASSERT_TRUE(db_->CompactHead().ok());
    ASSERT_FALSE(db_->Blocks().empty());
    APIServerFixture::SetUp();
  }
  void TearDown() override {
    APIServerFixture::TearDown();
    db_.reset();
    fs::remove_all(dir_);
  }
  void CustomizeOptions(APIOptions* o) override {
    o->enable_admin = true;
    tsdb::DB* db = db_.get();
    std::string dir = dir_;
    o->snapshot = [db, dir](bool skip_head) -> Result<std::string> {
      std::string name = SnapshotName(1690000000123, SnapshotRandom());
      WARD_RETURN_IF_ERROR(db->Snapshot(dir + "/snapshots/" + name, !skip_head));
      return name;
    };
    o->delete_series = [this](int64_t mint, int64_t maxt, const std::vector<labels::Matcher>& ms) {
      std::string s = std::to_string(mint) + "," + std::to_string(maxt);
      for (const auto& m : ms) s += "," + m.ToString();
      deletes_.push_back(s);
      if (fail_) return Status::IOError("disk full");
      return db_->Delete(mint, maxt, ms);
    };
    o->clean_tombstones = [this] {
      cleans_++;
      return db_->CleanTombstones();
    };
  }

  // The snapshot's name from a success body.
  static std::string NameOf(const std::string& body) {
    const std::string prefix = R"({"status":"success","data":{"name":")";
    if (body.rfind(prefix, 0) != 0 || body.size() < prefix.size() + 3) return "";
    return body.substr(prefix.size(), body.size() - prefix.size() - 3);
  }

  std::string dir_;
  tsdb::Options db_opts_;
  std::unique_ptr<tsdb::DB> db_;
  std::vector<std::string> deletes_;
  int cleans_ = 0;
  bool fail_ = false;
};

TEST(SnapshotNameTest, PrometheusLayout) {
  EXPECT_EQ(SnapshotName(1690000000123, 0x1234abcdULL), "20230722T042640Z-000000001234abcd");
  EXPECT_EQ(SnapshotName(0, 0x7fffffffffffffffULL), "19700101T000000Z-7fffffffffffffff");
  EXPECT_LT(SnapshotRandom(), uint64_t{1} << 63);
}

TEST_F(AdminTest, SnapshotWithHeadOpensWithAllData) {
  HttpReply r = Post("/api/v1/admin/tsdb/snapshot", "");
  ASSERT_EQ(r.code, 200) << r.body;
  std::string name = NameOf(r.body);
  ASSERT_EQ(name.size(), 16u + 1 + 16) << r.body;
  EXPECT_EQ(name.substr(0, 17), "20230722T042640Z-");
  std::string snap = dir_ + "/snapshots/" + name;
  ASSERT_TRUE(fs::is_directory(snap));
  auto want = CountSamples(*db_);
  EXPECT_EQ(want.at(R"({__name__="a", job="x"})"), 240);
  // The snapshot is a data directory: blocks only, no WAL, all samples.
  EXPECT_FALSE(fs::exists(snap + "/wal/00000000"));
  auto sdb = tsdb::DB::Open(snap, db_opts_);
  ASSERT_TRUE(sdb.ok()) << sdb.status().ToString();
  EXPECT_EQ((*sdb)->Blocks().size(), db_->Blocks().size() + 1);
  EXPECT_EQ(CountSamples(**sdb), want);
}

TEST_F(AdminTest, SnapshotSkipHeadHasBlocksOnly) {
  HttpReply r = Request("PUT", "/api/v1/admin/tsdb/snapshot?skip_head=true", "");
  ASSERT_EQ(r.code, 200) << r.body;
  std::string snap = dir_ + "/snapshots/" + NameOf(r.body);
  auto sdb = tsdb::DB::Open(snap, db_opts_);
  ASSERT_TRUE(sdb.ok()) << sdb.status().ToString();
  ASSERT_EQ((*sdb)->Blocks().size(), db_->Blocks().size());
  int64_t block_max = db_->Blocks().back()->meta().max_time;
  auto got = CountSamples(**sdb);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.at(R"({__name__="a", job="x"})"), static_cast<int>(block_max / 60000));
}

TEST_F(AdminTest, SnapshotBadSkipHead) {
  HttpReply r = Post("/api/v1/admin/tsdb/snapshot", "skip_head=yes");
  EXPECT_EQ(r.code, 400);
  EXPECT_EQ(r.body,
            R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"skip_head\": )"
            R"(unable to parse boolean: strconv.ParseBool: parsing \"yes\": invalid syntax"})");
}

TEST_F(AdminTest, DeleteSeriesParsesEachSelector) {
  HttpReply r = Post("/api/v1/admin/tsdb/delete_series",
                     "match[]=a&match[]=%7Bjob%3D%22y%22%7D&start=10&end=20.5");
  EXPECT_EQ(r.code, 204) << r.body;
  EXPECT_EQ(r.body, "");
  ASSERT_EQ(deletes_.size(), 2u);
  EXPECT_EQ(deletes_[0], "10000,20500,__name__=\"a\"");
  EXPECT_EQ(deletes_[1], "10000,20500,job=\"y\"");
  // No start/end: all time.
  r = Request("PUT", "/api/v1/admin/tsdb/delete_series?match[]=b", "");
  EXPECT_EQ(r.code, 204);
  ASSERT_EQ(deletes_.size(), 3u);
  EXPECT_EQ(deletes_[2], std::to_string(kMinTimeMs) + "," + std::to_string(kMaxTimeMs) +
                             ",__name__=\"b\"");
}

TEST_F(AdminTest, DeleteHidesSamplesInHeadAndBlocksAndSurvivesRestart) {
  // a{job="x"} loses minutes 60..180: 60 in the block [0, 2h), 61 in the head.
  HttpReply r = Post("/api/v1/admin/tsdb/delete_series",
                     "match[]=%7Bjob%3D%22x%22%7D&start=3600&end=10800");
  ASSERT_EQ(r.code, 204) << r.body;
  const std::map<std::string, int> want = {{R"({__name__="a", job="x"})", 240 - 121},
                                           {R"({__name__="b", job="y"})", 240}};
  EXPECT_EQ(CountSamples(*db_), want);
  uint64_t stones = 0;
  for (const auto& b : db_->Blocks()) stones += b->NumTombstones();
  EXPECT_EQ(stones, 1u);
  EXPECT_EQ(CountSamples(*db_->head()).at(R"({__name__="a", job="x"})"), 120 - 61);

  // All of b in the head: the series disappears from head queries.
  r = Request("PUT", "/api/v1/admin/tsdb/delete_series?match[]=b&start=7200", "");
  ASSERT_EQ(r.code, 204) << r.body;
  EXPECT_EQ(CountSamples(*db_->head()).count(R"({__name__="b", job="y"})"), 0u);
  EXPECT_EQ(CountSamples(*db_).at(R"({__name__="b", job="y"})"), 120);

  // A restart replays the head's tombstones from the WAL; the block's are
  // in its tombstones file.
  std::map<std::string, int> before = CountSamples(*db_);
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();
  auto db = tsdb::DB::Open(dir_, db_opts_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  db_ = std::move(*db);
  EXPECT_EQ(CountSamples(*db_), before);
}

TEST_F(AdminTest, DeleteSeriesErrors) {
  HttpReply r = Post("/api/v1/admin/tsdb/delete_series", "start=1");
  EXPECT_EQ(r.code, 400);
  EXPECT_EQ(r.body,
            R"({"status":"error","errorType":"bad_data","error":"no match[] parameter provided"})");
  r = Post("/api/v1/admin/tsdb/delete_series", "match[]=a&start=x");
  EXPECT_EQ(r.code, 400);
  EXPECT_NE(r.body.find(R"(invalid parameter \"start\")"), std::string::npos) << r.body;
  r = Post("/api/v1/admin/tsdb/delete_series", "match[]=%7B");
  EXPECT_EQ(r.code, 400);
  EXPECT_NE(r.body.find(R"(invalid parameter \"match[]\")"), std::string::npos) << r.body;
  EXPECT_TRUE(deletes_.empty());
  fail_ = true;
  r = Post("/api/v1/admin/tsdb/delete_series", "match[]=a");
  EXPECT_EQ(r.code, 500);
  EXPECT_NE(r.body.find("disk full"), std::string::npos) << r.body;
}

TEST_F(AdminTest, CleanTombstonesRewritesBlocks) {
  // Nothing to clean: the blocks stay as they are.
  std::string before_dir = db_->Blocks().front()->dir();
  HttpReply r = Post("/api/v1/admin/tsdb/clean_tombstones", "");
  EXPECT_EQ(r.code, 204) << r.body;
  EXPECT_EQ(db_->Blocks().front()->dir(), before_dir);

  r = Post("/api/v1/admin/tsdb/delete_series", "match[]=a&start=0&end=599");
  ASSERT_EQ(r.code, 204) << r.body;
  ASSERT_TRUE(fs::exists(before_dir + "/tombstones"));
  std::map<std::string, int> want = CountSamples(*db_);
  EXPECT_EQ(want.at(R"({__name__="a", job="x"})"), 230);
  size_t nblocks = db_->Blocks().size();

  r = Request("PUT", "/api/v1/admin/tsdb/clean_tombstones", "");
  EXPECT_EQ(r.code, 204) << r.body;
  EXPECT_EQ(cleans_, 2);
  ASSERT_EQ(db_->Blocks().size(), nblocks);
  std::string after_dir = db_->Blocks().front()->dir();
  EXPECT_NE(after_dir, before_dir);
  EXPECT_FALSE(fs::exists(before_dir));
  EXPECT_EQ(db_->Blocks().front()->NumTombstones(), 0u);
  EXPECT_EQ(CountSamples(*db_), want);
  // The rewritten block holds the rest of the data, also after a restart.
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();
  auto db = tsdb::DB::Open(dir_, db_opts_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  db_ = std::move(*db);
  EXPECT_EQ(db_->Blocks().front()->dir(), after_dir);
  EXPECT_EQ(CountSamples(*db_), want);
}

}  // namespace
}  // namespace ward::web::api::v1
