// promql_bench: `sum by (job) (rate(x[5m]))` over 10k series, a 1h range
// query at a 15s step, on an in-memory head; and a 100-series classic
// histogram_quantile over the same range.
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

// 100 classic-histogram bucket series (10 instances x 10 buckets), 1h at 15s.
tsdb::Head* BuildHistogramHead() {
  static tsdb::Head* head = [] {
    auto* h = new tsdb::Head(tsdb::HeadOptions{}, nullptr, nullptr);
    static const char* kLe[] = {"0.005", "0.01", "0.025", "0.05", "0.1",
                                "0.25",  "0.5",  "1",     "2.5",  "+Inf"};
    std::vector<labels::Labels> ls;
    for (int inst = 0; inst < 10; inst++) {
      for (int b = 0; b < 10; b++) {
        ls.push_back(labels::Labels{{"__name__", "h_bucket"},
                                    {"instance", "i" + std::to_string(inst)},
                                    {"le", kLe[b]}});
      }
    }
    std::vector<storage::SeriesRef> refs(ls.size(), 0);
    for (int64_t t = 0; t <= 3600 * 1000; t += 15000) {
      auto app = h->NewAppender();
      for (size_t i = 0; i < ls.size(); i++) {
        // Cumulative buckets: bucket b holds (b+1) observations per step.
        double v = static_cast<double>((t / 15000) * static_cast<int64_t>(i % 10 + 1));
        auto r = app->Append(refs[i], ls[i], t, v);
        if (r.ok()) refs[i] = r.value();
      }
      (void)app->Commit();
    }
    return h;
  }();
  return head;
}

void BM_HistogramQuantile(benchmark::State& state) {
  tsdb::Head* head = BuildHistogramHead();
  Engine engine{EngineOptions{}};
  for (auto _ : state) {
    auto r = engine.RangeQuery(*head, "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))",
                               0, 3600 * 1000, 15000);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_HistogramQuantile)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ward::promql
BENCHMARK_MAIN();
