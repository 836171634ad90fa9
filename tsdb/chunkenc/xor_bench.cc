// XOR chunk append and iterate throughput (samples/s), with a realistic
// scrape-like series: 15 s interval with jitter, slowly changing values.
#include <benchmark/benchmark.h>

#include <vector>

#include "tsdb/chunkenc/xor.h"

namespace ward::tsdb::chunkenc {
namespace {

struct Sample {
  int64_t t;
  double v;
};

std::vector<Sample> MakeSamples(int n) {
  std::vector<Sample> s;
  s.reserve(n);
  int64_t t = 1700000000000;
  double v = 1000;
  uint32_t r = 12345;
  for (int i = 0; i < n; ++i) {
    r = r * 1103515245 + 12345;
    t += 15000 + static_cast<int>(r % 7) - 3;
    if (r % 3 == 0) v += static_cast<double>(r % 100);
    s.push_back({t, v});
  }
  return s;
}

void BM_XORAppend(benchmark::State& state) {
  auto samples = MakeSamples(120);
  for (auto _ : state) {
    XORChunk c;
    for (const auto& s : samples) c.Append(s.t, s.v);
    benchmark::DoNotOptimize(c.Bytes().data());
  }
  state.SetItemsProcessed(state.iterations() * samples.size());
}
BENCHMARK(BM_XORAppend);

void BM_XORIterate(benchmark::State& state) {
  auto samples = MakeSamples(120);
  XORChunk c;
  for (const auto& s : samples) c.Append(s.t, s.v);
  for (auto _ : state) {
    auto it = c.NewIterator();
    double sum = 0;
    while (it.Next()) sum += it.AtV();
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * samples.size());
}
BENCHMARK(BM_XORIterate);

}  // namespace
}  // namespace ward::tsdb::chunkenc

BENCHMARK_MAIN();
