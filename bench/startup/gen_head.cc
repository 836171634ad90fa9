// gen_head: fills a data directory through ward's TSDB with N series x S
// samples (15 s apart, ending now) and closes it cleanly, leaving the WAL,
// chunks_head and a chunk snapshot, for the startup benchmark (run.sh).
// Values are random walks, so chunks compress like real gauges/counters.
// Usage: gen_head DIR [SERIES=1000000] [SAMPLES=180]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "model/labels/labels.h"
#include "tsdb/db.h"

namespace {

uint64_t Next(uint64_t* s) {  // xorshift64*
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ULL;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ward;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [SERIES] [SAMPLES]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const int series = argc > 2 ? std::atoi(argv[2]) : 1'000'000;
  const int samples = argc > 3 ? std::atoi(argv[3]) : 180;
  tsdb::Options opts;
  opts.compaction_interval_ms = 0;  // keep everything in the head
  opts.wal_fsync_interval_ms = 0;
  auto db = tsdb::DB::Open(dir, opts);
  if (!db.ok()) {
    std::fprintf(stderr, "open: %s\n", db.status().ToString().c_str());
    return 1;
  }
  std::vector<labels::Labels> lsets;
  lsets.reserve(series);
  for (int i = 0; i < series; ++i) {
    lsets.push_back(labels::Labels{{"__name__", "bench_metric_" + std::to_string(i % 200)},
                                   {"instance", "host-" + std::to_string(i / 1000) + ":9100"},
                                   {"job", "node"},
                                   {"series_id", std::to_string(i)}});
  }
  std::vector<storage::SeriesRef> refs(series, 0);
  std::vector<double> vals(series, 0);
  uint64_t rng = 0x9e3779b97f4a7c15ULL;
  const int64_t step = 15'000;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t start = (now - samples * step) / step * step;
  auto t0 = std::chrono::steady_clock::now();
  const int kBatch = 5000;
  for (int r = 0; r < samples; ++r) {
    const int64_t t = start + r * step;
    for (int b = 0; b < series; b += kBatch) {
      auto app = (*db)->NewAppender();
      for (int i = b; i < std::min(series, b + kBatch); ++i) {
        uint64_t x = Next(&rng);
        // Half counters (integer steps), half gauges (noisy floats).
        vals[i] +=
            (i & 1) ? static_cast<double>(x % 100) : static_cast<double>(x % 2001) / 100.0 - 10;
        auto ref = app->Append(refs[i], lsets[i], t, vals[i]);
        if (!ref.ok()) {
          std::fprintf(stderr, "append: %s\n", ref.status().ToString().c_str());
          return 1;
        }
        refs[i] = *ref;
      }
      Status st = app->Commit();
      if (!st.ok()) {
        std::fprintf(stderr, "commit: %s\n", st.ToString().c_str());
        return 1;
      }
    }
    if (r % 20 == 0) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "round %d/%d, %.1fs\n", r, samples, secs);
    }
  }
  auto t1 = std::chrono::steady_clock::now();
  Status st = (*db)->Close();
  auto t2 = std::chrono::steady_clock::now();
  if (!st.ok()) {
    std::fprintf(stderr, "close: %s\n", st.ToString().c_str());
    return 1;
  }
  std::printf("appended %d series x %d samples in %.1fs; close (with chunk snapshot) %.1fs\n",
              series, samples, std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double>(t2 - t1).count());
  return 0;
}
