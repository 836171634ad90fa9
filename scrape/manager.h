// Manager: the scrape side of the server. ApplyConfig creates, reloads and
// removes one ScrapePool per scrape job; ApplyTargets (fed by the discovery
// manager) syncs each pool with its job's target groups. It owns the single
// HttpClient (event loop + worker pool) that every loop uses, and exposes
// target snapshots for /api/v1/targets and prometheus_target_* metrics.
// Thread-safe: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "discovery/targetgroup/targetgroup.h"
#include "scrape/http_client.h"
#include "scrape/scrape_metrics.h"
#include "scrape/scrape_pool.h"
#include "storage/interface.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/status.h"

namespace ward::scrape {

class Manager {
 public:
  struct Options {
    // Where prometheus_target_* metrics go. Default: metrics::DefaultRegistry().
    metrics::Registry* registry = nullptr;
    HttpClient::Options http;
    // Mixed into every target's scrape offset (with the external labels), so
    // HA pairs do not scrape in lockstep. Default: gethostname().
    std::string hostname;
  };

  // `app` must outlive the manager.
  explicit Manager(storage::Appendable& app);
  Manager(storage::Appendable& app, Options opts);
  ~Manager();  // Calls Stop().

  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Starts pools for new jobs (scraping once targets arrive), reloads pools
  // whose job config changed, and stops pools of removed jobs (their series
  // are marked stale). Fails only after Stop().
  Status ApplyConfig(const config::Config& cfg);

  // The full set of target groups per job, as the discovery manager
  // delivers it. Jobs without a config are remembered until one appears.
  void ApplyTargets(const std::map<std::string, std::vector<targetgroup::Group>>& tsets);

  // Stops every loop without staleness markers (shutdown), cancels
  // in-flight scrapes and joins the HTTP threads. Idempotent.
  void Stop();

  // Snapshots for the API, ordered by job name then target.
  std::vector<TargetInfo> ActiveTargets() const;
  std::vector<DroppedTarget> DroppedTargets() const;
  std::map<std::string, size_t> DroppedTargetCounts() const;
  std::vector<std::string> ScrapePools() const;

  // The pool of `job`, or nullptr (for tests).
  ScrapePool* PoolForTesting(const std::string& job);

 private:
  storage::Appendable& app_;
  const Options opts_;
  metrics::Registry& registry_;
  ScrapeMetrics metrics_;
  const log::Logger log_;
  std::unique_ptr<HttpClient> client_;

  mutable std::mutex mu_;
  bool stopped_ = false;                                                        // guarded by mu_
  uint64_t offset_seed_ = 0;                                                    // guarded by mu_
  std::map<std::string, std::shared_ptr<const config::ScrapeConfig>> configs_;  // guarded by mu_
  std::map<std::string, std::string> fingerprints_;                             // guarded by mu_
  std::map<std::string, std::unique_ptr<ScrapePool>> pools_;                    // guarded by mu_
  std::map<std::string, std::vector<targetgroup::Group>> targets_;              // guarded by mu_
};

}  // namespace ward::scrape
