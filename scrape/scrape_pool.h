// ScrapePool: the targets and scrape loops of one scrape job. Sync turns the
// job's discovered target groups into targets (target relabeling), starts a
// loop per new target, stops loops of vanished targets (writing staleness
// markers for their series) and enforces target_limit. Reload swaps in a
// changed job config. Thread-safe: Sync, Reload, Stop and the snapshots may be
// called from any thread (calls are serialized by a mutex).
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
#include "scrape/scrape_loop.h"
#include "scrape/scrape_metrics.h"
#include "scrape/target.h"
#include "storage/interface.h"
#include "util/log.h"

namespace ward::scrape {

// A snapshot of one active target, for /api/v1/targets.
struct TargetInfo {
  std::string scrape_pool;
  labels::Labels labels;             // the target's public labels
  labels::Labels discovered_labels;  // before relabeling
  std::string scrape_url;
  TargetHealth health = TargetHealth::kUnknown;
  std::string last_error;
  int64_t last_scrape_ms = 0;  // Unix ms, 0 = never scraped
  double last_scrape_duration_seconds = 0;
  int64_t interval_ms = 0;
  int64_t timeout_ms = 0;
  // TYPE/HELP/UNIT of the families the target exposed (null: none yet).
  std::shared_ptr<const Target::MetadataList> metadata;
};

// A target dropped by relabeling, for /api/v1/targets?state=dropped.
struct DroppedTarget {
  std::string scrape_pool;
  labels::Labels discovered_labels;
};

// A string that differs when any setting of `cfg` that affects scraping
// differs (used to decide whether a pool must reload).
std::string ScrapeConfigFingerprint(const config::ScrapeConfig& cfg);

class ScrapePool {
 public:
  // The references must outlive the pool and every loop it started (i.e.
  // until `client` is stopped).
  ScrapePool(std::shared_ptr<const config::ScrapeConfig> cfg, storage::Appendable& app,
             HttpClient& client, ScrapeMetrics& metrics, uint64_t offset_seed);
  // Stops the loops without staleness markers (Stop(false)); does not wait.
  ~ScrapePool();

  ScrapePool(const ScrapePool&) = delete;
  ScrapePool& operator=(const ScrapePool&) = delete;

  // Replaces the job's targets by those of `groups`.
  void Sync(const std::vector<targetgroup::Group>& groups);

  // Applies a changed config: every loop restarts with it (no staleness
  // markers, so series continue) and the last groups are re-synced. A new
  // loop inherits its predecessor's scrape cache when the predecessor was
  // idle and the settings that shape cached labels did not change.
  void Reload(std::shared_ptr<const config::ScrapeConfig> cfg);

  // Stops every loop; with `write_stale_markers` (the job was removed) their
  // series are marked stale. Returns at once; Wait() blocks until done.
  void Stop(bool write_stale_markers);
  void Wait();

  std::vector<TargetInfo> ActiveTargets() const;
  std::vector<DroppedTarget> DroppedTargets() const;
  // Dropped targets counted in the last sync (also those not kept).
  size_t dropped_count() const;
  std::shared_ptr<const config::ScrapeConfig> config() const;
  // The loops, ordered by target hash (for tests).
  std::vector<std::shared_ptr<ScrapeLoop>> loops() const;

 private:
  // `previous`: loops being replaced by a reload, whose caches may be reused.
  void SyncLocked(const std::vector<targetgroup::Group>& groups,
                  std::map<uint64_t, std::shared_ptr<ScrapeLoop>>* previous = nullptr);

  storage::Appendable& app_;
  HttpClient& client_;
  ScrapeMetrics& metrics_;
  const uint64_t offset_seed_;
  const log::Logger log_;

  mutable std::mutex mu_;
  std::shared_ptr<const config::ScrapeConfig> cfg_;        // guarded by mu_
  std::vector<targetgroup::Group> groups_;                 // guarded by mu_
  std::map<uint64_t, std::shared_ptr<ScrapeLoop>> loops_;  // guarded by mu_
  std::vector<std::shared_ptr<ScrapeLoop>> stopping_;      // guarded by mu_
  std::vector<DroppedTarget> dropped_;                     // guarded by mu_
  size_t dropped_count_ = 0;                               // guarded by mu_
  bool stopped_ = false;                                   // guarded by mu_
};

}  // namespace ward::scrape
