#include "scrape/scrape_metrics.h"

namespace ward::scrape {

ScrapeMetrics::ScrapeMetrics(metrics::Registry& r)
    : scrape_pools_total(r.NewCounter("prometheus_target_scrape_pools_total",
                                      "Scrape pools created (one per job with targets).")),
      scrape_pools_failed_total(r.NewCounter("prometheus_target_scrape_pools_failed_total",
                                             "Scrape pools that could not be created.")),
      scrape_pool_reloads_total(r.NewCounter("prometheus_target_scrape_pool_reloads_total",
                                             "Scrape pool reloads after a job config change.")),
      scrape_pool_reloads_failed_total(
          r.NewCounter("prometheus_target_scrape_pool_reloads_failed_total",
                       "Scrape pool reloads that failed.")),
      exceeded_target_limit_total(
          r.NewCounter("prometheus_target_scrape_pool_exceeded_target_limit_total",
                       "Syncs in which a pool had more targets than its target_limit.")),
      exceeded_sample_limit_total(
          r.NewCounter("prometheus_target_scrapes_exceeded_sample_limit_total",
                       "Scrapes rejected because they exceeded sample_limit.")),
      exceeded_body_size_limit_total(
          r.NewCounter("prometheus_target_scrapes_exceeded_body_size_limit_total",
                       "Scrapes aborted because the body exceeded body_size_limit.")),
      exceeded_label_limits_total(
          r.NewCounter("prometheus_target_scrape_pool_exceeded_label_limits_total",
                       "Scrapes rejected because a series exceeded a label limit.")),
      sample_out_of_order_total(
          r.NewCounter("prometheus_target_scrapes_sample_out_of_order_total",
                       "Scraped samples the storage refused as out of order.")),
      sample_duplicate_timestamp_total(
          r.NewCounter("prometheus_target_scrapes_sample_duplicate_timestamp_total",
                       "Scraped samples the storage refused: same timestamp, other value.")),
      sample_out_of_bounds_total(
          r.NewCounter("prometheus_target_scrapes_sample_out_of_bounds_total",
                       "Scraped samples the storage refused as outside its time bounds.")),
      sync_failed_total(r.NewCounter("prometheus_target_sync_failed_total",
                                     "Discovered targets that could not become scrape targets.")),
      interval_length_seconds(
          r.NewHistogramFamily("prometheus_target_interval_length_seconds",
                               "Measured time between the starts of consecutive scrapes.",
                               {"interval"}, {0.01, 0.1, 1, 5, 10, 15, 30, 60, 120, 300, 600})),
      sync_length_seconds(r.NewHistogramFamily("prometheus_target_sync_length_seconds",
                                               "Time taken to sync a scrape pool with its targets.",
                                               {"scrape_job"}, {})),
      scrape_pool_sync_total(r.NewCounterFamily("prometheus_target_scrape_pool_sync_total",
                                                "Target syncs run per scrape pool.",
                                                {"scrape_job"})),
      scrape_pool_targets(r.NewGaugeFamily("prometheus_target_scrape_pool_targets",
                                           "Active targets per scrape pool.", {"scrape_job"})) {}

}  // namespace ward::scrape
