// The helpers and default methods of the storage interfaces.
#include "storage/interface.h"

#include <cmath>

#include "gtest/gtest.h"

namespace ward::storage {
namespace {

TEST(StorageInterfaceTest, StaleMarkerIsOneNaNPattern) {
  EXPECT_TRUE(IsStaleNaN(StaleNaN()));
  EXPECT_TRUE(std::isnan(StaleNaN()));
  EXPECT_FALSE(IsStaleNaN(std::nan("")));
  EXPECT_FALSE(IsStaleNaN(0));
}

TEST(StorageInterfaceTest, EmptySeriesSetCarriesItsError) {
  auto ok = EmptySeriesSet();
  EXPECT_FALSE(ok->Next());
  EXPECT_TRUE(ok->Err().ok());
  auto bad = EmptySeriesSet(Status::IOError("disk gone"));
  EXPECT_FALSE(bad->Next());
  EXPECT_FALSE(bad->Err().ok());
}

// A series that only implements the required methods.
class PlainSeries final : public Series {
 public:
  explicit PlainSeries(labels::Labels l) : l_(std::move(l)) {}
  const labels::Labels& Labels() const override { return l_; }
  std::unique_ptr<SampleIterator> Iterator() const override { return nullptr; }

 private:
  labels::Labels l_;
};

TEST(StorageInterfaceTest, DefaultLabelViewsFollowLabels) {
  PlainSeries s(labels::Labels{{"job", "api"}, {"__name__", "up"}, {"instance", "a:1"}});
  std::vector<LabelView> views{{"stale", "entry"}};
  s.LabelViews(&views);
  ASSERT_EQ(views.size(), 3u);
  EXPECT_EQ(views[0].name, "__name__");
  EXPECT_EQ(views[0].value, "up");
  EXPECT_EQ(views[1].name, "instance");
  EXPECT_EQ(views[1].value, "a:1");
  EXPECT_EQ(views[2].name, "job");
  EXPECT_EQ(views[2].value, "api");
  // Views point into the series' own labels.
  EXPECT_EQ(views[2].value.data(), s.Labels()[2].value.data());
}

}  // namespace
}  // namespace ward::storage
