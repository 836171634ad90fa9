// Parse throughput on the etcd 3.4 fixture (../shared/fixtures), in bytes/s:
// Series() only (the scrape-cache-hit path) and with Metric() label building
// (the cache-miss path), for the text and OpenMetrics parsers.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "model/textparse/openmetricsparse.h"
#include "model/textparse/promparse.h"

namespace ward::textparse {
namespace {

const std::string& Etcd() {
  static const std::string body = [] {
    std::ifstream f(std::string(WARD_SOURCE_DIR) + "/../shared/fixtures/etcd-3.4-metrics.txt",
                    std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }();
  return body;
}

const std::string& EtcdOM() {
  static const std::string body = Etcd() + "# EOF\n";
  return body;
}

template <typename P>
void Run(benchmark::State& state, const std::string& body, bool build_labels) {
  if (Etcd().empty()) {
    state.SkipWithError("fixture etcd-3.4-metrics.txt not found under ../shared/fixtures");
    return;
  }
  labels::Labels ls;
  size_t series = 0;
  for (auto _ : state) {
    P p(body);
    for (;;) {
      Result<Entry> r = p.Next();
      if (!r.ok()) {
        state.SkipWithError(r.status().ToString().c_str());
        return;
      }
      if (*r == Entry::kEOF) break;
      if (*r != Entry::kSeries) continue;
      std::string_view s;
      std::optional<int64_t> ts;
      double v;
      p.Series(&s, &ts, &v);
      benchmark::DoNotOptimize(s.data());
      benchmark::DoNotOptimize(v);
      if (build_labels) {
        p.Metric(&ls);
        benchmark::DoNotOptimize(ls.size());
      }
      series++;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(body.size()));
  state.counters["series/s"] =
      benchmark::Counter(static_cast<double>(series), benchmark::Counter::kIsRate);
}

void BM_PromParse_SeriesOnly(benchmark::State& state) { Run<PromParser>(state, Etcd(), false); }
void BM_PromParse_WithLabels(benchmark::State& state) { Run<PromParser>(state, Etcd(), true); }
void BM_OpenMetricsParse_SeriesOnly(benchmark::State& state) {
  Run<OpenMetricsParser>(state, EtcdOM(), false);
}
void BM_OpenMetricsParse_WithLabels(benchmark::State& state) {
  Run<OpenMetricsParser>(state, EtcdOM(), true);
}

BENCHMARK(BM_PromParse_SeriesOnly);
BENCHMARK(BM_PromParse_WithLabels);
BENCHMARK(BM_OpenMetricsParse_SeriesOnly);
BENCHMARK(BM_OpenMetricsParse_WithLabels);

}  // namespace
}  // namespace ward::textparse

BENCHMARK_MAIN();
