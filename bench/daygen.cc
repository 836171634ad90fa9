// daygen: writes a day (or any span) of samples for N synthetic series to stdout, for the
// day-of-data disk benchmark (bench/run.py). Two output formats carry the SAME samples:
//   --format om    OpenMetrics text, timestamps in seconds, `# EOF` at the end: the input of
//                  `promtool/wardtool tsdb create-blocks-from openmetrics`;
//   --format prom  Prometheus text format 0.0.4, timestamps in milliseconds: the body of
//                  VictoriaMetrics' POST /api/v1/import/prometheus.
// Series look like ../shared/bench/synthgen's (same 30 counter and gauge families, labels
// cluster/zone/namespace/pod/method/code plus job/instance, same value models: integer and
// float counters with varying increments, integer and float random-walk gauges); classic
// histograms are left out because OpenMetrics wants a histogram's buckets grouped per
// timestamp, which does not fit the series-after-series order written here. Each family is
// written contiguously, each series from the first to the last timestamp, so the file is
// valid OpenMetrics. A summary line (JSON: series, samples, first/last timestamp) goes to
// stderr.
//
// Not part of the ward build or of `make test`: bench/run.py compiles it with g++ -O2.
// Thread safety: single-threaded program.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

enum Kind { kCounterInt, kCounterFloat, kGaugeInt, kGaugeFloat };

struct FamilyDef {
  const char* name;  // sample name as written (counters end in _total)
  Kind kind;
};

const FamilyDef kFamilies[] = {
    {"etcd_server_proposals_committed_total", kCounterInt},
    {"etcd_server_proposals_applied_total", kCounterInt},
    {"etcd_network_peer_sent_bytes_total", kCounterInt},
    {"etcd_network_peer_received_bytes_total", kCounterInt},
    {"etcd_mvcc_put_total", kCounterInt},
    {"etcd_mvcc_range_total", kCounterInt},
    {"etcd_mvcc_delete_total", kCounterInt},
    {"grpc_server_started_total", kCounterInt},
    {"grpc_server_handled_total", kCounterInt},
    {"grpc_server_msg_received_total", kCounterInt},
    {"grpc_server_msg_sent_total", kCounterInt},
    {"http_requests_total", kCounterInt},
    {"apiserver_request_total", kCounterInt},
    {"node_network_receive_bytes_total", kCounterInt},
    {"node_network_transmit_bytes_total", kCounterInt},
    {"node_disk_written_bytes_total", kCounterInt},
    {"process_cpu_seconds_total", kCounterFloat},
    {"node_cpu_seconds_total", kCounterFloat},
    {"container_cpu_usage_seconds_total", kCounterFloat},
    {"node_disk_io_time_seconds_total", kCounterFloat},
    {"etcd_mvcc_db_total_size_in_bytes", kGaugeInt},
    {"process_resident_memory_bytes", kGaugeInt},
    {"go_goroutines", kGaugeInt},
    {"node_memory_Active_bytes", kGaugeInt},
    {"container_memory_working_set_bytes", kGaugeInt},
    {"apiserver_current_inflight_requests", kGaugeInt},
    {"node_load1", kGaugeFloat},
    {"node_hwmon_temp_celsius", kGaugeFloat},
    {"etcd_server_slow_read_ratio", kGaugeFloat},
    {"container_spec_cpu_shares_ratio", kGaugeFloat},
};
constexpr int kNumFamilies = sizeof(kFamilies) / sizeof(kFamilies[0]);

const char* kZones[] = {"zone-a", "zone-b", "zone-c"};
const char* kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "LIST", "WATCH"};
const char* kCodes[] = {"200", "201", "404", "429", "500"};

// splitmix64: small, fast, deterministic per seed.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double Uniform() { return double(Next() >> 11) * (1.0 / 9007199254740992.0); }
};

// Kubernetes-style pod name: "<first word of family>-xxxxxx-xxxxx".
std::string PodName(const char* fam, uint64_t idx) {
  static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  uint64_t h = (idx + 1) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  const char* u = std::strchr(fam, '_');
  std::string s(fam, u ? size_t(u - fam) : std::strlen(fam));
  s += '-';
  for (int i = 0; i < 6; i++) { s += alphabet[h % 27]; h /= 27; }
  s += '-';
  for (int i = 0; i < 5; i++) { s += alphabet[h % 27]; h /= 27; }
  return s;
}

// Buffered stdout writer.
class Out {
 public:
  Out() : buf_(1 << 20) {}
  ~Out() { Flush(); }
  void Put(const char* p, size_t n) {
    if (len_ + n > buf_.size()) Flush();
    std::memcpy(buf_.data() + len_, p, n);
    len_ += n;
  }
  void Put(const std::string& s) { Put(s.data(), s.size()); }
  void Flush() {
    if (len_ && std::fwrite(buf_.data(), 1, len_, stdout) != len_) {
      std::perror("daygen: write");
      std::exit(1);
    }
    len_ = 0;
  }

 private:
  std::vector<char> buf_;
  size_t len_ = 0;
};

void Usage() {
  std::fprintf(stderr,
               "usage: daygen --format om|prom [--series N] [--instances K] --start UNIX_SECONDS\n"
               "              [--hours H] [--interval SECONDS] [--seed S]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  long series = 10000, instances = 10, hours = 24, interval = 15;
  long long start = -1;
  uint64_t seed = 42;
  std::string format;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto need = [&]() -> const char* {
      if (i + 1 >= argc) Usage();
      return argv[++i];
    };
    if (a == "--format") format = need();
    else if (a == "--series") series = std::atol(need());
    else if (a == "--instances") instances = std::atol(need());
    else if (a == "--start") start = std::atoll(need());
    else if (a == "--hours") hours = std::atol(need());
    else if (a == "--interval") interval = std::atol(need());
    else if (a == "--seed") seed = std::strtoull(need(), nullptr, 10);
    else Usage();
  }
  if ((format != "om" && format != "prom") || start < 0 || series <= 0 || instances <= 0 ||
      hours <= 0 || interval <= 0) {
    Usage();
  }
  const bool om = format == "om";
  const long steps = hours * 3600 / interval;
  // children per family so that families x children x instances ~= series
  const long children = (series + long(kNumFamilies) * instances - 1) / (long(kNumFamilies) * instances);

  Out out;
  uint64_t n_series = 0, n_samples = 0;
  char num[64];
  for (int f = 0; f < kNumFamilies; f++) {
    const FamilyDef& def = kFamilies[f];
    const bool counter = def.kind == kCounterInt || def.kind == kCounterFloat;
    if (om) {
      std::string fam(def.name);
      if (counter) fam.resize(fam.size() - 6);  // OpenMetrics family name without _total
      out.Put("# TYPE " + fam + (counter ? " counter\n" : " gauge\n"));
    }
    for (long c = 0; c < children; c++) {
      const int zone = int(c % 3), method = int((c / 3) % 7), code = int((c / 21) % 5);
      const long ns = (c / 105) % 8;
      for (long inst = 0; inst < instances; inst++) {
        const uint64_t idx = uint64_t(f) * children * instances + uint64_t(c) * instances + inst;
        std::string prefix = std::string(def.name) + "{cluster=\"bench\",zone=\"" + kZones[zone] +
                             "\",namespace=\"ns-" + std::to_string(ns) + "\",pod=\"" +
                             PodName(def.name, uint64_t(c) * 1000 + inst) + "\",method=\"" +
                             kMethods[method] + "\",code=\"" + kCodes[code] +
                             "\",job=\"node\",instance=\"10.1." + std::to_string(inst / 250) + "." +
                             std::to_string(inst % 250 + 1) + ":9100\"} ";
        Rng rng{seed * 0x100000001B3ull + idx};
        double val = 0, rate = 0;
        switch (def.kind) {
          case kCounterInt:
            rate = std::exp(rng.Uniform() * std::log(1000.0));
            val = std::floor(rng.Uniform() * 1e6);
            break;
          case kCounterFloat:
            rate = 0.001 + rng.Uniform() * 2.0;
            val = std::floor(rng.Uniform() * 1e5) / 100.0;
            break;
          case kGaugeInt: {
            double mag = std::exp(rng.Uniform() * std::log(1e9));
            val = std::floor(mag);
            rate = std::max(1.0, mag * 0.01);
            break;
          }
          case kGaugeFloat:
            val = rng.Uniform() * 100.0;
            rate = 0.5 + rng.Uniform();
            break;
        }
        for (long s = 0; s < steps; s++) {
          out.Put(prefix);
          auto r = std::to_chars(num, num + sizeof(num), val);
          out.Put(num, size_t(r.ptr - num));
          long long ts = start + s * interval;
          num[0] = ' ';
          r = std::to_chars(num + 1, num + sizeof(num), om ? ts : ts * 1000);
          *r.ptr++ = '\n';
          out.Put(num, size_t(r.ptr - num));
          // next value
          switch (def.kind) {
            case kCounterInt: {
              double inc = std::floor(rate * (0.5 + rng.Uniform()));
              val += inc < 1 ? 1 : inc;
              break;
            }
            case kCounterFloat:
              val += 0.01 + rate * rng.Uniform();
              break;
            case kGaugeInt: {
              double step = std::floor(rate * (rng.Uniform() * 2 - 1));
              if (step == 0) step = 1;
              double v = val + step;
              val = v < 0 ? -v : v;
              break;
            }
            case kGaugeFloat: {
              double v = val + rate * (rng.Uniform() * 2 - 1);
              val = v < 0 ? -v : v;
              break;
            }
          }
        }
        n_series++;
        n_samples += uint64_t(steps);
      }
    }
  }
  if (om) out.Put("# EOF\n", 6);
  out.Flush();
  std::fflush(stdout);
  std::fprintf(stderr,
               "{\"series\": %llu, \"samples\": %llu, \"first_ts\": %lld, \"last_ts\": %lld, "
               "\"interval\": %ld}\n",
               (unsigned long long)n_series, (unsigned long long)n_samples, start,
               start + (steps - 1) * interval, interval);
  return 0;
}
