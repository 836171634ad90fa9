// Command-line flags of the ward server. Names and defaults follow
// Prometheus's (`prometheus --help`), so existing unit files and scripts keep
// working. Parsed once at startup by ParseFlags; the struct is then read-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/result.h"

namespace ward {

struct Flags {
  // Default: prometheus.yml. Reloadable: the file is re-read on SIGHUP and /-/reload.
  std::string config_file = "prometheus.yml";
  // Default: 0.0.0.0:9090.
  std::string web_listen_address = "0.0.0.0:9090";
  std::string web_external_url;
  std::string web_route_prefix;
  bool web_enable_lifecycle = false;
  bool web_enable_admin_api = false;
  bool web_enable_remote_write_receiver = false;
  int web_max_connections = 512;
  std::string web_read_timeout = "5m";
  std::string web_cors_origin = ".*";
  std::string web_page_title = "Prometheus Time Series Collection and Processing Server";
  // More dashboard YAML files for the UI (ward). Default: none.
  std::string web_dashboards_dir;

  // Default: data/.
  std::string storage_tsdb_path = "data/";
  std::string storage_tsdb_retention_time;  // "" = 15d unless a size is set
  std::string storage_tsdb_retention_size;  // "" = unlimited
  std::string storage_tsdb_min_block_duration = "2h";
  std::string storage_tsdb_max_block_duration;
  // Chunk encoding of blocks written by compaction: "xor" (Prometheus's) or
  // "dense" (ward only; tsdb/docs/format/dense_chunks.md). Wired to
  // tsdb::Options::compacted_chunk_encoding. Default: "xor". Reloadable: no.
  std::string storage_tsdb_compacted_chunk_encoding = "xor";
  bool storage_tsdb_wal_compression = true;
  std::string storage_tsdb_wal_compression_type = "snappy";
  std::string storage_tsdb_wal_segment_size;
  bool storage_tsdb_no_lockfile = false;
  // How often the WAL is fsynced (ward; Prometheus syncs on segment cut
  // and relies on the page cache otherwise). Default: 1s.
  std::string storage_tsdb_wal_sync_interval = "1s";
  // Write a chunk snapshot of the head on shutdown and load it on start
  // (fast restarts; tsdb/head_snapshot.h). Prometheus's
  // --enable-feature=memory-snapshot-on-shutdown, which ward accepts as a
  // no-op since it is on by default; --no-storage.tsdb.memory-snapshot-on-shutdown
  // turns it off (snapshots are then neither written nor loaded).
  // Default: true. Wired to tsdb::Options::memory_snapshot_on_shutdown.
  bool storage_tsdb_memory_snapshot_on_shutdown = true;

  std::string rules_alert_for_outage_tolerance = "1h";
  std::string rules_alert_for_grace_period = "10m";
  std::string rules_alert_resend_delay = "1m";
  int alertmanager_notification_queue_capacity = 10000;
  bool alertmanager_drain_notification_queue_on_shutdown = true;

  std::string query_lookback_delta = "5m";
  std::string query_timeout = "2m";
  int query_max_concurrency = 20;
  int64_t query_max_samples = 50000000;

  std::vector<std::string> enable_feature;
  std::string log_level = "info";
  std::string log_format = "logfmt";
};

// Parses argv. Returns the flags, or an error whose message is what to print
// (usage errors). `exit_code` is set when the process should exit right away
// (--help, --version) with that code; the text to print is in `*out`.
Result<Flags> ParseFlags(int argc, char** argv, int* exit_code, std::string* out);

}  // namespace ward
