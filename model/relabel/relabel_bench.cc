// Cost of relabeling one series with typical rules (metric_relabel_configs
// run once per new series; target relabeling once per target per sync).
#include <benchmark/benchmark.h>

#include "model/relabel/relabel.h"

namespace ward::relabel {
namespace {

labels::Labels Series() {
  return labels::Labels{
      {"__name__", "http_requests_total"}, {"code", "200"},       {"handler", "/api/v1/query"},
      {"instance", "10.0.0.1:9090"},       {"job", "prometheus"}, {"method", "get"}};
}

std::vector<Config> Rules() {
  std::vector<Config> cfgs(3);
  cfgs[0].action = Action::kDrop;
  cfgs[0].source_labels = {"__name__"};
  (void)cfgs[0].SetRegex("go_.*|process_.*");
  cfgs[1].source_labels = {"instance"};
  (void)cfgs[1].SetRegex("([^:]+):\\d+");
  cfgs[1].target_label = "host";
  cfgs[2].action = Action::kLabelDrop;
  (void)cfgs[2].SetRegex("method");
  return cfgs;
}

void BM_Process(benchmark::State& state) {
  const labels::Labels in = Series();
  const std::vector<Config> cfgs = Rules();
  labels::Labels out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Process(in, cfgs, &out));
  }
}
BENCHMARK(BM_Process);

// The common metric_relabel_configs case: only drop rules, applied in place.
void BM_DropOnlyInPlace(benchmark::State& state) {
  labels::Labels ls = Series();
  std::vector<Config> cfgs(1);
  cfgs[0].action = Action::kDrop;
  cfgs[0].source_labels = {"__name__"};
  (void)cfgs[0].SetRegex("go_.*|process_.*");
  for (auto _ : state) {
    benchmark::DoNotOptimize(Process(ls, cfgs, &ls));
  }
}
BENCHMARK(BM_DropOnlyInPlace);

void BM_HashMod(benchmark::State& state) {
  const labels::Labels in = Series();
  std::vector<Config> cfgs(1);
  cfgs[0].action = Action::kHashMod;
  cfgs[0].source_labels = {"instance"};
  cfgs[0].target_label = "__tmp_hash";
  cfgs[0].modulus = 16;
  labels::Labels out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Process(in, cfgs, &out));
  }
}
BENCHMARK(BM_HashMod);

}  // namespace
}  // namespace ward::relabel

BENCHMARK_MAIN();
