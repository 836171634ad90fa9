// promql_query_bench: the 11 PromQL queries of the side-by-side benchmark
// (../shared/bench/run.py, QUERIES) over an in-memory tsdb::Head filled the
// way synthgen's targets fill it (same metric families, label sets and value
// models; every series scraped every 15 s). Queries run as the HTTP API runs
// them: parse, then Engine::InstantQuery / RangeQuery over the parsed
// expression, instant ones at the end of the data with a 1m rate window,
// range ones over it at a 15 s step.
//
//   promql_query_bench                       # 100k series (20 targets x 5000)
//   promql_query_bench --series=1000000      # 1M series (100 targets x 10000)
//   promql_query_bench --samples=20 --benchmark_filter=count_series
//
// Our own flags (--series, --samples) are read before Google Benchmark's.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "promql/engine.h"
#include "promql/parser/parse.h"
#include "tsdb/head.h"

namespace ward::promql {
namespace {

// ---- the synthetic targets (after synthgen.cpp) ----

enum class Kind { kCounterInt, kCounterFloat, kGaugeInt, kGaugeFloat, kHistogram };

struct FamilyDef {
  const char* name;
  Kind kind;
};

constexpr FamilyDef kFamilies[] = {
    {"etcd_server_proposals_committed_total", Kind::kCounterInt},
    {"etcd_server_proposals_applied_total", Kind::kCounterInt},
    {"etcd_network_peer_sent_bytes_total", Kind::kCounterInt},
    {"etcd_network_peer_received_bytes_total", Kind::kCounterInt},
    {"etcd_mvcc_put_total", Kind::kCounterInt},
    {"etcd_mvcc_range_total", Kind::kCounterInt},
    {"etcd_mvcc_delete_total", Kind::kCounterInt},
    {"grpc_server_started_total", Kind::kCounterInt},
    {"grpc_server_handled_total", Kind::kCounterInt},
    {"grpc_server_msg_received_total", Kind::kCounterInt},
    {"grpc_server_msg_sent_total", Kind::kCounterInt},
    {"http_requests_total", Kind::kCounterInt},
    {"apiserver_request_total", Kind::kCounterInt},
    {"node_network_receive_bytes_total", Kind::kCounterInt},
    {"node_network_transmit_bytes_total", Kind::kCounterInt},
    {"node_disk_written_bytes_total", Kind::kCounterInt},
    {"process_cpu_seconds_total", Kind::kCounterFloat},
    {"node_cpu_seconds_total", Kind::kCounterFloat},
    {"container_cpu_usage_seconds_total", Kind::kCounterFloat},
    {"node_disk_io_time_seconds_total", Kind::kCounterFloat},
    {"etcd_mvcc_db_total_size_in_bytes", Kind::kGaugeInt},
    {"process_resident_memory_bytes", Kind::kGaugeInt},
    {"go_goroutines", Kind::kGaugeInt},
    {"node_memory_Active_bytes", Kind::kGaugeInt},
    {"container_memory_working_set_bytes", Kind::kGaugeInt},
    {"apiserver_current_inflight_requests", Kind::kGaugeInt},
    {"node_load1", Kind::kGaugeFloat},
    {"node_hwmon_temp_celsius", Kind::kGaugeFloat},
    {"etcd_server_slow_read_ratio", Kind::kGaugeFloat},
    {"container_spec_cpu_shares_ratio", Kind::kGaugeFloat},
    {"etcd_disk_wal_fsync_duration_seconds", Kind::kHistogram},
    {"etcd_disk_backend_commit_duration_seconds", Kind::kHistogram},
    {"grpc_server_handling_seconds", Kind::kHistogram},
    {"apiserver_request_duration_seconds", Kind::kHistogram},
};
constexpr const char* kZones[] = {"zone-a", "zone-b", "zone-c"};
constexpr const char* kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "LIST", "WATCH"};
constexpr const char* kCodes[] = {"200", "201", "404", "429", "500"};
constexpr const char* kLe[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                               "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
constexpr double kLeVal[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 1e300};
constexpr int kBuckets = 12;
constexpr int kHistSeries = kBuckets + 2;  // buckets, _sum, _count
constexpr int64_t kIntervalMs = 15000;
constexpr int64_t kT0 = 1764000000000;  // 2025-11-24T16:00:00Z

struct Rng {
  uint64_t s;
  uint64_t Next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }
};

// One exposed series of a target: its labels (without instance/job) and
// how its value moves.
struct SeriesDef {
  std::vector<std::pair<std::string, std::string>> labels;
  Kind kind;
  int hist_part = -1;  // histogram: bucket index, kBuckets (_sum), kBuckets+1 (_count)
};

std::string PodName(std::string_view family, uint64_t idx) {
  static const char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  uint64_t h = (idx + 1) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  std::string s(family.substr(0, family.find('_')));
  s += '-';
  for (int i = 0; i < 6; i++, h /= 27) s += kAlphabet[h % 27];
  s += '-';
  for (int i = 0; i < 5; i++, h /= 27) s += kAlphabet[h % 27];
  return s;
}

std::vector<SeriesDef> TargetLayout(int per_target) {
  int n_counter = 0, n_gauge = 0, n_hist = 0;
  for (const FamilyDef& d : kFamilies) {
    if (d.kind == Kind::kHistogram) {
      n_hist++;
    } else if (d.kind == Kind::kGaugeInt || d.kind == Kind::kGaugeFloat) {
      n_gauge++;
    } else {
      n_counter++;
    }
  }
  std::vector<SeriesDef> out;
  for (const FamilyDef& d : kFamilies) {
    const bool hist = d.kind == Kind::kHistogram;
    double share = hist                                                         ? 0.10 / n_hist
                   : (d.kind == Kind::kGaugeInt || d.kind == Kind::kGaugeFloat) ? 0.30 / n_gauge
                                                                                : 0.60 / n_counter;
    const double want = share * per_target;
    const int children =
        std::max(1, static_cast<int>(std::lround(hist ? want / kHistSeries : want)));
    for (int j = 0; j < children; j++) {
      int rest = j / 21;
      int code = 0;
      if (!hist) {
        code = rest % 5;
        rest /= 5;
      }
      std::vector<std::pair<std::string, std::string>> base = {
          {"cluster", "bench"},
          {"zone", kZones[j % 3]},
          {"namespace", "ns-" + std::to_string(rest % 8)},
          {"pod", PodName(d.name, rest)},
          {"method", kMethods[(j / 3) % 7]}};
      if (!hist) base.push_back({"code", kCodes[code]});
      if (!hist) {
        SeriesDef s{base, d.kind};
        s.labels.push_back({"__name__", d.name});
        out.push_back(std::move(s));
        continue;
      }
      for (int p = 0; p < kHistSeries; p++) {
        SeriesDef s{base, d.kind, p};
        std::string name = d.name;
        if (p < kBuckets) {
          name += "_bucket";
          s.labels.push_back({"le", kLe[p]});
        } else {
          name += p == kBuckets ? "_sum" : "_count";
        }
        s.labels.push_back({"__name__", name});
        out.push_back(std::move(s));
      }
    }
  }
  return out;
}

struct BenchHead {
  std::unique_ptr<tsdb::Head> head;
  int64_t t_start = 0, t_eval = 0;
  size_t series = 0;
};

int g_series = 100000;
int g_samples = 16;

// Fills the head scrape by scrape, as the scrape loops would.
BenchHead* Build() {
  static BenchHead* built = [] {
    auto* bh = new BenchHead;
    bh->head = std::make_unique<tsdb::Head>(tsdb::HeadOptions{}, nullptr, nullptr);
    const int per_target = g_series >= 1000000 ? 10000 : 5000;
    const int targets = std::max(1, (g_series + per_target - 1) / per_target);
    const std::vector<SeriesDef> layout = TargetLayout(per_target);
    const size_t n = layout.size();
    std::vector<labels::Labels> lsets;
    lsets.reserve(n * targets);
    for (int t = 0; t < targets; t++) {
      const std::string instance = "127.0.0.1:" + std::to_string(19100 + t);
      for (const SeriesDef& d : layout) {
        std::vector<labels::Label> ls;
        for (const auto& [k, v] : d.labels) ls.push_back({k, v});
        ls.push_back({"instance", instance});
        ls.push_back({"job", "bench"});
        lsets.emplace_back(std::move(ls));
      }
    }
    std::vector<double> val(n * targets), rate(n * targets);
    std::vector<Rng> rng(targets);
    for (int t = 0; t < targets; t++) {
      rng[t].s = 42 * 1000003ull + t + 1;
      for (size_t i = 0; i < n; i++) {
        double& v = val[t * n + i];
        double& r = rate[t * n + i];
        switch (layout[i].kind) {
          case Kind::kCounterInt:
            r = std::exp(rng[t].Uniform() * std::log(1000.0));
            v = std::floor(rng[t].Uniform() * 1e6);
            break;
          case Kind::kCounterFloat:
            r = 0.001 + rng[t].Uniform() * 2.0;
            v = std::floor(rng[t].Uniform() * 1e5) / 100.0;
            break;
          case Kind::kGaugeInt: {
            const double mag = std::exp(rng[t].Uniform() * std::log(1e9));
            v = std::floor(mag);
            r = std::max(1.0, mag * 0.01);
            break;
          }
          case Kind::kGaugeFloat:
            v = rng[t].Uniform() * 100.0;
            r = 0.5 + rng[t].Uniform();
            break;
          case Kind::kHistogram:
            v = 0;
            r = layout[i].hist_part == 0 ? 1 + rng[t].Uniform() * 50
                                         : 0.002 + rng[t].Uniform() * 0.2;
            break;
        }
      }
    }
    std::vector<storage::SeriesRef> refs(n * targets, 0);
    for (int k = 0; k < g_samples; k++) {
      for (int t = 0; t < targets; t++) {
        Rng& r = rng[t];
        double* v = &val[t * n];
        const double* rt = &rate[t * n];
        for (size_t i = 0; i < n; i++) {
          switch (layout[i].kind) {
            case Kind::kCounterInt: {
              const double inc = std::floor(rt[i] * (0.5 + r.Uniform()));
              v[i] += inc < 1 ? 1 : inc;
              break;
            }
            case Kind::kCounterFloat:
              v[i] += 0.01 + rt[i] * r.Uniform();
              break;
            case Kind::kGaugeInt: {
              double step = std::floor(rt[i] * (r.Uniform() * 2 - 1));
              if (step == 0) step = 1;
              v[i] = std::fabs(v[i] + step);
              break;
            }
            case Kind::kGaugeFloat:
              v[i] = std::fabs(v[i] + rt[i] * (r.Uniform() * 2 - 1));
              break;
            case Kind::kHistogram:
              if (layout[i].hist_part == 0) {
                // One histogram child: observations spread around a
                // typical latency, cumulated into its bucket series.
                const int obs = 1 + static_cast<int>(rt[i] * r.Uniform());
                const double typical = rt[i + 1];
                double sum = 0;
                int counts[kBuckets] = {0};
                for (int o = 0; o < obs; o++) {
                  const double x = typical * std::exp((r.Uniform() * 2 - 1) * 2.5);
                  sum += x;
                  int b = 0;
                  while (x > kLeVal[b]) b++;
                  counts[b]++;
                }
                double cum = 0;
                for (int b = 0; b < kBuckets; b++) {
                  cum += counts[b];
                  v[i + b] += cum;
                }
                v[i + kBuckets] += sum;
                v[i + kBuckets + 1] += obs;
              }
              break;
          }
        }
        // Targets are scraped at slightly different offsets.
        const int64_t ts = kT0 + k * kIntervalMs + (t * 137) % 1000;
        std::unique_ptr<storage::Appender> app = bh->head->NewAppender();
        for (size_t i = 0; i < n; i++) {
          const size_t idx = t * n + i;
          Result<storage::SeriesRef> ref = app->Append(refs[idx], lsets[idx], ts, v[i]);
          if (ref.ok()) refs[idx] = ref.value();
        }
        if (!app->Commit().ok()) {
          fprintf(stderr, "commit failed\n");
          std::exit(1);
        }
      }
    }
    bh->series = n * targets;
    // As run.py: queries start two intervals after the first scrape and
    // end two intervals before the last one.
    const int64_t t_end = kT0 + g_samples * kIntervalMs;
    bh->t_start = kT0 + 2 * kIntervalMs;
    bh->t_eval = t_end - 2 * kIntervalMs;
    return bh;
  }();
  return built;
}

// ---- the queries (run.py's QUERIES; {w} is 1m at both bench scales) ----

struct BenchQuery {
  const char* name;
  bool range;
  const char* expr;
};

constexpr BenchQuery kQueries[] = {
    {"count_series", false, R"(count({cluster="bench"}))"},
    {"sum_rate_by_zone", false, R"(sum by (zone) (rate(http_requests_total[1m])))"},
    {"sum_gauge_by_namespace", false, R"(sum by (namespace) (container_memory_working_set_bytes))"},
    {"histogram_p99_by_method", false,
     R"(histogram_quantile(0.99, sum by (le, method) (rate(etcd_disk_wal_fsync_duration_seconds_bucket[1m]))))"},
    {"topk10_rate", false, R"(topk(10, rate(grpc_server_handled_total[1m])))"},
    {"regex_label_matchers", false,
     R"(sum by (code) (rate(apiserver_request_total{method=~"GET|LIST|WATCH",code=~"5.."}[1m])))"},
    {"name_regex_count_by_name", false,
     R"(count by (__name__) ({__name__=~"etcd_.+",zone="zone-a"}))"},
    {"range_rate_by_instance", true, R"(sum by (instance) (rate(http_requests_total[1m])))"},
    {"range_histogram_p90", true,
     R"(histogram_quantile(0.9, sum by (le) (rate(grpc_server_handling_seconds_bucket[1m]))))"},
    {"range_avg_gauge_by_zone", true, R"(avg by (zone) (node_memory_Active_bytes))"},
    {"range_name_regex_max", true,
     R"(max by (__name__, zone) ({__name__=~"node_.+",cluster="bench"}))"},
};

void RunQuery(benchmark::State& state, const BenchQuery* q) {
  BenchHead* bh = Build();
  Engine engine{EngineOptions{}};
  size_t series = 0, points = 0;
  for (auto _ : state) {
    Result<parser::ExprPtr> e = parser::ParseExpr(q->expr, engine.ParseOpts());
    if (!e.ok()) {
      state.SkipWithError(e.status().ToString().c_str());
      return;
    }
    Result<QueryResult> r =
        q->range ? engine.RangeQuery(*bh->head, *e.value(), bh->t_start, bh->t_eval, kIntervalMs)
                 : engine.InstantQuery(*bh->head, *e.value(), bh->t_eval);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    series = 0;
    points = 0;
    if (const auto* v = std::get_if<Vector>(&r.value().value)) {
      series = points = v->size();
    } else if (const auto* m = std::get_if<Matrix>(&r.value().value)) {
      series = m->size();
      for (const Series& s : *m) points += s.floats.size();
    }
    benchmark::DoNotOptimize(r);
  }
  state.counters["head_series"] = static_cast<double>(bh->series);
  state.counters["result_series"] = static_cast<double>(series);
  state.counters["result_points"] = static_cast<double>(points);
}

}  // namespace
}  // namespace ward::promql

int main(int argc, char** argv) {
  using namespace ward::promql;
  // Take our flags out before Google Benchmark sees the rest.
  int out = 1;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--series=", 9) == 0) {
      g_series = std::max(1, atoi(argv[i] + 9));
    } else if (strncmp(argv[i], "--samples=", 10) == 0) {
      g_samples = std::max(6, atoi(argv[i] + 10));
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  for (const BenchQuery& q : kQueries) {
    benchmark::RegisterBenchmark(q.name, RunQuery, &q)->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
