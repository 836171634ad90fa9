// head_mem_bench: resident memory per active series of an in-memory head,
// under a synthgen-like workload (../shared/bench/synthgen): ~10 labels per
// series (__name__, cluster, zone, namespace, pod, method, code, job,
// instance and a unique series_id), values of counters and gauges that
// change on every scrape, timestamps 15 s apart with a few ms of jitter.
// Each "scrape" appends one sample to every series through HeadAppender,
// in batches of one target's series (one commit each), with refs cached
// after the first scrape exactly as the scrape loop does.
//
// Prints process RSS and malloc'ed bytes per series after the series are
// created and after all samples, and the CPU time per appended sample of
// the cached-ref scrapes. Usage:
//   head_mem_bench [--series N] [--samples K] [--target-size T] [--no-id]
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "tsdb/head.h"

namespace ward::tsdb {
namespace {

const char* const kFamilies[] = {
    "etcd_server_proposals_committed_total", "etcd_network_peer_sent_bytes_total",
    "etcd_mvcc_put_total",                   "grpc_server_handled_total",
    "grpc_server_msg_received_total",        "http_requests_total",
    "apiserver_request_total",               "node_network_receive_bytes_total",
    "node_disk_written_bytes_total",         "process_cpu_seconds_total",
    "node_cpu_seconds_total",                "container_cpu_usage_seconds_total",
    "etcd_mvcc_db_total_size_in_bytes",      "process_resident_memory_bytes",
    "go_goroutines",                         "container_memory_working_set_bytes",
    "apiserver_current_inflight_requests",   "node_hwmon_temp_celsius",
    "etcd_server_slow_read_ratio",           "container_spec_cpu_shares_ratio",
};
constexpr int kNumFamilies = sizeof(kFamilies) / sizeof(kFamilies[0]);
const char* const kZones[] = {"zone-a", "zone-b", "zone-c"};
const char* const kMethods[] = {"GET", "PUT", "POST", "DELETE", "PATCH", "LIST", "WATCH"};
const char* const kCodes[] = {"200", "201", "404", "429", "500"};

uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

std::string PodName(int fam, uint64_t pod) {
  static const char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  uint64_t h = Mix(pod * 131 + static_cast<uint64_t>(fam));
  std::string s(kFamilies[fam], std::strchr(kFamilies[fam], '_') - kFamilies[fam]);
  s += '-';
  for (int i = 0; i < 6; ++i, h /= 27) s += kAlphabet[h % 27];
  s += '-';
  for (int i = 0; i < 5; ++i, h /= 27) s += kAlphabet[h % 27];
  return s;
}

// The labels of series i (of a target of `target_size` series).
labels::Labels SeriesLabels(uint64_t i, int target_size, bool with_id) {
  const uint64_t target = i / static_cast<uint64_t>(target_size);
  const uint64_t j = i % static_cast<uint64_t>(target_size);
  const int fam = static_cast<int>(j % kNumFamilies);
  const uint64_t child = j / kNumFamilies;
  const uint64_t rest = child / (3 * 7 * 5);
  labels::Builder b;
  b.Set("__name__", kFamilies[fam]);
  b.Set("cluster", "bench");
  b.Set("zone", kZones[child % 3]);
  b.Set("namespace", "ns-" + std::to_string(rest % 8));
  b.Set("pod", PodName(fam, rest));
  b.Set("method", kMethods[(child / 3) % 7]);
  b.Set("code", kCodes[(child / 21) % 5]);
  b.Set("job", "synthgen");
  b.Set("instance", "synthgen-" + std::to_string(target) + ":9100");
  if (with_id) b.Set("series_id", std::to_string(i));
  return b.Build();
}

// Value of sample k of series i: int counters, float counters, int and
// float gauges, changing on every scrape as synthgen's do.
double SampleValue(uint64_t i, int k) {
  const uint64_t h = Mix(i * 1'000'003 + static_cast<uint64_t>(k));
  const uint64_t rate = 1 + Mix(i) % 1000;
  switch (i % 4) {
    case 0:  // integer counter
      return static_cast<double>(Mix(i) % 1'000'000 + static_cast<uint64_t>(k) * rate + h % rate);
    case 1:  // float seconds counter
      return static_cast<double>(Mix(i) % 100'000) / 100.0 + k * (rate / 500.0) +
             static_cast<double>(h % 1000) / 1e4;
    case 2:  // integer gauge random walk
      return static_cast<double>(Mix(i) % 1'000'000'000 + h % (10 * rate));
    default:  // float gauge
      return static_cast<double>(h % 1'000'000) / 1e4;
  }
}

struct Mem {
  double rss = 0;   // bytes
  double heap = 0;  // bytes handed out by malloc
};

Mem Measure() {
  Mem m;
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  m.rss = static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
  struct mallinfo2 mi = mallinfo2();
  m.heap = static_cast<double>(mi.uordblks + mi.hblkhd);
  return m;
}

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int Run(uint64_t n, int samples, int target_size, bool with_id) {
  std::vector<storage::SeriesRef> refs(n, 0);
  const Mem base = Measure();
  auto head = std::make_unique<Head>(HeadOptions{}, nullptr, nullptr);
  const labels::Labels none;
  double cpu_cached = 0;
  uint64_t cached_samples = 0;
  Mem after_create;
  for (int k = 0; k < samples; ++k) {
    const double cpu0 = CpuSeconds();
    for (uint64_t start = 0; start < n; start += static_cast<uint64_t>(target_size)) {
      const uint64_t end = std::min<uint64_t>(n, start + static_cast<uint64_t>(target_size));
      const int64_t t = int64_t{k} * 15'000 + static_cast<int64_t>(Mix(start + k) % 7);
      auto app = head->NewAppender();
      for (uint64_t i = start; i < end; ++i) {
        Result<storage::SeriesRef> r =
            refs[i] != 0 ? app->Append(refs[i], none, t, SampleValue(i, k))
                         : app->Append(0, SeriesLabels(i, target_size, with_id), t, SampleValue(i, k));
        if (!r.ok()) {
          std::fprintf(stderr, "append: %s\n", r.status().ToString().c_str());
          return 1;
        }
        refs[i] = *r;
      }
      Status st = app->Commit();
      if (!st.ok()) {
        std::fprintf(stderr, "commit: %s\n", st.ToString().c_str());
        return 1;
      }
    }
    if (k == 0) {
      after_create = Measure();
    } else {
      cpu_cached += CpuSeconds() - cpu0;
      cached_samples += n;
    }
  }
  const Mem end = Measure();
  const double dn = static_cast<double>(n);
  std::printf("series=%" PRIu64 " samples/series=%d target_size=%d unique_id_label=%s\n", n,
              samples, target_size, with_id ? "yes" : "no");
  std::printf("after 1st scrape: rss/series=%.1f B heap/series=%.1f B\n",
              (after_create.rss - base.rss) / dn, (after_create.heap - base.heap) / dn);
  std::printf("after %d scrapes: rss/series=%.1f B heap/series=%.1f B\n", samples,
              (end.rss - base.rss) / dn, (end.heap - base.heap) / dn);
  // Where the bytes go: the series blocks (header + packed label ids) and
  // the open chunks' buffers, as malloc hands them out (usable size + its
  // 8-byte header); the rest of the heap is the indexes (hash stripes, id
  // array, postings, symbols).
  double series_bytes = 0, chunk_bytes = 0, chunk_used = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const MemSeries* s = head->GetByRef(refs[i]);
    if (s == nullptr) continue;
    series_bytes += static_cast<double>(malloc_usable_size(const_cast<MemSeries*>(s)) + 8);
    if (s->head_chunk.has_value()) {
      chunk_bytes += static_cast<double>(s->head_chunk->capacity() + 8);
      chunk_used += static_cast<double>(s->head_chunk->Bytes().size());
    }
  }
  const double heap = (end.heap - base.heap) / dn;
  std::printf("breakdown/series: series block %.1f B (header %zu B + label ids), open chunk %.1f B "
              "(%.1f B of data), indexes+symbols %.1f B\n",
              series_bytes / dn, sizeof(MemSeries), chunk_bytes / dn, chunk_used / dn,
              heap - series_bytes / dn - chunk_bytes / dn);
  if (cached_samples > 0) {
    std::printf("append cpu (cached refs): %.1f ns/sample\n",
                cpu_cached * 1e9 / static_cast<double>(cached_samples));
  }
  return 0;
}

}  // namespace
}  // namespace ward::tsdb

int main(int argc, char** argv) {
  uint64_t n = 1'000'000;
  int samples = 16;
  int target_size = 2000;
  bool with_id = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--series" && i + 1 < argc) {
      n = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--samples" && i + 1 < argc) {
      samples = std::atoi(argv[++i]);
    } else if (a == "--target-size" && i + 1 < argc) {
      target_size = std::atoi(argv[++i]);
    } else if (a == "--no-id") {
      with_id = false;
    } else {
      std::fprintf(stderr,
                   "usage: head_mem_bench [--series N] [--samples K] [--target-size T] [--no-id]\n");
      return 2;
    }
  }
  if (n == 0 || samples <= 0 || target_size <= 0) return 2;
  return ward::tsdb::Run(n, samples, target_size, with_id);
}
