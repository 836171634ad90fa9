// notifier::Manager: the alert queue between rules/ and Alertmanager. Send()
// adds external labels, applies alerting.alert_relabel_configs and enqueues
// (bounded; the oldest alerts are dropped beyond capacity); one sender thread
// takes batches of at most 256 and POSTs each to every discovered
// Alertmanager in parallel (API v2 JSON, see openapi.h), as Prometheus 3.x's
// notifier does. Alertmanagers come from each alertmanager config's
// static_configs / file_sd_configs through a discovery::Manager owned here,
// relabeled with its relabel_configs (see alertmanager.h).
//
// Thread safety: all methods are thread-safe. Send() never blocks on I/O.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "discovery/manager.h"
#include "model/labels/labels.h"
#include "model/relabel/relabel.h"
#include "notifier/alert.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/status.h"

namespace ward::notifier {

class HttpPoster;
class LatencySummary;

inline constexpr size_t kDefaultMaxBatchSize = 256;

struct Options {
  // --alertmanager.notification-queue-capacity. Default: 10000.
  size_t queue_capacity = 10000;
  // --alertmanager.drain-notification-queue-on-shutdown. Default: true.
  // When false, alerts still queued at Stop() are counted as dropped.
  bool drain_on_shutdown = true;
  // Upper bound on the drain at Stop() (ward's addition; Prometheus waits
  // for the queue to empty). What is left after it is dropped and counted.
  // Default: 30s.
  int64_t drain_timeout_ms = 30000;
  // Alerts per POST. Default: 256 (Prometheus's DefaultMaxBatchSize).
  size_t max_batch_size = kDefaultMaxBatchSize;
  // global.external_labels; replaced by ApplyConfig. Alert labels win.
  labels::Labels external_labels;
  // alerting.alert_relabel_configs; replaced by ApplyConfig.
  std::vector<relabel::Config> alert_relabel_configs;
  // Where the prometheus_notifications_* metrics go. nullptr: the
  // process-wide metrics::DefaultRegistry(). One Manager per registry.
  metrics::Registry* registry = nullptr;
  // Minimum time between two Alertmanager discovery updates. Default: 5s.
  std::chrono::milliseconds discovery_update_interval{5000};
  // User-Agent of the POSTs.
  std::string user_agent = "ward/0.1.0";
};

// One Alertmanager as /api/v1/alertmanagers lists it.
struct AlertmanagerInfo {
  std::string url;       // scheme://host:port/prefix/api/v2/alerts
  bool dropped = false;  // true: removed by relabel_configs (droppedAlertmanagers)
};

class Manager {
 public:
  explicit Manager(Options opts);
  ~Manager();  // Stop()s.

  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Takes global.external_labels, alerting.alert_relabel_configs and the
  // alertmanager configs. A config equal to one already running keeps its
  // discovered Alertmanagers until discovery reports again. Fails with
  // InvalidArgument (and changes nothing) on an api_version other than v2.
  Status ApplyConfig(const config::Config& cfg);

  // Relabels and enqueues `alerts`; never blocks on I/O. Beyond capacity
  // the oldest queued alerts are dropped (prometheus_notifications_dropped_total).
  void Send(std::vector<Alert> alerts);

  // Starts the sender thread and returns. Alerts sent before Run() wait in
  // the queue. Idempotent.
  void Run();

  // Stops discovery, then drains the queue (if drain_on_shutdown, for at
  // most drain_timeout_ms) and joins the sender. Idempotent. Send() after
  // Stop() drops the alerts and counts them.
  void Stop();

  // Active Alertmanagers (in config order, deduplicated) then dropped ones.
  std::vector<AlertmanagerInfo> Alertmanagers() const;

  // Alerts waiting to be sent.
  size_t queue_length() const;

  // Replaces the discovered target groups of the sets named "config-<i>"
  // (discovery::Manager::AlertmanagerSets). Called by the owned discovery
  // manager; exposed for callers that run discovery themselves.
  void SyncTargets(const discovery::TargetSets& sets);

 private:
  struct AmSet;
  struct Settings;
  struct Metrics;

  void SenderLoop();
  // Sends one batch to every set. Returns false when some set with
  // Alertmanagers had no success. Each request's timeout is capped at
  // `deadline`.
  bool SendAll(const std::vector<Alert>& batch, std::chrono::steady_clock::time_point deadline);
  std::vector<Alert> NextBatch();
  void UpdateDiscoveredGauge();
  // Sends or drops what is queued once the sender stopped.
  void Drain();

  const Options opts_;
  const log::Logger logger_{"notifier"};
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<HttpPoster> poster_;  // sender thread only
  std::unique_ptr<discovery::Manager> discovery_;
  std::thread sender_;

  mutable std::mutex mu_;                           // config state
  std::shared_ptr<const Settings> settings_;        // guarded by mu_
  std::vector<std::shared_ptr<const AmSet>> sets_;  // guarded by mu_; [i] is "config-<i>"
  bool running_ = false;                            // guarded by mu_
  bool stopped_ = false;                            // guarded by mu_

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Alert> queue_;   // guarded by queue_mu_
  bool stop_sender_ = false;  // guarded by queue_mu_
};

}  // namespace ward::notifier
