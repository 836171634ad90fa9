// promql_bench: `sum by (job) (rate(x[5m]))` over 10k series, a 1h range
// query at a 15s step, on an in-memory head.
#include <benchmark/benchmark.h>

#include "promql/engine.h"
#include "tsdb/head.h"

namespace ward::promql {
namespace {

tsdb::Head* BuildHead() {
  static tsdb::Head* head = [] {
    auto* h = new tsdb::Head(tsdb::HeadOptions{}, nullptr, nullptr);
    constexpr int kSeries = 10000;
    constexpr int64_t kEnd = 3600 * 1000;
    std::vector<labels::Labels> ls;
    for (int i = 0; i < kSeries; i++) {
      ls.push_back(labels::Labels{{"__name__", "x"},
                                  {"job", "job" + std::to_string(i % 10)},
                                  {"instance", "i" + std::to_string(i)}});
    }
    std::vector<storage::SeriesRef> refs(kSeries, 0);
    for (int64_t t = 0; t <= kEnd; t += 15000) {
      auto app = h->NewAppender();
      for (int i = 0; i < kSeries; i++) {
        auto r = app->Append(refs[i], ls[i], t, static_cast<double>(t / 1000 + i));
        if (r.ok()) refs[i] = r.value();
      }
      (void)app->Commit();
    }
    return h;
  }();
  return head;
}

void BM_SumRate(benchmark::State& state) {
  tsdb::Head* head = BuildHead();
  Engine engine{EngineOptions{}};
  for (auto _ : state) {
    auto r = engine.RangeQuery(*head, "sum by (job) (rate(x[5m]))", 0, 3600 * 1000, 15000);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SumRate)->Unit(benchmark::kMillisecond);

void BM_InstantSumRate(benchmark::State& state) {
  tsdb::Head* head = BuildHead();
  Engine engine{EngineOptions{}};
  for (auto _ : state) {
    auto r = engine.InstantQuery(*head, "sum by (job) (rate(x[5m]))", 3600 * 1000);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_InstantSumRate)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ward::promql

BENCHMARK_MAIN();
