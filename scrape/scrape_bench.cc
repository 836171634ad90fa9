// Scrape-loop cost per sample on the etcd 3.4 fixture (../shared/fixtures):
// the whole Process() step (parse, cache lookup, append to a storage that
// does nothing, staleness bookkeeping, report) on an unchanged body, i.e. the
// steady state of a real target; and the first scrape (all cache misses).
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "scrape/scrape_loop.h"

namespace ward::scrape {
namespace {

const std::string& Etcd() {
  static const std::string body = [] {
    std::ifstream f(std::string(WARD_SOURCE_DIR) + "/../shared/fixtures/etcd-3.4-metrics.txt",
                    std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }();
  return body;
}

class NullAppender : public storage::Appender {
 public:
  Result<storage::SeriesRef> Append(storage::SeriesRef ref, const labels::Labels&, int64_t,
                                    double) override {
    return ref ? ref : ++next_;
  }
  Status Commit() override { return Status::OK(); }
  Status Rollback() override { return Status::OK(); }

 private:
  storage::SeriesRef next_ = 0;
};

class NullAppendable : public storage::Appendable {
 public:
  std::unique_ptr<storage::Appender> NewAppender() override {
    return std::make_unique<NullAppender>();
  }
};

struct Env {
  Env() : metrics(registry), client(Opts()) {
    cfg.job_name = "etcd";
    cfg.scrape_interval = 15000;
    cfg.scrape_timeout = 10000;
    cfg.scrape_protocols = {"PrometheusText0.0.4"};
  }
  static HttpClient::Options Opts() {
    HttpClient::Options o;
    o.workers = 1;
    return o;
  }
  std::shared_ptr<ScrapeLoop> NewLoop() {
    labels::Labels out, disc;
    PopulateLabels(labels::Labels({{"__address__", "etcd:2379"}}), cfg, &out, &disc).IgnoreError();
    auto t = std::make_shared<Target>(out, disc, cfg);
    return std::make_shared<ScrapeLoop>(t, std::make_shared<const config::ScrapeConfig>(cfg), app,
                                        client, metrics);
  }
  config::ScrapeConfig cfg;
  NullAppendable app;
  metrics::Registry registry;
  ScrapeMetrics metrics;
  HttpClient client;
};

HttpResponse Body() {
  HttpResponse r;
  r.body = Etcd();
  r.content_type = "text/plain; version=0.0.4";
  return r;
}

void BM_ScrapeUnchanged(benchmark::State& state) {
  if (Etcd().empty()) {
    state.SkipWithError("fixture etcd-3.4-metrics.txt not found under ../shared/fixtures");
    return;
  }
  Env env;
  auto loop = env.NewLoop();
  HttpResponse resp = Body();
  int64_t t = 1000;
  loop->Process(resp, t);
  for (auto _ : state) loop->Process(resp, t += 15000);
  state.SetBytesProcessed(state.iterations() * resp.body.size());
  state.counters["samples/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(loop->label_builds()),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ScrapeUnchanged);

void BM_ScrapeFirst(benchmark::State& state) {
  if (Etcd().empty()) {
    state.SkipWithError("fixture etcd-3.4-metrics.txt not found under ../shared/fixtures");
    return;
  }
  Env env;
  HttpResponse resp = Body();
  for (auto _ : state) {
    auto loop = env.NewLoop();
    loop->Process(resp, 1000);
  }
  state.SetBytesProcessed(state.iterations() * resp.body.size());
}
BENCHMARK(BM_ScrapeFirst);

}  // namespace
}  // namespace ward::scrape

BENCHMARK_MAIN();
