// Benchmarks of PromQL parsing and printing (target `promql_parser_bench`).
#include <benchmark/benchmark.h>

#include <cstring>

#include "promql/parser/parse.h"

namespace ward::promql::parser {
namespace {

const char* kQueries[] = {
    "up",
    "sum by (job) (rate(http_requests_total{job=~\"api.*\", code!=\"200\"}[5m]))",
    "histogram_quantile(0.99, sum by (le, instance) (rate(etcd_disk_wal_fsync_duration_seconds_"
    "bucket{job=\"etcd\"}[5m]))) > 0.5",
    "max_over_time((node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes * 100)[1h:1m]) "
    "< on (instance) group_left (nodename) node_uname_info offset 5m",
};

void BM_ParseExpr(benchmark::State& state) {
  const char* q = kQueries[state.range(0)];
  for (auto _ : state) {
    auto e = ParseExpr(q);
    benchmark::DoNotOptimize(e);
  }
  state.SetBytesProcessed(state.iterations() * std::strlen(q));
}
BENCHMARK(BM_ParseExpr)->DenseRange(0, 3);

void BM_ToString(benchmark::State& state) {
  auto e = ParseExpr(kQueries[state.range(0)]);
  for (auto _ : state) {
    std::string s = ToString(**e);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_ToString)->DenseRange(0, 3);

}  // namespace
}  // namespace ward::promql::parser
BENCHMARK_MAIN();
