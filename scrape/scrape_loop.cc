#include "scrape/scrape_loop.h"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <utility>

#include "model/textparse/parser.h"

namespace ward::scrape {

namespace {

constexpr std::string_view kExportedPrefix = "exported_";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Body buffers shared by every scrape loop of the process. A loop keeping
// its own buffer between scrapes would hold one body per target (about 140
// bytes per series for typical exporters); only a few scrapes are in flight
// at once, so a small pool gives the same reuse for a fraction of the memory.
class BodyBufferPool {
 public:
  std::string Get() {
    std::lock_guard<std::mutex> l(mu_);
    if (free_.empty()) return std::string();
    std::string b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  void Put(std::string b) {
    if (b.capacity() == 0 || b.capacity() > kMaxKeptBytes) return;
    b.clear();
    std::lock_guard<std::mutex> l(mu_);
    if (free_.size() < kMaxKept) free_.push_back(std::move(b));
  }

 private:
  static constexpr size_t kMaxKept = 8;
  static constexpr size_t kMaxKeptBytes = 64u << 20;
  std::mutex mu_;
  std::vector<std::string> free_;
};

BodyBufferPool& BodyBuffers() {
  static BodyBufferPool* pool = new BodyBufferPool();  // never destroyed: loops may outlive statics
  return *pool;
}

}  // namespace

// Timer jitter would give every sample a non-zero delta-of-delta and cost
// about a byte per sample in the chunks. As Prometheus does, a scrape that
// starts within kScrapeTimestampToleranceMs of the expected tick is stamped
// with the tick itself (only for intervals over 100x the tolerance). Unlike
// Prometheus the tolerance applies on both sides (our timer can fire a
// millisecond early), and a scrape outside it becomes the new anchor.
int64_t AlignScrapeTime(int64_t now_ms, int64_t interval_ms, int64_t* anchor_ms) {
  constexpr int64_t kScrapeTimestampToleranceMs = 2;
  if (interval_ms <= 100 * kScrapeTimestampToleranceMs) return now_ms;
  if (*anchor_ms != 0 && now_ms > *anchor_ms) {
    int64_t next = *anchor_ms + interval_ms;
    while (now_ms - next >= interval_ms - kScrapeTimestampToleranceMs) next += interval_ms;
    if (next - now_ms <= kScrapeTimestampToleranceMs &&
        now_ms - next <= kScrapeTimestampToleranceMs) {
      *anchor_ms = next;
      return next;
    }
  }
  *anchor_ms = now_ms;
  return now_ms;
}

namespace {

// The labels argument of appends that name their series by ref alone.
const labels::Labels kByRef;

// Go's %.50s: at most 50 bytes.
std::string Trunc50(std::string_view s) { return std::string(s.substr(0, 50)); }

}  // namespace

bool MutateSampleLabels(const labels::Labels& scraped, const labels::Labels& target,
                        bool honor_labels, const std::vector<relabel::Config>& metric_relabel,
                        labels::Labels* out) {
  labels::Builder b(scraped);
  if (honor_labels) {
    for (const auto& l : target) {
      if (!scraped.Has(l.name)) b.Set(l.name, l.value);
    }
  } else {
    std::vector<labels::Label> conflicts;
    for (const auto& l : target) {
      std::string_view existing = scraped.Get(l.name);
      if (!existing.empty()) conflicts.push_back({l.name, std::string(existing)});
      b.Set(l.name, l.value);
    }
    std::stable_sort(conflicts.begin(), conflicts.end(),
                     [](const labels::Label& a, const labels::Label& c) {
                       return a.name.size() < c.name.size();
                     });
    for (const auto& c : conflicts) {
      std::string name = c.name;
      for (;;) {
        name.insert(0, kExportedPrefix);
        if (b.Get(name).empty()) {
          b.Set(name, c.value);
          break;
        }
      }
    }
  }
  *out = b.Build();
  if (!metric_relabel.empty() && !relabel::Process(*out, metric_relabel, out)) return false;
  return !out->empty();
}

Status CheckLabelLimits(const labels::Labels& lset, const config::ScrapeConfig& cfg) {
  std::string_view metric = lset.MetricName();
  if (cfg.label_limit > 0 && lset.size() > cfg.label_limit) {
    return Status::Rejected(StatusSubcode::kLimitExceeded,
                            "label_limit exceeded (metric: " + Trunc50(metric) +
                                ", number of labels: " + std::to_string(lset.size()) +
                                ", limit: " + std::to_string(cfg.label_limit) + ")");
  }
  if (cfg.label_name_length_limit == 0 && cfg.label_value_length_limit == 0) return Status::OK();
  for (const auto& l : lset) {
    if (cfg.label_name_length_limit > 0 && l.name.size() > cfg.label_name_length_limit) {
      return Status::Rejected(StatusSubcode::kLimitExceeded,
                              "label_name_length_limit exceeded (metric: " + Trunc50(metric) +
                                  ", label name: " + Trunc50(l.name) +
                                  ", length: " + std::to_string(l.name.size()) +
                                  ", limit: " + std::to_string(cfg.label_name_length_limit) + ")");
    }
    if (cfg.label_value_length_limit > 0 && l.value.size() > cfg.label_value_length_limit) {
      std::string quoted;
      labels::AppendQuoted(&quoted, l.value.substr(0, 50));
      return Status::Rejected(StatusSubcode::kLimitExceeded,
                              "label_value_length_limit exceeded (metric: " + Trunc50(metric) +
                                  ", label name: " + Trunc50(l.name) + ", value: " + quoted +
                                  ", length: " + std::to_string(l.value.size()) +
                                  ", limit: " + std::to_string(cfg.label_value_length_limit) + ")");
    }
  }
  return Status::OK();
}

ScrapeLoop::ScrapeLoop(std::shared_ptr<Target> target,
                       std::shared_ptr<const config::ScrapeConfig> cfg, storage::Appendable& app,
                       HttpClient& client, ScrapeMetrics& metrics)
    : target_(std::move(target)),
      cfg_(std::move(cfg)),
      app_(app),
      client_(client),
      metrics_(metrics),
      log_(log::Logger("scrape").With(
          {{"scrape_pool", cfg_->job_name}, {"target", target_->url()}})),
      interval_hist_(metrics.interval_length_seconds.WithLabelValues(
          {config::FormatDuration(target_->interval_ms())})) {
  static constexpr std::string_view kNames[kNumReport] = {
      "up", "scrape_duration_seconds", "scrape_samples_scraped",
      "scrape_samples_post_metric_relabeling", "scrape_series_added"};
  for (int i = 0; i < kNumReport; ++i) {
    labels::Builder b(target_->labels());
    b.Set(labels::kMetricName, kNames[i]);
    report_lsets_[i] = b.Build();
  }
}

size_t ScrapeLoop::cache_size() const {
  std::lock_guard<std::mutex> l(mu_);
  return cache_size_;
}

void ScrapeLoop::Start(uint64_t offset_seed) {
  next_tick_ =
      std::chrono::steady_clock::now() +
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(target_->Offset(offset_seed));
  auto self = shared_from_this();
  client_.Schedule(next_tick_, [self] { self->Tick(); });
}

void ScrapeLoop::Stop(bool write_stale_markers) {
  bool finish_now = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return;
    stopped_ = true;
    stale_on_stop_ = write_stale_markers;
    if (!in_flight_) {
      if (write_stale_markers) {
        in_flight_ = true;  // the marker writer owns the scrape state now
        finish_now = true;
      } else {
        done_ = true;
      }
    }
  }
  cv_.notify_all();
  if (finish_now) {
    auto self = shared_from_this();
    if (!client_.Post([self] { self->FinishStop(); })) FinishStop();
  }
}

void ScrapeLoop::Wait() {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [this] { return done_; });
}

bool ScrapeLoop::TakeCache(ScrapeCache* out) {
  std::lock_guard<std::mutex> l(mu_);
  if (!done_) return false;
  *out = std::move(cache_);
  cache_ = ScrapeCache();
  return true;
}

bool ScrapeLoop::finished() const {
  std::lock_guard<std::mutex> l(mu_);
  return done_;
}

void ScrapeLoop::SetForcedError(Status err) {
  std::lock_guard<std::mutex> l(mu_);
  forced_err_ = std::move(err);
}

void ScrapeLoop::FinishStop() {
  bool stale;
  {
    std::lock_guard<std::mutex> l(mu_);
    stale = stale_on_stop_;
  }
  if (stale) WriteEndOfRunStaleness();
  {
    std::lock_guard<std::mutex> l(mu_);
    in_flight_ = false;
    done_ = true;
  }
  cv_.notify_all();
}

void ScrapeLoop::Tick() {
  Status forced;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_ || in_flight_) return;
    in_flight_ = true;
    forced = forced_err_;
  }
  auto now = std::chrono::steady_clock::now();
  if (last_tick_.time_since_epoch().count() != 0) {
    interval_hist_.Observe(std::chrono::duration<double>(now - last_tick_).count());
  }
  last_tick_ = now;
  start_ms_ = AlignedScrapeTime(NowMs());
  if (!forced.ok()) {
    HttpResponse r;
    r.status = std::move(forced);
    OnResponse(std::move(r));
    return;
  }
  Result<HttpRequest> req = BuildRequest(*cfg_, *target_);
  if (!req.ok()) {
    HttpResponse r;
    r.status = req.status();
    OnResponse(std::move(r));
    return;
  }
  req->body_buffer = BodyBuffers().Get();
  auto self = shared_from_this();
  Status s =
      client_.Submit(std::move(*req), [self](HttpResponse r) { self->OnResponse(std::move(r)); });
  if (!s.ok()) {
    // The client is shutting down: this loop is over, and a shutdown is not
    // a failed scrape (no up=0, no markers).
    {
      std::lock_guard<std::mutex> l(mu_);
      in_flight_ = false;
      if (stopped_) done_ = true;
    }
    cv_.notify_all();
  }
}

void ScrapeLoop::OnResponse(HttpResponse resp) {
  bool stopped;
  {
    std::lock_guard<std::mutex> l(mu_);
    stopped = stopped_;
  }
  if (!stopped) Process(resp, start_ms_);
  BodyBuffers().Put(std::move(resp.body));
  bool finish = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    cache_size_ = cache_.size();
    if (stopped_) {
      finish = true;  // keep in_flight_ until the markers are written
    } else {
      in_flight_ = false;
      ScheduleNext();
    }
  }
  if (finish) FinishStop();
}

void ScrapeLoop::ScheduleNext() {
  auto interval = std::chrono::milliseconds(std::max<int64_t>(target_->interval_ms(), 1));
  auto now = std::chrono::steady_clock::now();
  next_tick_ += interval;
  if (next_tick_ <= now) {
    auto missed = (now - next_tick_) / interval + 1;
    next_tick_ += missed * interval;
  }
  auto self = shared_from_this();
  client_.Schedule(next_tick_, [self] { self->Tick(); });
}

int64_t ScrapeLoop::AlignedScrapeTime(int64_t now_ms) {
  return AlignScrapeTime(now_ms, target_->interval_ms(), &aligned_ms_);
}

void ScrapeLoop::WriteEndOfRunStaleness() {
  // Strictly after the last scrape: a marker in the same millisecond as the
  // last sample would be refused as a duplicate and the series would not end.
  int64_t t = std::max(NowMs(), last_scrape_ms_ + 1);
  auto app = app_.NewAppender();
  cache_.ForEachCurrent([&](const ScrapeCache::Entry& e) {
    // Rejections of markers (e.g. an older explicit timestamp) are harmless;
    // so is an unknown ref: the head dropped the series, nothing to end.
    if (e.ref != 0) app->Append(e.ref, kByRef, t, storage::StaleNaN()).IgnoreError();
  });
  if (reported_once_) {
    for (int i = 0; i < kNumReport; ++i) {
      app->Append(report_refs_[i], report_lsets_[i], t, storage::StaleNaN()).IgnoreError();
    }
  }
  Status s = app->Commit();
  if (!s.ok()) log_.Warn("Writing staleness markers failed", {{"err", s}});
}

void ScrapeLoop::PublishMetadata() {
  auto md = std::make_shared<Target::MetadataList>();
  md->reserve(cache_.metadata().size());
  for (const auto& [family, m] : cache_.metadata()) {
    md->push_back({family, m.type, m.help, m.unit});
  }
  std::sort(md->begin(), md->end(),
            [](const Target::MetricMetadata& a, const Target::MetricMetadata& b) {
              return a.metric < b.metric;
            });
  target_->SetMetadata(std::move(md));
}

void ScrapeLoop::Process(const HttpResponse& resp, int64_t start_ms) {
  Status scrape_err = resp.status;
  auto app = app_.NewAppender();
  AppendResult res;
  cache_.BeginScrape();
  if (scrape_err.ok()) {
    res = AppendBody(*app, resp.body, resp.content_type, start_ms);
    if (!res.err.ok()) {
      // Drop the partial scrape; the markers and report go in a fresh batch.
      app->Rollback().IgnoreError();
      app = app_.NewAppender();
      scrape_err = res.err;
    }
  } else if (scrape_err.message() == "body size limit exceeded") {
    metrics_.exceeded_body_size_limit_total.Inc();
  }
  const bool ok = scrape_err.ok();
  cache_.EndScrape(ok, [&](const ScrapeCache::Entry& e) {
    // As in WriteEndOfRunStaleness: rejections and unknown refs are harmless.
    if (e.ref != 0) app->Append(e.ref, kByRef, start_ms, storage::StaleNaN()).IgnoreError();
  });
  if (cache_.TakeMetadataChanged()) PublishMetadata();
  Report(*app, start_ms, resp.duration, res, ok);
  Status cs = app->Commit();
  if (!cs.ok()) {
    log_.Warn("Committing scrape failed", {{"err", cs}});
    if (scrape_err.ok()) scrape_err = cs;
  }
  if (!scrape_err.ok() && log_.DebugEnabled()) log_.Debug("Scrape failed", {{"err", scrape_err}});
  target_->SetHealth(start_ms, resp.duration, scrape_err);
}

ScrapeLoop::AppendResult ScrapeLoop::AppendBody(storage::Appender& app, std::string_view body,
                                                std::string_view content_type, int64_t t_ms) {
  AppendResult r;
  auto parser = textparse::NewParser(body, content_type, cfg_->fallback_scrape_protocol);
  if (!parser.ok()) {
    r.err = parser.status();
    return r;
  }
  textparse::Parser& p = **parser;
  // Lines whose exact bytes are in the cache skip the label parsing.
  p.SetKnownSeries(
      [](void* cache, std::string_view series) -> void* {
        return static_cast<ScrapeCache*>(cache)->Get(series);
      },
      &cache_);
  const config::ScrapeConfig& cfg = *cfg_;
  uint64_t appended = 0;
  bool limit_hit = false;
  uint64_t ooo = 0, dup = 0, oob = 0;
  for (;;) {
    Result<textparse::Entry> e = p.Next();
    if (!e.ok()) {
      r.err = e.status();
      break;
    }
    if (*e == textparse::Entry::kEOF) break;
    if (*e != textparse::Entry::kSeries) {
      std::string_view family;
      switch (*e) {
        case textparse::Entry::kType: {
          textparse::MetricType mt;
          p.Type(&family, &mt);
          cache_.SetType(family, textparse::MetricTypeName(mt));
          break;
        }
        case textparse::Entry::kHelp:
          p.Help(&family, &help_scratch_);
          cache_.SetHelp(family, help_scratch_);
          break;
        case textparse::Entry::kUnit: {
          std::string_view unit;
          p.Unit(&family, &unit);
          cache_.SetUnit(family, unit);
          break;
        }
        default:
          break;
      }
      continue;
    }
    std::string_view series;
    std::optional<int64_t> pts;
    double v;
    p.Series(&series, &pts, &v);
    ++r.total;
    int64_t t = t_ms;
    bool track = true;
    if (pts && cfg.honor_timestamps) {
      t = *pts;
      track = cfg.track_timestamps_staleness;
    }
    ScrapeCache::Entry* ce = static_cast<ScrapeCache::Entry*>(p.Known());
    if (ce == nullptr) ce = cache_.Get(series);
    bool is_new = false;
    labels::Labels final_lset;  // built on a cache miss only
    if (ce == nullptr) {
      p.Metric(&scratch_);
      label_builds_.fetch_add(1, std::memory_order_relaxed);
      if (!MutateSampleLabels(scratch_, target_->labels(), cfg.honor_labels,
                              cfg.metric_relabel_configs, &final_lset)) {
        cache_.MarkSeen(cache_.Add(series, true), false);
        continue;
      }
      if (final_lset.MetricName().empty()) {
        r.err = Status::InvalidArgument("missing metric name (__name__ label)");
        break;
      }
      if (Status ls = CheckLabelLimits(final_lset, cfg); !ls.ok()) {
        metrics_.exceeded_label_limits_total.Inc();
        r.err = std::move(ls);
        break;
      }
      ce = cache_.Add(series, false);
      is_new = true;
    } else if (ce->dropped) {
      cache_.MarkSeen(ce, false);
      continue;
    }
    ++r.added;
    cache_.MarkSeen(ce, track);
    if (cfg.sample_limit > 0 && appended >= cfg.sample_limit) {
      // Keep parsing so samples_scraped reports the full count.
      limit_hit = true;
      continue;
    }
    // The cache keeps refs, not labels: build them again only when there is
    // no ref yet (every earlier append was rejected) or the head no longer
    // knows it (the series was garbage-collected).
    auto rebuild = [&] {
      p.Metric(&scratch_);
      label_builds_.fetch_add(1, std::memory_order_relaxed);
      if (!MutateSampleLabels(scratch_, target_->labels(), cfg.honor_labels,
                              cfg.metric_relabel_configs, &final_lset)) {
        final_lset = labels::Labels();
      }
    };
    if (final_lset.empty() && ce->ref == 0) rebuild();
    Result<storage::SeriesRef> ref =
        app.Append(final_lset.empty() ? ce->ref : 0, final_lset.empty() ? kByRef : final_lset, t, v);
    if (!ref.ok() && ref.status().code() == StatusCode::kInvalidArgument && final_lset.empty()) {
      rebuild();
      if (!final_lset.empty()) ref = app.Append(0, final_lset, t, v);
    }
    if (ref.ok()) {
      ce->ref = *ref;
      ++appended;
      if (is_new) ++r.series_added;
      continue;
    }
    const Status& as = ref.status();
    if (!as.IsRejected()) {
      r.err = as;
      break;
    }
    switch (as.subcode()) {
      case StatusSubcode::kOutOfOrder:
        ++ooo;
        break;
      case StatusSubcode::kDuplicate:
        ++dup;
        break;
      case StatusSubcode::kOutOfBounds:
      case StatusSubcode::kTooOldSample:
        ++oob;
        break;
      default:
        r.err = as;
        break;
    }
    if (!r.err.ok()) break;
  }
  if (ooo) metrics_.sample_out_of_order_total.Inc(static_cast<double>(ooo));
  if (dup) metrics_.sample_duplicate_timestamp_total.Inc(static_cast<double>(dup));
  if (oob) metrics_.sample_out_of_bounds_total.Inc(static_cast<double>(oob));
  if ((ooo || dup || oob) && log_.DebugEnabled()) {
    log_.Debug("Samples rejected by storage", {{"out_of_order", static_cast<int64_t>(ooo)},
                                               {"duplicate", static_cast<int64_t>(dup)},
                                               {"out_of_bounds", static_cast<int64_t>(oob)}});
  }
  if (r.err.ok() && limit_hit) {
    metrics_.exceeded_sample_limit_total.Inc();
    r.err = Status::Rejected(StatusSubcode::kLimitExceeded, "sample limit exceeded");
  }
  return r;
}

void ScrapeLoop::AppendReport(storage::Appender& app, int i, int64_t t_ms, double v) {
  Result<storage::SeriesRef> ref = app.Append(report_refs_[i], report_lsets_[i], t_ms, v);
  if (ref.ok()) report_refs_[i] = *ref;
}

void ScrapeLoop::Report(storage::Appender& app, int64_t t_ms, std::chrono::nanoseconds duration,
                        const AppendResult& res, bool up) {
  reported_once_ = true;
  last_scrape_ms_ = std::max(last_scrape_ms_, t_ms);
  AppendReport(app, kUp, t_ms, up ? 1 : 0);
  AppendReport(app, kDuration, t_ms, std::chrono::duration<double>(duration).count());
  AppendReport(app, kSamplesScraped, t_ms, static_cast<double>(res.total));
  AppendReport(app, kPostRelabel, t_ms, static_cast<double>(res.added));
  AppendReport(app, kSeriesAdded, t_ms, static_cast<double>(res.series_added));
}

}  // namespace ward::scrape
