#include "scrape/scrape_pool.h"

#include <chrono>
#include <utility>

namespace ward::scrape {

namespace {

void Add(std::string* fp, std::string_view key, std::string_view v) {
  fp->append(key).push_back('=');
  fp->append(std::to_string(v.size())).push_back(':');
  fp->append(v).push_back('\n');
}
void Add(std::string* fp, std::string_view key, int64_t v) { Add(fp, key, std::to_string(v)); }

void AddRelabel(std::string* fp, std::string_view key, const std::vector<relabel::Config>& cfgs) {
  for (const auto& c : cfgs) {
    std::string r;
    for (const auto& s : c.source_labels) Add(&r, "src", s);
    Add(&r, "sep", c.separator);
    Add(&r, "re", c.regex.source());
    Add(&r, "mod", static_cast<int64_t>(c.modulus));
    Add(&r, "tl", c.target_label);
    Add(&r, "rep", c.replacement);
    Add(&r, "act", relabel::ActionName(c.action));
    Add(fp, key, r);
  }
}

}  // namespace

std::string ScrapeConfigFingerprint(const config::ScrapeConfig& c) {
  std::string fp;
  Add(&fp, "job", c.job_name);
  Add(&fp, "interval", c.scrape_interval);
  Add(&fp, "timeout", c.scrape_timeout);
  for (const auto& p : c.scrape_protocols) Add(&fp, "proto", p);
  Add(&fp, "fallback", c.fallback_scrape_protocol);
  Add(&fp, "path", c.metrics_path);
  Add(&fp, "scheme", c.scheme);
  for (const auto& [k, vs] : c.params) {
    for (const auto& v : vs) Add(&fp, "param:" + k, v);
  }
  Add(&fp, "flags",
      (c.honor_labels ? 1 : 0) | (c.honor_timestamps ? 2 : 0) |
          (c.track_timestamps_staleness ? 4 : 0) | (c.enable_compression ? 8 : 0));
  Add(&fp, "body_size_limit", c.body_size_limit);
  Add(&fp, "sample_limit", static_cast<int64_t>(c.sample_limit));
  Add(&fp, "target_limit", static_cast<int64_t>(c.target_limit));
  Add(&fp, "label_limit", static_cast<int64_t>(c.label_limit));
  Add(&fp, "label_name_length_limit", static_cast<int64_t>(c.label_name_length_limit));
  Add(&fp, "label_value_length_limit", static_cast<int64_t>(c.label_value_length_limit));
  Add(&fp, "keep_dropped_targets", static_cast<int64_t>(c.keep_dropped_targets));
  const config::HTTPClientConfig& h = c.http_client_config;
  if (h.basic_auth) {
    Add(&fp, "ba.user", h.basic_auth->username);
    Add(&fp, "ba.user_file", h.basic_auth->username_file);
    Add(&fp, "ba.pass", h.basic_auth->password.value);
    Add(&fp, "ba.pass_file", h.basic_auth->password_file);
  }
  if (h.authorization) {
    Add(&fp, "auth.type", h.authorization->type);
    Add(&fp, "auth.cred", h.authorization->credentials.value);
    Add(&fp, "auth.file", h.authorization->credentials_file);
  }
  const config::TLSConfig& t = h.tls_config;
  Add(&fp, "tls",
      t.ca_file + "\n" + t.cert_file + "\n" + t.key_file + "\n" + t.ca + "\n" + t.cert + "\n" +
          t.key.value + "\n" + t.server_name + "\n" + t.min_version + "\n" +
          (t.insecure_skip_verify ? "1" : "0"));
  Add(&fp, "http2", h.enable_http2 ? 1 : 0);
  Add(&fp, "proxy", h.proxy_url);
  Add(&fp, "redirects", h.follow_redirects ? 1 : 0);
  for (const auto& [name, hd] : h.http_headers) {
    for (const auto& v : hd.values) Add(&fp, "hdr:" + name, v);
    for (const auto& v : hd.secrets) Add(&fp, "hdrs:" + name, v.value);
    for (const auto& v : hd.files) Add(&fp, "hdrf:" + name, v);
  }
  AddRelabel(&fp, "relabel", c.relabel_configs);
  AddRelabel(&fp, "metric_relabel", c.metric_relabel_configs);
  return fp;
}

ScrapePool::ScrapePool(std::shared_ptr<const config::ScrapeConfig> cfg, storage::Appendable& app,
                       HttpClient& client, ScrapeMetrics& metrics, uint64_t offset_seed)
    : app_(app),
      client_(client),
      metrics_(metrics),
      offset_seed_(offset_seed),
      log_(log::Logger("scrape").With({{"scrape_pool", cfg->job_name}})),
      cfg_(std::move(cfg)) {}

ScrapePool::~ScrapePool() { Stop(false); }

void ScrapePool::Sync(const std::vector<targetgroup::Group>& groups) {
  auto start = std::chrono::steady_clock::now();
  std::string job;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return;
    groups_ = groups;
    SyncLocked(groups_);
    job = cfg_->job_name;
  }
  metrics_.scrape_pool_sync_total.WithLabelValues({job}).Inc();
  metrics_.sync_length_seconds.WithLabelValues({job}).Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

namespace {

// The settings that decide what a scrape cache holds (final labels, dropped
// series, label limits checked on a miss): equal keys mean reusable caches.
std::string CacheKey(const config::ScrapeConfig& c) {
  config::ScrapeConfig k;
  k.job_name = c.job_name;
  k.honor_labels = c.honor_labels;
  k.label_limit = c.label_limit;
  k.label_name_length_limit = c.label_name_length_limit;
  k.label_value_length_limit = c.label_value_length_limit;
  k.metric_relabel_configs = c.metric_relabel_configs;
  return ScrapeConfigFingerprint(k);
}

}  // namespace

void ScrapePool::SyncLocked(const std::vector<targetgroup::Group>& groups,
                            std::map<uint64_t, std::shared_ptr<ScrapeLoop>>* previous) {
  const config::ScrapeConfig& cfg = *cfg_;
  std::map<uint64_t, std::shared_ptr<Target>> wanted;
  dropped_.clear();
  dropped_count_ = 0;
  for (const auto& g : groups) {
    for (const auto& t : g.targets) {
      labels::Labels merged = MergeGroupLabels(t, g.labels);
      labels::Labels lset, discovered;
      Status s = PopulateLabels(merged, cfg, &lset, &discovered);
      if (!s.ok()) {
        metrics_.sync_failed_total.Inc();
        log_.Error("Creating target failed", {{"target", merged.ToString()}, {"err", s}});
        continue;
      }
      if (lset.empty()) {
        ++dropped_count_;
        if (cfg.keep_dropped_targets == 0 || dropped_.size() < cfg.keep_dropped_targets) {
          dropped_.push_back({cfg.job_name, std::move(discovered)});
        }
        continue;
      }
      auto target = std::make_shared<Target>(std::move(lset), std::move(discovered), cfg);
      wanted.emplace(target->hash(), std::move(target));  // first one wins on duplicates
    }
  }

  // Stop loops whose target vanished: their series go stale.
  for (auto it = loops_.begin(); it != loops_.end();) {
    if (wanted.count(it->first) == 0) {
      it->second->Stop(true);
      stopping_.push_back(std::move(it->second));
      it = loops_.erase(it);
    } else {
      ++it;
    }
  }
  // Forget stopped loops that have finished.
  std::erase_if(stopping_, [](const std::shared_ptr<ScrapeLoop>& l) { return l->finished(); });

  for (auto& [hash, target] : wanted) {
    if (loops_.count(hash)) continue;
    auto loop = std::make_shared<ScrapeLoop>(target, cfg_, app_, client_, metrics_);
    if (previous) {
      auto old = previous->find(hash);
      ScrapeCache cache;
      if (old != previous->end() && old->second->TakeCache(&cache)) {
        loop->AdoptCache(std::move(cache));
      }
    }
    loops_.emplace(hash, loop);
    loop->Start(offset_seed_);
  }

  Status forced;
  if (cfg.target_limit > 0 && loops_.size() > cfg.target_limit) {
    metrics_.exceeded_target_limit_total.Inc();
    forced = Status::Rejected(
        StatusSubcode::kLimitExceeded,
        "target_limit exceeded (number of targets: " + std::to_string(loops_.size()) +
            ", limit: " + std::to_string(cfg.target_limit) + ")");
  }
  for (auto& [hash, loop] : loops_) loop->SetForcedError(forced);
  metrics_.scrape_pool_targets.WithLabelValues({cfg.job_name})
      .Set(static_cast<double>(loops_.size()));
}

void ScrapePool::Reload(std::shared_ptr<const config::ScrapeConfig> cfg) {
  std::lock_guard<std::mutex> l(mu_);
  if (stopped_) return;
  metrics_.scrape_pool_reloads_total.Inc();
  const bool reuse = CacheKey(*cfg_) == CacheKey(*cfg);
  std::map<uint64_t, std::shared_ptr<ScrapeLoop>> previous;
  previous.swap(loops_);
  for (auto& [hash, loop] : previous) {
    loop->Stop(false);
    stopping_.push_back(loop);
  }
  cfg_ = std::move(cfg);
  SyncLocked(groups_, reuse ? &previous : nullptr);
}

void ScrapePool::Stop(bool write_stale_markers) {
  std::lock_guard<std::mutex> l(mu_);
  stopped_ = true;
  for (auto& [hash, loop] : loops_) {
    loop->Stop(write_stale_markers);
    stopping_.push_back(loop);
  }
  loops_.clear();
  metrics_.scrape_pool_targets.WithLabelValues({cfg_->job_name}).Set(0);
}

void ScrapePool::Wait() {
  std::vector<std::shared_ptr<ScrapeLoop>> loops;
  {
    std::lock_guard<std::mutex> l(mu_);
    loops = stopping_;
  }
  for (auto& loop : loops) loop->Wait();
}

std::vector<TargetInfo> ScrapePool::ActiveTargets() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<TargetInfo> out;
  out.reserve(loops_.size());
  for (const auto& [hash, loop] : loops_) {
    const Target& t = *loop->target();
    Target::Health h = t.health();
    TargetInfo info;
    info.scrape_pool = cfg_->job_name;
    info.labels = t.labels();
    info.discovered_labels = t.discovered_labels();
    info.scrape_url = t.url();
    info.health = h.health;
    info.last_error = h.last_error;
    info.last_scrape_ms = h.last_scrape_ms;
    info.last_scrape_duration_seconds = std::chrono::duration<double>(h.last_duration).count();
    info.interval_ms = t.interval_ms();
    info.timeout_ms = t.timeout_ms();
    info.metadata = t.metadata();
    out.push_back(std::move(info));
  }
  return out;
}

std::vector<DroppedTarget> ScrapePool::DroppedTargets() const {
  std::lock_guard<std::mutex> l(mu_);
  return dropped_;
}

size_t ScrapePool::dropped_count() const {
  std::lock_guard<std::mutex> l(mu_);
  return dropped_count_;
}

std::shared_ptr<const config::ScrapeConfig> ScrapePool::config() const {
  std::lock_guard<std::mutex> l(mu_);
  return cfg_;
}

std::vector<std::shared_ptr<ScrapeLoop>> ScrapePool::loops() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::shared_ptr<ScrapeLoop>> out;
  for (const auto& [hash, loop] : loops_) out.push_back(loop);
  return out;
}

}  // namespace ward::scrape
