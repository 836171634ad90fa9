// head_bench: head append throughput through the Appender with cached refs
// (what a scrape loop does after its first scrape), in-memory head (no WAL,
// no chunks_head) and with a real DB (WAL + chunks_head in a temp dir).
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "tsdb/db.h"
#include "tsdb/head.h"

namespace ward::tsdb {
namespace {

constexpr int kSeries = 10000;

std::vector<labels::Labels> MakeSeries() {
  std::vector<labels::Labels> out;
  out.reserve(kSeries);
  for (int i = 0; i < kSeries; ++i) {
    out.push_back(labels::Labels{{"__name__", "metric_" + std::to_string(i % 100)},
                                 {"instance", "host-" + std::to_string(i / 100) + ":9100"},
                                 {"job", "node"}});
  }
  return out;
}

// One iteration = one "scrape": kSeries samples in one commit.
void RunAppends(benchmark::State& state, storage::Appendable& db) {
  auto series = MakeSeries();
  std::vector<storage::SeriesRef> refs(kSeries, 0);
  int64_t t = 0;
  for (auto _ : state) {
    auto app = db.NewAppender();
    for (int i = 0; i < kSeries; ++i) {
      auto r = app->Append(refs[i], series[i], t, static_cast<double>(t + i));
      if (r.ok()) refs[i] = *r;
    }
    if (!app->Commit().ok()) state.SkipWithError("commit failed");
    t += 15'000;
  }
  state.SetItemsProcessed(state.iterations() * kSeries);
}

void BM_HeadAppendInMemory(benchmark::State& state) {
  Head head(HeadOptions{}, nullptr, nullptr);
  RunAppends(state, head);
}
BENCHMARK(BM_HeadAppendInMemory)->Unit(benchmark::kMillisecond);

void BM_DBAppendWithWAL(benchmark::State& state) {
  std::string dir =
      std::filesystem::temp_directory_path() / ("ward_head_bench_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    Options o;
    o.wal_compression = state.range(0) != 0;
    auto db = DB::Open(dir, o);
    if (!db.ok()) {
      state.SkipWithError(db.status().ToString().c_str());
      return;
    }
    RunAppends(state, **db);
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_DBAppendWithWAL)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Select one metric name (100 of the 10k series) over 2h of 15s samples and
// decode every sample: the inner loop of a PromQL range query.
void BM_HeadSelectAndDecode(benchmark::State& state) {
  Head head(HeadOptions{}, nullptr, nullptr);
  auto series = MakeSeries();
  for (int i = 0; i < 480; ++i) {
    auto app = head.NewAppender();
    for (int s = 0; s < kSeries; ++s) {
      (void)app->Append(0, series[s], int64_t{i} * 15'000, s + i * 0.5);
    }
    (void)app->Commit();
  }
  auto m = *labels::Matcher::Make(labels::MatchType::kEqual, "__name__", "metric_5");
  int64_t samples = 0;
  for (auto _ : state) {
    auto q = *head.NewQuerier(0, 480 * 15'000);
    auto ss = q->Select(true, nullptr, {m});
    while (ss->Next()) {
      auto it = ss->At().Iterator();
      while (it->Next() == storage::ValueType::kFloat) ++samples;
    }
  }
  state.SetItemsProcessed(samples);
}
BENCHMARK(BM_HeadSelectAndDecode)->Unit(benchmark::kMillisecond);

// Heap bytes per series for 100k series holding one open chunk of 10
// samples each (labels interned, postings, chunk).
void BM_HeadBytesPerSeries(benchmark::State& state) {
  constexpr int kN = 100'000;
  std::vector<labels::Labels> ls;
  ls.reserve(kN);
  for (int i = 0; i < kN; ++i) {
    ls.push_back(labels::Labels{{"__name__", "metric_" + std::to_string(i % 500)},
                                {"instance", "host-" + std::to_string(i / 500) + ":9100"},
                                {"job", "node"}});
  }
  for (auto _ : state) {
    size_t before = mallinfo2().uordblks;
    auto head = std::make_unique<Head>(HeadOptions{}, nullptr, nullptr);
    std::vector<storage::SeriesRef> refs(kN, 0);
    for (int t = 0; t < 10; ++t) {
      auto app = head->NewAppender();
      for (int i = 0; i < kN; ++i) refs[i] = *app->Append(refs[i], ls[i], t * 15'000, i);
      (void)app->Commit();
    }
    size_t after = mallinfo2().uordblks;
    state.counters["bytes_per_series"] = static_cast<double>(after - before) / kN;
  }
}
BENCHMARK(BM_HeadBytesPerSeries)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ward::tsdb

BENCHMARK_MAIN();
