// Benchmarks for alert template expansion: a typical annotation parsed and
// executed per call (as rules do), a plain label (fast path), and a
// pre-parsed template executed repeatedly.
#include <benchmark/benchmark.h>

#include "template/expand.h"

namespace ward::tmpl {
namespace {

const labels::Labels kLabels{{"__name__", "up"}, {"instance", "etcd-1:2379"}, {"job", "etcd"}};
const labels::Labels kExt{{"cluster", "prod"}};
const QueryFunc kQuery = [](std::string_view) -> Result<std::vector<QuerySample>> {
  return std::vector<QuerySample>{};
};

AlertData Data() {
  AlertData d;
  d.labels = &kLabels;
  d.value = 0.25;
  d.external_labels = &kExt;
  d.external_url = "http://ward:9090";
  return d;
}

void BM_ExpandAnnotation(benchmark::State& state) {
  AlertData d = Data();
  for (auto _ : state) {
    benchmark::DoNotOptimize(ExpandAlertText("__alert_EtcdDown",
                                             "{{ $labels.instance }} of job {{ $labels.job }} is "
                                             "down ({{ $value | humanizePercentage }})",
                                             d, kQuery));
  }
}
BENCHMARK(BM_ExpandAnnotation);

void BM_ExpandPlainLabel(benchmark::State& state) {
  AlertData d = Data();
  for (auto _ : state)
    benchmark::DoNotOptimize(ExpandAlertText("__alert_EtcdDown", "critical", d, kQuery));
}
BENCHMARK(BM_ExpandPlainLabel);

void BM_ExecuteParsed(benchmark::State& state) {
  auto t =
      Template::Parse("t", "{{ .Labels.instance }} is down ({{ .Value | humanizePercentage }})");
  Value data = AlertTemplateData(&kLabels, &kExt, "http://ward:9090", 0.25);
  FuncEnv env;
  std::string out;
  for (auto _ : state) {
    out.clear();
    t->Execute(data, env, &out).IgnoreError();  // benchmark: the template is known good
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_ExecuteParsed);

}  // namespace
}  // namespace ward::tmpl

BENCHMARK_MAIN();
