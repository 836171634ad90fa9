// notifier::Manager; see manager.h.
#include "notifier/manager.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "notifier/alertmanager.h"
#include "notifier/http_post.h"
#include "notifier/latency_summary.h"
#include "notifier/openapi.h"

namespace ward::notifier {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kSetPrefix = "config-";

int64_t SteadyMs(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Relabels `a` in place with external labels (alert labels win) and `cfgs`.
// Returns false when a rule drops it.
bool RelabelAlert(const labels::Labels& external, const std::vector<relabel::Config>& cfgs, Alert* a) {
  if (!external.empty()) {
    labels::Builder b(a->labels);
    bool changed = false;
    for (const auto& l : external) {
      if (a->labels.Get(l.name).empty()) {
        b.Set(l.name, l.value);
        changed = true;
      }
    }
    if (changed) a->labels = b.Build();
  }
  if (cfgs.empty()) return true;
  return relabel::Process(a->labels, cfgs, &a->labels);
}

}  // namespace

struct Manager::Settings {
  labels::Labels external_labels;
  std::vector<relabel::Config> relabel_configs;
};

// One alertmanager config and what discovery found for it. Immutable once
// published in sets_ (SyncTargets replaces the whole object).
struct Manager::AmSet {
  config::AlertmanagerConfig cfg;
  std::vector<std::string> urls;     // active, deduplicated, discovery order
  std::vector<std::string> dropped;  // removed by relabel_configs
};

struct Manager::Metrics {
  metrics::Family<metrics::Counter>* sent;
  metrics::Family<metrics::Counter>* errors;
  metrics::Counter* dropped;
  metrics::Gauge* queue_length;
  metrics::Gauge* queue_capacity;
  metrics::Gauge* discovered;
  std::shared_ptr<LatencySummary> latency;
};

Manager::Manager(Options opts) : opts_(std::move(opts)) {
  metrics::Registry& reg = opts_.registry ? *opts_.registry : metrics::DefaultRegistry();
  metrics_ = std::make_unique<Metrics>();
  metrics_->sent =
      &reg.NewCounterFamily("prometheus_notifications_sent_total", "Total number of alerts sent.", {"alertmanager"});
  metrics_->errors = &reg.NewCounterFamily("prometheus_notifications_errors_total",
                                           "Total number of sent alerts affected by errors.", {"alertmanager"});
  metrics_->dropped = &reg.NewCounter("prometheus_notifications_dropped_total",
                                      "Total number of alerts dropped due to errors when sending to Alertmanager.");
  metrics_->queue_length =
      &reg.NewGauge("prometheus_notifications_queue_length", "The number of alert notifications in the queue.");
  metrics_->queue_capacity =
      &reg.NewGauge("prometheus_notifications_queue_capacity", "The capacity of the alert notifications queue.");
  metrics_->discovered = &reg.NewGauge("prometheus_notifications_alertmanagers_discovered",
                                       "The number of alertmanagers discovered and active.");
  metrics_->latency = std::make_shared<LatencySummary>(
      "prometheus_notifications_latency_seconds", "Latency quantiles for sending alert notifications.", "alertmanager");
  LatencySummary::Register(metrics_->latency, reg);
  metrics_->queue_capacity->Set(static_cast<double>(opts_.queue_capacity));
  metrics_->queue_length->Set(0);
  metrics_->discovered->Set(0);

  auto s = std::make_shared<Settings>();
  s->external_labels = opts_.external_labels;
  s->relabel_configs = opts_.alert_relabel_configs;
  settings_ = std::move(s);

  poster_ = std::make_unique<HttpPoster>();
  discovery::ManagerOptions dopts;
  dopts.update_interval = opts_.discovery_update_interval;
  discovery_ =
      std::make_unique<discovery::Manager>([this](const discovery::TargetSets& sets) { SyncTargets(sets); }, dopts);
}

Manager::~Manager() { Stop(); }

Status Manager::ApplyConfig(const config::Config& cfg) {
  for (size_t i = 0; i < cfg.alerting.alertmanagers.size(); ++i) {
    const std::string& v = cfg.alerting.alertmanagers[i].api_version;
    if (v != "v2") {
      return Status::InvalidArgument("alertmanager config " + std::to_string(i) +
                                     ": expected Alertmanager api version to be one of [v2] but got " + v);
    }
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return Status::Unavailable("notifier is stopped");
    auto s = std::make_shared<Settings>();
    s->external_labels = cfg.global.external_labels;
    s->relabel_configs = cfg.alerting.alert_relabel_configs;
    settings_ = std::move(s);

    std::vector<std::shared_ptr<const AmSet>> next;
    next.reserve(cfg.alerting.alertmanagers.size());
    for (const auto& am : cfg.alerting.alertmanagers) {
      auto set = std::make_shared<AmSet>();
      set->cfg = am;
      // An unchanged config keeps what discovery found until it reports again.
      for (const auto& old : sets_) {
        if (old->cfg == am) {
          set->urls = old->urls;
          set->dropped = old->dropped;
          break;
        }
      }
      next.push_back(std::move(set));
    }
    sets_ = std::move(next);
  }
  UpdateDiscoveredGauge();
  return discovery_->ApplyConfig(discovery::Manager::AlertmanagerSets(cfg));
}

void Manager::SyncTargets(const discovery::TargetSets& sets) {
  for (const auto& [id, groups] : sets) {
    size_t idx = 0;
    std::string_view num = std::string_view(id).substr(std::min(id.size(), kSetPrefix.size()));
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), idx);
    std::shared_ptr<const AmSet> cur;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (id.starts_with(kSetPrefix) && ec == std::errc() && p == num.data() + num.size() && idx < sets_.size()) {
        cur = sets_[idx];
      }
    }
    if (!cur) {
      logger_.Error("couldn't sync alert manager set", {{"err", "invalid id:" + id}});
      continue;
    }
    auto next = std::make_shared<AmSet>();
    next->cfg = cur->cfg;
    std::vector<labels::Labels> active, dropped;
    for (const auto& g : groups) {
      Status st = AlertmanagersFromGroup(g, cur->cfg, &active, &dropped);
      if (!st.ok()) logger_.Error("Creating discovered Alertmanagers failed", {{"err", st}});
    }
    std::set<std::string> seen;
    for (const auto& ls : active) {
      std::string url = AlertmanagerURL(ls);
      if (seen.insert(url).second) next->urls.push_back(std::move(url));
    }
    for (const auto& ls : dropped) next->dropped.push_back(AlertmanagerURL(ls));
    // As Prometheus: counters of a new Alertmanager start at 0; the series
    // of one that went away are deleted.
    for (const auto& url : next->urls) {
      metrics_->sent->WithLabelValues({url});
      metrics_->errors->WithLabelValues({url});
    }
    for (const auto& url : cur->urls) {
      if (seen.count(url)) continue;
      metrics_->sent->Remove({url});
      metrics_->errors->Remove({url});
      metrics_->latency->Remove(url);
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      // A config applied meanwhile wins over this (older) discovery result.
      if (idx < sets_.size() && sets_[idx] == cur) sets_[idx] = std::move(next);
    }
  }
  UpdateDiscoveredGauge();
}

void Manager::UpdateDiscoveredGauge() {
  size_t n = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& s : sets_) n += s->urls.size();
  }
  metrics_->discovered->Set(static_cast<double>(n));
}

std::vector<AlertmanagerInfo> Manager::Alertmanagers() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<AlertmanagerInfo> out;
  for (const auto& s : sets_) {
    for (const auto& u : s->urls) out.push_back({u, false});
  }
  for (const auto& s : sets_) {
    for (const auto& u : s->dropped) out.push_back({u, true});
  }
  return out;
}

size_t Manager::queue_length() const {
  std::lock_guard<std::mutex> l(queue_mu_);
  return queue_.size();
}

void Manager::Send(std::vector<Alert> alerts) {
  std::shared_ptr<const Settings> settings;
  bool stopped;
  {
    std::lock_guard<std::mutex> l(mu_);
    settings = settings_;
    stopped = stopped_;
  }
  if (stopped) {
    if (!alerts.empty()) {
      logger_.Warn("Notifier is stopped, dropping alerts", {{"num_dropped", alerts.size()}});
      metrics_->dropped->Inc(static_cast<double>(alerts.size()));
    }
    return;
  }
  // Relabel outside any lock; compact the kept alerts to the front.
  size_t kept = 0;
  for (size_t i = 0; i < alerts.size(); ++i) {
    if (!RelabelAlert(settings->external_labels, settings->relabel_configs, &alerts[i])) continue;
    if (kept != i) alerts[kept] = std::move(alerts[i]);
    ++kept;
  }
  alerts.resize(kept);
  if (alerts.empty()) return;

  size_t cap = opts_.queue_capacity;
  size_t skip = 0;
  if (alerts.size() > cap) {
    skip = alerts.size() - cap;
    logger_.Warn("Alert batch larger than queue capacity, dropping alerts", {{"num_dropped", skip}});
    metrics_->dropped->Inc(static_cast<double>(skip));
  }
  {
    std::lock_guard<std::mutex> l(queue_mu_);
    size_t incoming = alerts.size() - skip;
    if (queue_.size() + incoming > cap) {
      size_t d = queue_.size() + incoming - cap;
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(d));
      logger_.Warn("Alert notification queue full, dropping alerts", {{"num_dropped", d}});
      metrics_->dropped->Inc(static_cast<double>(d));
    }
    for (size_t i = skip; i < alerts.size(); ++i) queue_.push_back(std::move(alerts[i]));
    metrics_->queue_length->Set(static_cast<double>(queue_.size()));
  }
  queue_cv_.notify_one();
}

void Manager::Run() {
  std::lock_guard<std::mutex> l(mu_);
  if (running_ || stopped_) return;
  running_ = true;
  sender_ = std::thread([this] { SenderLoop(); });
}

void Manager::Stop() {
  bool was_running;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return;
    stopped_ = true;
    was_running = running_;
  }
  logger_.Info("Stopping notification manager...");
  discovery_->Stop();
  {
    std::lock_guard<std::mutex> l(queue_mu_);
    stop_sender_ = true;
  }
  queue_cv_.notify_all();
  if (was_running) {
    sender_.join();  // the sender drains before it exits
  } else {
    Drain();
  }
  logger_.Info("Notification manager stopped");
}

std::vector<Alert> Manager::NextBatch() {
  std::vector<Alert> batch;
  std::lock_guard<std::mutex> l(queue_mu_);
  size_t n = std::min(queue_.size(), std::max<size_t>(opts_.max_batch_size, 1));
  batch.reserve(n);
  for (size_t i = 0; i < n; ++i) batch.push_back(std::move(queue_[i]));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
  metrics_->queue_length->Set(static_cast<double>(queue_.size()));
  return batch;
}

void Manager::SenderLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> l(queue_mu_);
      queue_cv_.wait(l, [this] { return stop_sender_ || !queue_.empty(); });
      // A stop request takes priority over sending more.
      if (stop_sender_) break;
    }
    std::vector<Alert> batch = NextBatch();
    if (!SendAll(batch, Clock::time_point::max())) {
      metrics_->dropped->Inc(static_cast<double>(batch.size()));
    }
  }
  Drain();
}

void Manager::Drain() {
  size_t n = queue_length();
  if (!opts_.drain_on_shutdown) {
    if (n > 0) {
      logger_.Warn("Draining remaining notifications on shutdown is disabled, and some notifications have been dropped",
                   {{"count", n}});
      metrics_->dropped->Inc(static_cast<double>(n));
      std::lock_guard<std::mutex> l(queue_mu_);
      queue_.clear();
      metrics_->queue_length->Set(0);
    }
    return;
  }
  if (n == 0) return;
  logger_.Info("Draining any remaining notifications...");
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(opts_.drain_timeout_ms);
  while (queue_length() > 0 && Clock::now() < deadline) {
    std::vector<Alert> batch = NextBatch();
    if (!SendAll(batch, deadline)) metrics_->dropped->Inc(static_cast<double>(batch.size()));
  }
  std::lock_guard<std::mutex> l(queue_mu_);
  if (!queue_.empty()) {
    logger_.Warn("Notification queue not drained before the shutdown timeout, dropping alerts",
                 {{"count", queue_.size()}});
    metrics_->dropped->Inc(static_cast<double>(queue_.size()));
    queue_.clear();
    metrics_->queue_length->Set(0);
  } else {
    logger_.Info("Remaining notifications drained");
  }
}

bool Manager::SendAll(const std::vector<Alert>& batch, Clock::time_point deadline) {
  if (batch.empty()) return true;
  std::vector<std::shared_ptr<const AmSet>> sets;
  {
    std::lock_guard<std::mutex> l(mu_);
    sets = sets_;
  }
  const Clock::time_point begin = Clock::now();
  std::shared_ptr<std::string> cached;  // batch encoded once for every set without alert relabeling
  std::vector<PostRequest> reqs;
  std::vector<size_t> req_set, req_count;
  std::vector<char> attempted(sets.size(), 0), covered(sets.size(), 0);
  for (size_t si = 0; si < sets.size(); ++si) {
    const AmSet& set = *sets[si];
    if (set.urls.empty()) continue;
    std::shared_ptr<std::string> payload;
    size_t count = batch.size();
    if (!set.cfg.alert_relabel_configs.empty()) {
      std::vector<Alert> relabeled;
      relabeled.reserve(batch.size());
      for (const Alert& a : batch) {
        Alert c = a;
        if (RelabelAlert(labels::Labels(), set.cfg.alert_relabel_configs, &c)) relabeled.push_back(std::move(c));
      }
      if (relabeled.empty()) continue;
      count = relabeled.size();
      payload = std::make_shared<std::string>();
      EncodeAlerts(relabeled, payload.get());
    } else {
      if (!cached) {
        cached = std::make_shared<std::string>();
        EncodeAlerts(batch, cached.get());
      }
      payload = cached;
    }
    attempted[si] = 1;
    PostRequest base;
    base.body = payload;
    base.user_agent = opts_.user_agent;
    int64_t timeout_ms = set.cfg.timeout > 0 ? set.cfg.timeout : 10000;
    if (deadline != Clock::time_point::max()) {
      int64_t left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - begin).count();
      timeout_ms = std::max<int64_t>(1, std::min(timeout_ms, left));
    }
    base.timeout_ms = timeout_ms;
    Status st = ApplyHTTPClientConfig(set.cfg.http_client_config, &base);
    if (!st.ok()) {
      for (const auto& url : set.urls) {
        logger_.Error("Error sending alerts", {{"alertmanager", url}, {"count", count}, {"err", st}});
        metrics_->errors->WithLabelValues({url}).Inc(static_cast<double>(count));
        metrics_->sent->WithLabelValues({url}).Inc(static_cast<double>(count));
      }
      continue;
    }
    for (const auto& url : set.urls) {
      reqs.push_back(base);
      reqs.back().url = url;
      req_set.push_back(si);
      req_count.push_back(count);
    }
  }
  std::vector<PostResult> results = poster_->PostAll(reqs);
  for (size_t i = 0; i < reqs.size(); ++i) {
    const std::string& url = reqs[i].url;
    const double count = static_cast<double>(req_count[i]);
    if (!results[i].status.ok()) {
      logger_.Error("Error sending alerts",
                    {{"alertmanager", url}, {"count", req_count[i]}, {"err", results[i].status}});
      metrics_->errors->WithLabelValues({url}).Inc(count);
    } else {
      covered[req_set[i]] = 1;
    }
    metrics_->latency->Observe(url, std::chrono::duration<double>(results[i].duration).count(),
                               SteadyMs(begin + results[i].duration));
    metrics_->sent->WithLabelValues({url}).Inc(count);
  }
  for (size_t si = 0; si < sets.size(); ++si) {
    if (attempted[si] && !covered[si]) return false;
  }
  return true;
}

}  // namespace ward::notifier
