// ScrapeMetrics: ward's own prometheus_target_* metrics about scraping,
// named as Prometheus names them so existing dashboards keep working.
// Registered once per Registry (registering again returns the same
// metrics). Thread-safe: every member is a lock-free metric.
#pragma once

#include "util/metrics.h"

namespace ward::scrape {

struct ScrapeMetrics {
  explicit ScrapeMetrics(metrics::Registry& r);

  metrics::Counter& scrape_pools_total;
  metrics::Counter& scrape_pools_failed_total;
  metrics::Counter& scrape_pool_reloads_total;
  metrics::Counter& scrape_pool_reloads_failed_total;
  metrics::Counter& exceeded_target_limit_total;
  metrics::Counter& exceeded_sample_limit_total;
  metrics::Counter& exceeded_body_size_limit_total;
  metrics::Counter& exceeded_label_limits_total;
  metrics::Counter& sample_out_of_order_total;
  metrics::Counter& sample_duplicate_timestamp_total;
  metrics::Counter& sample_out_of_bounds_total;
  metrics::Counter& sync_failed_total;
  metrics::Family<metrics::Histogram>& interval_length_seconds;  // label: interval
  metrics::Family<metrics::Histogram>& sync_length_seconds;      // label: scrape_job
  metrics::Family<metrics::Counter>& scrape_pool_sync_total;     // label: scrape_job
  metrics::Family<metrics::Gauge>& scrape_pool_targets;          // label: scrape_job
};

}  // namespace ward::scrape
