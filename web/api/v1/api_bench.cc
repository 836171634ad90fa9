// Encoding cost of the API's biggest responses: a range query matrix
// (1000 series x 1000 points) and a series list. Run: api_v1_bench.
#include <benchmark/benchmark.h>

#include <string>

#include "model/labels/labels.h"
#include "promql/value.h"
#include "web/api/v1/json.h"

namespace ward::web::api::v1 {
namespace {

promql::Matrix MakeMatrix(int series, int points) {
  promql::Matrix m;
  for (int i = 0; i < series; i++) {
    promql::Series s;
    s.metric = labels::Labels({{"__name__", "http_requests_total"},
                               {"instance", "10.0.0." + std::to_string(i % 250) + ":9100"},
                               {"job", "node"},
                               {"code", std::to_string(200 + i % 5)}});
    for (int j = 0; j < points; j++) {
      s.floats.push_back({1690000000000 + j * 15000LL, 1234.5 + j * 0.25 + i});
    }
    m.push_back(std::move(s));
  }
  return m;
}

void BM_EncodeMatrix(benchmark::State& state) {
  promql::Matrix m = MakeMatrix(1000, 1000);
  std::string out;
  for (auto _ : state) {
    out.clear();
    JsonWriter w(&out);
    w.BeginArray();
    for (const auto& s : m) {
      w.BeginObject();
      w.Key("metric");
      w.LabelSet(s.metric);
      w.Key("values");
      w.BeginArray();
      for (const auto& p : s.floats) {
        w.BeginArray();
        w.Timestamp(p.t);
        w.SampleValue(p.f);
        w.EndArray();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 1000 * 1000);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_EncodeMatrix)->Unit(benchmark::kMillisecond);

void BM_EncodeLabelSets(benchmark::State& state) {
  promql::Matrix m = MakeMatrix(10000, 0);
  std::string out;
  for (auto _ : state) {
    out.clear();
    JsonWriter w(&out);
    w.BeginArray();
    for (const auto& s : m) w.LabelSet(s.metric);
    w.EndArray();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_EncodeLabelSets)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ward::web::api::v1

BENCHMARK_MAIN();
