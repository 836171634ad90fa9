// Dense vs XOR chunks: iterating a day of one series (5760 samples at 15 s)
// stored as 48 XOR chunks of 120 samples or as one dense chunk, and the
// cost of encoding it. Args: 0 = integer counter, 1 = random-walk float gauge.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "tsdb/chunkenc/dense.h"
#include "tsdb/chunkenc/xor.h"

namespace ward::tsdb::chunkenc {
namespace {

constexpr int kDay = 5760;

void MakeDay(int kind, std::vector<int64_t>* t, std::vector<double>* v) {
  std::mt19937_64 r(7);
  std::uniform_real_distribution<double> u(0, 1);
  double x = kind == 0 ? 1e6 : 50;
  for (int i = 0; i < kDay; ++i) {
    t->push_back(1700000000000 + int64_t{i} * 15000);
    v->push_back(x);
    x += kind == 0 ? std::floor(100 * u(r)) : u(r) * 2 - 1;
  }
}

void BM_IterateDayXOR(benchmark::State& state) {
  std::vector<int64_t> t;
  std::vector<double> v;
  MakeDay(static_cast<int>(state.range(0)), &t, &v);
  std::vector<XORChunk> chunks;
  for (int i = 0; i < kDay; i += kSamplesPerChunk) {
    chunks.emplace_back();
    for (int j = i; j < i + kSamplesPerChunk; ++j) chunks.back().Append(t[j], v[j]);
  }
  size_t bytes = 0;
  for (const auto& c : chunks) bytes += c.Bytes().size();
  XORChunk::Iterator it;
  for (auto _ : state) {
    double sum = 0;
    for (const auto& c : chunks) {
      it.Reset(c.Bytes());
      while (it.Next()) sum += it.AtV();
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kDay);
  state.counters["bytes/sample"] = static_cast<double>(bytes) / kDay;
}
BENCHMARK(BM_IterateDayXOR)->Arg(0)->Arg(1);

void BM_IterateDayDense(benchmark::State& state) {
  std::vector<int64_t> t;
  std::vector<double> v;
  MakeDay(static_cast<int>(state.range(0)), &t, &v);
  std::string enc;
  if (!EncodeDense(t, v, &enc).ok()) state.SkipWithError("encode failed");
  DenseIterator it;
  for (auto _ : state) {
    double sum = 0;
    it.Reset(enc);
    while (it.Next()) sum += it.AtV();
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kDay);
  state.counters["bytes/sample"] = static_cast<double>(enc.size()) / kDay;
}
BENCHMARK(BM_IterateDayDense)->Arg(0)->Arg(1);

void BM_EncodeDayDense(benchmark::State& state) {
  std::vector<int64_t> t;
  std::vector<double> v;
  MakeDay(static_cast<int>(state.range(0)), &t, &v);
  std::string enc;
  for (auto _ : state) {
    if (!EncodeDense(t, v, &enc).ok()) state.SkipWithError("encode failed");
    benchmark::DoNotOptimize(enc.data());
  }
  state.SetItemsProcessed(state.iterations() * kDay);
}
BENCHMARK(BM_EncodeDayDense)->Arg(0)->Arg(1);

void BM_EncodeDayXOR(benchmark::State& state) {
  std::vector<int64_t> t;
  std::vector<double> v;
  MakeDay(static_cast<int>(state.range(0)), &t, &v);
  for (auto _ : state) {
    for (int i = 0; i < kDay; i += kSamplesPerChunk) {
      XORChunk c;
      for (int j = i; j < i + kSamplesPerChunk; ++j) c.Append(t[j], v[j]);
      benchmark::DoNotOptimize(c.Bytes().data());
    }
  }
  state.SetItemsProcessed(state.iterations() * kDay);
}
BENCHMARK(BM_EncodeDayXOR)->Arg(0)->Arg(1);

}  // namespace
}  // namespace ward::tsdb::chunkenc

BENCHMARK_MAIN();
