// Checks the hot-path promise: walking a body with Next() + Series() (the
// scrape-cache-hit path) makes no heap allocation per line. Counts calls to
// the global operator new, which this test binary replaces.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>

#include "model/textparse/openmetricsparse.h"
#include "model/textparse/promparse.h"

namespace {
std::atomic<long> g_allocs{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace ward::textparse {
namespace {

template <typename P>
long AllocationsForSeriesWalk(const std::string& body, size_t* series) {
  long before = g_allocs.load();
  {
    P p(body);
    for (;;) {
      Result<Entry> r = p.Next();
      if (!r.ok() || *r == Entry::kEOF) break;
      if (*r != Entry::kSeries) continue;
      std::string_view s;
      std::optional<int64_t> ts;
      double v;
      p.Series(&s, &ts, &v);
      ++*series;
    }
  }
  return g_allocs.load() - before;
}

TEST(TextparseAllocTest, SeriesWalkDoesNotAllocatePerLine) {
  std::ifstream f(std::string(WARD_SOURCE_DIR) + "/../shared/fixtures/etcd-3.4-metrics.txt",
                  std::ios::binary);
  if (!f) GTEST_SKIP() << "fixture etcd-3.4-metrics.txt not found under ../shared/fixtures";
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string body = ss.str();
  const std::string om = body + "# EOF\n";

  size_t series = 0;
  long allocs = AllocationsForSeriesWalk<PromParser>(body, &series);
  EXPECT_EQ(series, 1291u);
  // Only the label-offset vector grows a few times; nothing per line.
  EXPECT_LE(allocs, 8) << "allocations for " << series << " series";

  series = 0;
  allocs = AllocationsForSeriesWalk<OpenMetricsParser>(om, &series);
  EXPECT_EQ(series, 1291u);
  EXPECT_LE(allocs, 8) << "allocations for " << series << " series";
}

}  // namespace
}  // namespace ward::textparse
