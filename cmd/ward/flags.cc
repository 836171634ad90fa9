#include "cmd/ward/flags.h"

#include <CLI/CLI.hpp>

#include <sstream>

#include "cmd/ward/version.h"

namespace ward {

Result<Flags> ParseFlags(int argc, char** argv, int* exit_code, std::string* out) {
  Flags f;
  *exit_code = -1;
  CLI::App app{"The ward monitoring server: Prometheus's server and its side tools in one binary.",
               "ward"};
  app.option_defaults()->always_capture_default();
  bool version = false;
  app.add_flag("--version", version, "Show application version.");

  app.add_option("--config.file", f.config_file, "Prometheus configuration file path.");
  app.add_option("--web.listen-address", f.web_listen_address,
                 "Address to listen on for UI, API, and telemetry.");
  app.add_option("--web.external-url", f.web_external_url,
                 "The URL under which ward is externally reachable.");
  app.add_option("--web.route-prefix", f.web_route_prefix,
                 "Prefix for the internal routes of web endpoints.");
  app.add_flag("--web.enable-lifecycle,!--no-web.enable-lifecycle", f.web_enable_lifecycle,
               "Enable shutdown and reload via HTTP request.");
  app.add_flag("--web.enable-admin-api,!--no-web.enable-admin-api", f.web_enable_admin_api,
               "Enable API endpoints for admin control actions.");
  app.add_flag("--web.enable-remote-write-receiver,!--no-web.enable-remote-write-receiver",
               f.web_enable_remote_write_receiver, "Enable API endpoint accepting remote write.");
  app.add_option("--web.max-connections", f.web_max_connections,
                 "Maximum number of simultaneous connections.");
  app.add_option("--web.read-timeout", f.web_read_timeout,
                 "Maximum duration before timing out read of the request.");
  app.add_option("--web.cors.origin", f.web_cors_origin, "Regex for CORS origin.");
  app.add_option("--web.page-title", f.web_page_title, "Document title of the web UI.");
  app.add_option("--web.dashboards.dir", f.web_dashboards_dir,
                 "Directory with more dashboard YAML files for the web UI (ward).");

  app.add_option("--storage.tsdb.path", f.storage_tsdb_path, "Base path for metrics storage.");
  app.add_option("--storage.tsdb.retention.time", f.storage_tsdb_retention_time,
                 "How long to retain samples in storage (default 15d).");
  app.add_option("--storage.tsdb.retention.size", f.storage_tsdb_retention_size,
                 "Maximum number of bytes that can be stored for blocks.");
  app.add_option("--storage.tsdb.min-block-duration", f.storage_tsdb_min_block_duration,
                 "Minimum duration of a data block before being persisted.");
  app.add_option("--storage.tsdb.max-block-duration", f.storage_tsdb_max_block_duration,
                 "Maximum duration compacted blocks may span.");
  app.add_option("--storage.tsdb.compacted-chunk-encoding", f.storage_tsdb_compacted_chunk_encoding,
                 "Chunk encoding of compacted blocks: xor (Prometheus's) or dense (ward only, "
                 "smaller; `wardtool tsdb convert` goes back).")
      ->check(CLI::IsMember({"xor", "dense"}));
  app.add_flag("--storage.tsdb.wal-compression,!--no-storage.tsdb.wal-compression",
               f.storage_tsdb_wal_compression, "Compress the tsdb WAL.");
  app.add_option("--storage.tsdb.wal-compression-type", f.storage_tsdb_wal_compression_type,
                 "Compression algorithm for the tsdb WAL (snappy, zstd).")
      ->check(CLI::IsMember({"snappy", "zstd"}));
  app.add_option("--storage.tsdb.wal-segment-size", f.storage_tsdb_wal_segment_size,
                 "Size at which to split the tsdb WAL segment files (e.g. 100MB).");
  app.add_flag("--storage.tsdb.no-lockfile,!--no-storage.tsdb.no-lockfile",
               f.storage_tsdb_no_lockfile, "Do not create lockfile in data directory.");
  app.add_option("--storage.tsdb.wal-sync-interval", f.storage_tsdb_wal_sync_interval,
                 "How often the WAL is flushed and fsynced (ward).");
  app.add_flag(
      "--storage.tsdb.memory-snapshot-on-shutdown,!--no-storage.tsdb.memory-snapshot-on-shutdown",
      f.storage_tsdb_memory_snapshot_on_shutdown,
      "Snapshot the head on shutdown and load it on start, skipping the WAL replay (ward; on by "
      "default).");

  app.add_option("--rules.alert.for-outage-tolerance", f.rules_alert_for_outage_tolerance,
                 "Max time to tolerate outage for restoring \"for\" state of alert.");
  app.add_option("--rules.alert.for-grace-period", f.rules_alert_for_grace_period,
                 "Minimum duration between alert and restored \"for\" state.");
  app.add_option("--rules.alert.resend-delay", f.rules_alert_resend_delay,
                 "Minimum amount of time to wait before resending an alert to Alertmanager.");
  app.add_option("--alertmanager.notification-queue-capacity",
                 f.alertmanager_notification_queue_capacity,
                 "The capacity of the queue for pending Alertmanager notifications.");
  app.add_flag("--alertmanager.drain-notification-queue-on-shutdown,"
               "!--no-alertmanager.drain-notification-queue-on-shutdown",
               f.alertmanager_drain_notification_queue_on_shutdown,
               "Send any outstanding Alertmanager notifications when shutting down.");

  app.add_option("--query.lookback-delta", f.query_lookback_delta,
                 "The maximum lookback duration for retrieving metrics during expression "
                 "evaluations and federation.");
  app.add_option("--query.timeout", f.query_timeout,
                 "Maximum time a query may take before being aborted.");
  app.add_option("--query.max-concurrency", f.query_max_concurrency,
                 "Maximum number of queries executed concurrently.");
  app.add_option("--query.max-samples", f.query_max_samples,
                 "Maximum number of samples a single query can load into memory.");

  app.add_option("--enable-feature", f.enable_feature,
                 "Comma separated feature names to enable.")
      ->delimiter(',');
  app.add_option("--log.level", f.log_level, "Only log messages with the given severity or above.")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option("--log.format", f.log_format, "Output format of log messages.")
      ->check(CLI::IsMember({"logfmt", "json"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream os, es;
    int rc = app.exit(e, os, es);
    if (rc == 0) {  // --help
      *exit_code = 0;
      *out = os.str();
      return f;
    }
    return Status::InvalidArgument(es.str().empty() ? e.what() : es.str());
  }
  // Prometheus's feature flag for what ward does by default: accepted, and
  // dropped so that it is not reported as unknown.
  std::erase(f.enable_feature, std::string("memory-snapshot-on-shutdown"));
  if (version) {
    *exit_code = 0;
    *out = std::string("ward, version ") + kVersion + "\n";
  }
  return f;
}

}  // namespace ward
