// ScrapeLoop: scrapes one target every interval (first scrape offset by the
// target's hash) through the shared HttpClient, parses the body (parser
// picked from Content-Type), maps each series through the ScrapeCache
// (target labels, honor_labels / exported_ conflicts, metric relabeling run
// only on a cache miss), appends the samples and the five report series (up,
// scrape_duration_seconds, scrape_samples_scraped,
// scrape_samples_post_metric_relabeling, scrape_series_added) in one batch,
// and writes staleness markers for series that disappeared, for every series
// when a scrape fails, and for all its series when the target is removed.
// Thread safety: Start/Stop/Wait/SetForcedError are thread-safe; at most one
// scrape of a loop runs at a time, on an HttpClient worker.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/labels/labels.h"
#include "model/relabel/relabel.h"
#include "scrape/http_client.h"
#include "scrape/scrape_cache.h"
#include "scrape/scrape_metrics.h"
#include "scrape/target.h"
#include "storage/interface.h"
#include "util/log.h"

namespace ward::scrape {

// Applies target labels to a scraped series and then metric_relabel_configs,
// as Prometheus's mutateSampleLabels: with `honor_labels` the scraped labels
// win; otherwise target labels win and a clashing scraped label is kept as
// exported_<name> (more exported_ prefixes while that name is taken).
// Returns false when relabeling dropped the series.
bool MutateSampleLabels(const labels::Labels& scraped, const labels::Labels& target,
                        bool honor_labels, const std::vector<relabel::Config>& metric_relabel,
                        labels::Labels* out);

// Checks label_limit, label_name_length_limit and label_value_length_limit
// (0 = no limit), with Prometheus's messages.
Status CheckLabelLimits(const labels::Labels& lset, const config::ScrapeConfig& cfg);

class ScrapeLoop : public std::enable_shared_from_this<ScrapeLoop> {
 public:
  // The references must outlive the loop and every closure it queues on
  // `client` (HttpClient::Stop drops those).
  ScrapeLoop(std::shared_ptr<Target> target, std::shared_ptr<const config::ScrapeConfig> cfg,
             storage::Appendable& app, HttpClient& client, ScrapeMetrics& metrics);

  // Schedules the first scrape after target->Offset(offset_seed).
  void Start(uint64_t offset_seed);

  // Stops scraping; returns at once. With `write_stale_markers` (target
  // removed) every series of the last successful scrape and the report
  // series get a StaleNaN at the current time, after any running scrape.
  // Idempotent.
  void Stop(bool write_stale_markers);

  // Blocks until a stopped loop has finished its last scrape and markers.
  // REQUIRES: Stop() was called (or will be, from another thread).
  void Wait();
  // True once a stopped loop has finished (Wait would not block).
  bool finished() const;

  // Moves the scrape cache out of a finished loop so its successor after a
  // reload starts warm (no label building, staleness continues). Returns
  // false, leaving *out alone, when the loop has not finished.
  bool TakeCache(ScrapeCache* out);
  // REQUIRES: Start() not called yet.
  void AdoptCache(ScrapeCache cache) {
    cache_ = std::move(cache);
    PublishMetadata();
  }

  // While set, scrapes do not run and report up=0 with this error (the pool's
  // target_limit was exceeded). OK clears it.
  void SetForcedError(Status err);

  // Handles one finished scrape that started at `start_ms` (Unix ms): the
  // whole append, report and staleness step. Used by the loop; tests call it
  // directly on a loop that was never started.
  void Process(const HttpResponse& resp, int64_t start_ms);

  const std::shared_ptr<Target>& target() const { return target_; }
  // Times the parser had to build a label set (scrape-cache misses).
  uint64_t label_builds() const { return label_builds_.load(std::memory_order_relaxed); }
  size_t cache_size() const;

 private:
  struct AppendResult {
    uint64_t total = 0;         // samples in the body
    uint64_t added = 0;         // samples left after metric relabeling
    uint64_t series_added = 0;  // series new to the cache
    Status err;
  };
  enum ReportSeries { kUp, kDuration, kSamplesScraped, kPostRelabel, kSeriesAdded, kNumReport };

  AppendResult AppendBody(storage::Appender& app, std::string_view body,
                          std::string_view content_type, int64_t t_ms);
  void Report(storage::Appender& app, int64_t t_ms, std::chrono::nanoseconds duration,
              const AppendResult& res, bool up);
  void AppendReport(storage::Appender& app, int i, int64_t t_ms, double v);
  void Tick();
  void OnResponse(HttpResponse resp);
  void ScheduleNext();
  void FinishStop();
  int64_t AlignedScrapeTime(int64_t now_ms);
  void WriteEndOfRunStaleness();
  // Hands the cache's metadata to the target (for the API).
  void PublishMetadata();

  const std::shared_ptr<Target> target_;
  const std::shared_ptr<const config::ScrapeConfig> cfg_;
  storage::Appendable& app_;
  HttpClient& client_;
  ScrapeMetrics& metrics_;
  const log::Logger log_;
  metrics::Histogram& interval_hist_;

  // Scrape state: touched only by the single running scrape (or the stop
  // path once no scrape runs).
  ScrapeCache cache_;
  labels::Labels report_lsets_[kNumReport];
  storage::SeriesRef report_refs_[kNumReport] = {};
  bool reported_once_ = false;
  // Timestamp of the last scrape written; end-of-run markers go after it.
  int64_t last_scrape_ms_ = 0;
  // The expected scrape time that timestamps are aligned to (0: none yet).
  int64_t aligned_ms_ = 0;
  int64_t start_ms_ = 0;
  std::chrono::steady_clock::time_point next_tick_;
  std::chrono::steady_clock::time_point last_tick_;
  labels::Labels scratch_;
  std::string help_scratch_;  // unescaped HELP text, reused
  std::atomic<uint64_t> label_builds_{0};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;        // guarded by mu_
  bool stale_on_stop_ = false;  // guarded by mu_
  bool in_flight_ = false;      // guarded by mu_
  bool done_ = false;           // guarded by mu_
  Status forced_err_;           // guarded by mu_
  size_t cache_size_ = 0;       // guarded by mu_ (copy for readers)
};

// The timestamp for a scrape starting at now_ms: the expected tick
// (*anchor_ms + k * interval_ms) when now_ms is within 2 ms of it, else now_ms,
// which becomes the new anchor. Intervals of 200 ms or less are not aligned.
int64_t AlignScrapeTime(int64_t now_ms, int64_t interval_ms, int64_t* anchor_ms);

}  // namespace ward::scrape
