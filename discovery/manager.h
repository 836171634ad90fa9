// discovery::Manager runs the target providers of every scrape job (or
// Alertmanager set) and hands the complete target groups per set name to a
// callback whenever something changed: static_configs once, file_sd_configs
// on file change (inotify on the pattern directories) and every
// refresh_interval. Deliveries are rate-limited to one per update_interval
// (Prometheus: 5s), except the first one after construction and after each
// ApplyConfig, which go out at once. Sits between config (input) and scrape
// / notifier (consumers of the callback).
//
// Thread-safe. Owns one background thread, which also runs the callback (never
// with a lock held, so the callback may call Current(); it must not call
// ApplyConfig or Stop).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "discovery/targetgroup/targetgroup.h"
#include "util/status.h"

namespace ward::discovery {

// The providers of one target set (one scrape job).
struct ProviderConfigs {
  std::vector<config::StaticConfig> static_configs;
  std::vector<config::FileSDConfig> file_sd_configs;

  bool operator==(const ProviderConfigs& o) const;
};

// Set name (job name) -> all its groups, static first, then file_sd in config
// order. Static groups have sources "0", "1", ...; file groups "<path>:<i>".
using TargetSets = std::map<std::string, std::vector<targetgroup::Group>>;

struct ManagerOptions {
  // Minimum time between two deliveries. Default: 5s, as Prometheus.
  std::chrono::milliseconds update_interval{5000};
  // Where errors go (a file_sd file that fails to parse ...). Default: the
  // util/log logger "discovery manager" at level error.
  std::function<void(std::string_view)> log;
};

class Manager {
 public:
  using Callback = std::function<void(const TargetSets&)>;

  explicit Manager(Callback cb, ManagerOptions opts = {});
  ~Manager();  // Stop()s.

  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Replaces the set of providers. Sets whose ProviderConfigs are unchanged
  // keep their providers and current groups; others restart. The new target
  // sets are delivered promptly. Returns an error only after Stop().
  Status ApplyConfig(const std::map<std::string, ProviderConfigs>& sets);

  // The scrape jobs of `cfg` as provider sets, keyed by job name.
  static std::map<std::string, ProviderConfigs> ScrapeSets(const config::Config& cfg);
  // The alertmanager sets of `cfg`, keyed "config-0", "config-1", ... as Prometheus.
  static std::map<std::string, ProviderConfigs> AlertmanagerSets(const config::Config& cfg);

  // The last delivered target sets.
  TargetSets Current() const;

  // Stops the background thread; no callback runs after it returns. Idempotent.
  void Stop();

 private:
  struct TargetSet;

  void Run();
  // Rebuilds providers after ApplyConfig. Called on the background thread.
  void Reconfigure();
  void SetUpWatches();
  void Wake();

  const Callback callback_;
  const ManagerOptions opts_;
  int wake_fds_[2] = {-1, -1};  // self-pipe waking the background thread
  int inotify_fd_ = -1;         // background thread only
  std::thread thread_;
  // Background-thread state.
  std::map<std::string, std::unique_ptr<TargetSet>> sets_;
  bool force_send_ = true;

  std::mutex join_mu_;  // serializes joining thread_ in Stop()

  mutable std::mutex mu_;
  bool stopped_ = false;                                // guarded by mu_
  bool pending_config_ = false;                         // guarded by mu_
  std::map<std::string, ProviderConfigs> next_config_;  // guarded by mu_
  TargetSets current_;                                  // guarded by mu_
};

}  // namespace ward::discovery
