// Target: one endpoint to scrape, as produced from a discovered target by
// target relabeling (PopulateLabels, Prometheus's scrape/target.go
// semantics), plus its scrape health for /api/v1/targets. BuildRequest turns
// a target and its job config into an HttpRequest (credential files are read
// at request time). Thread safety: labels, URL and interval are immutable;
// the health fields are guarded by a mutex, so a Target may be shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "model/labels/labels.h"
#include "scrape/http_client.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::scrape {

inline constexpr std::string_view kAddressLabel = "__address__";
inline constexpr std::string_view kSchemeLabel = "__scheme__";
inline constexpr std::string_view kMetricsPathLabel = "__metrics_path__";
inline constexpr std::string_view kScrapeIntervalLabel = "__scrape_interval__";
inline constexpr std::string_view kScrapeTimeoutLabel = "__scrape_timeout__";
inline constexpr std::string_view kParamLabelPrefix = "__param_";
inline constexpr std::string_view kMetaLabelPrefix = "__meta_";
inline constexpr std::string_view kReservedLabelPrefix = "__";

// The User-Agent of every scrape.
inline constexpr std::string_view kUserAgent = "ward/0.1.0";

enum class TargetHealth { kUnknown, kGood, kBad };
// "unknown", "up", "down" (the API's spelling).
std::string_view HealthName(TargetHealth h);

// The labels of a discovered target within its group: the group's common
// labels overridden by the target's own.
labels::Labels MergeGroupLabels(const labels::Labels& target, const labels::Labels& group);

// Target relabeling, as Prometheus's PopulateLabels: adds job,
// __scheme__, __metrics_path__, __scrape_interval__, __scrape_timeout__ and
// __param_<name> defaults from `cfg` when absent (the result is written to
// *discovered for the API), applies cfg.relabel_configs, then checks the
// address and the interval/timeout labels, removes __meta_* labels and
// defaults `instance` to __address__. On success *out holds the target's
// full label set (still with the other __ labels), or is empty when
// relabeling dropped the target. Errors (e.g. "no address", "scrape timeout
// cannot be greater than scrape interval ...") mean the target is unusable.
Status PopulateLabels(const labels::Labels& lset, const config::ScrapeConfig& cfg,
                      labels::Labels* out, labels::Labels* discovered);

class Target {
 public:
  // `lset`: the full labels from PopulateLabels (not empty).
  // `discovered`: the labels before relabeling.
  // REQUIRES: PopulateLabels accepted `lset` (address, interval, timeout valid).
  Target(labels::Labels lset, labels::Labels discovered, const config::ScrapeConfig& cfg);

  // Labels attached to every scraped series: all labels not starting with "__".
  const labels::Labels& labels() const { return public_labels_; }
  // Every label incl. __address__, __scheme__, __param_* ...
  const labels::Labels& internal_labels() const { return internal_labels_; }
  const labels::Labels& discovered_labels() const { return discovered_; }
  const std::string& url() const { return url_; }
  int64_t interval_ms() const { return interval_ms_; }
  int64_t timeout_ms() const { return timeout_ms_; }
  // Identity within a pool: labels and URL.
  uint64_t hash() const { return hash_; }

  // Delay before the first scrape, so targets spread over the interval and a
  // target keeps its phase across restarts: derived from the target's hash
  // and `seed` (from ward's external labels and host name), pinned to
  // absolute time.
  std::chrono::nanoseconds Offset(uint64_t seed) const;

  struct Health {
    TargetHealth health = TargetHealth::kUnknown;
    std::string last_error;
    int64_t last_scrape_ms = 0;  // Unix ms of the last scrape's start, 0 = never
    std::chrono::nanoseconds last_duration{0};
  };
  Health health() const;
  void SetHealth(int64_t start_ms, std::chrono::nanoseconds duration, const Status& err);

  // The metric metadata of the target's last scrapes, sorted by metric name
  // (for /api/v1/metadata and /api/v1/targets/metadata).
  struct MetricMetadata {
    std::string metric;
    std::string type;
    std::string help;
    std::string unit;
  };
  using MetadataList = std::vector<MetricMetadata>;
  std::shared_ptr<const MetadataList> metadata() const;
  void SetMetadata(std::shared_ptr<const MetadataList> md);

 private:
  const labels::Labels internal_labels_;
  const labels::Labels public_labels_;
  const labels::Labels discovered_;
  const std::string url_;
  const int64_t interval_ms_;
  const int64_t timeout_ms_;
  const uint64_t hash_;

  mutable std::mutex mu_;
  Health health_;  // guarded by mu_
  std::shared_ptr<const MetadataList> metadata_;  // guarded by mu_; null: none yet
};

// The request for one scrape of `target`: URL, Accept from
// cfg.scrape_protocols, Accept-Encoding per enable_compression,
// X-Prometheus-Scrape-Timeout-Seconds, User-Agent, credentials (files read
// now, trimmed of surrounding spaces), custom headers, TLS, redirects and
// body_size_limit. Fails when a credential file cannot be read.
Result<HttpRequest> BuildRequest(const config::ScrapeConfig& cfg, const Target& target);

// Go's strconv.FormatFloat(seconds, 'f', -1, 64) for a duration in ms:
// 10000 -> "10", 500 -> "0.5".
std::string FormatSeconds(int64_t ms);

}  // namespace ward::scrape
