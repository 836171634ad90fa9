// Prometheus's HTTP API v1 (/api/v1/...) for ward: instant and range
// queries, series/labels/label values, targets, scrape pools, status pages,
// and the empty shapes of rules, alerts, metadata and exemplars. Handlers
// read through storage::Queryable and promql::Engine; their JSON matches
// Prometheus's byte for byte (json.h), so Grafana and promtool work as is.
// Thread safety: RegisterAPI before Server::Start; the handlers it installs
// are thread-safe (queries run on the server's worker pool, never on I/O
// threads).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels/labels.h"
#include "model/labels/matcher.h"
#include "util/result.h"
#include "util/status.h"
#include "promql/engine.h"
#include "storage/interface.h"
#include "web/server.h"

namespace ward::rules {
class Manager;
}  // namespace ward::rules

namespace ward::scrape {
class Manager;
}

namespace ward::web::api::v1 {

// /api/v1/status/buildinfo (Prometheus's PrometheusVersion).
struct BuildInfo {
  std::string version;  // empty: APIOptions::version
  std::string revision;
  std::string branch;
  std::string build_user;
  std::string build_date;
  std::string go_version;  // the toolchain, e.g. "gcc 12.2.0"
};

// /api/v1/status/runtimeinfo (Prometheus's RuntimeInfo). Times are Unix ms.
struct RuntimeInfo {
  int64_t start_time_ms = 0;
  std::string cwd;
  std::string hostname;
  bool reload_config_success = true;
  int64_t last_config_time_ms = 0;
  int64_t corruption_count = 0;
  int64_t goroutine_count = 0;  // ward: threads
  int64_t gomaxprocs = 0;       // ward: cores used
  int64_t gomemlimit = 0;
  std::string gogc;
  std::string godebug;
  std::string storage_retention;  // "15d", "15d or 512MiB"
};

// headStats of /api/v1/status/tsdb (Prometheus's HeadStats). Times are
// Unix ms, as the head reports them (min > max when the head is empty).
struct TSDBHeadStats {
  uint64_t num_series = 0;
  int64_t chunk_count = 0;
  int64_t min_time_ms = 0;
  int64_t max_time_ms = 0;
};

// /api/v1/status/walreplay: the WAL segments replayed at startup. After
// replay, current == max.
struct WALReplayStatus {
  int64_t min = 0;
  int64_t max = 0;
  int64_t current = 0;
};

// One Alertmanager for /alertmanagers.
struct AlertmanagerURL {
  std::string url;       // ".../api/v2/alerts"
  bool dropped = false;  // dropped by relabeling
};

struct APIOptions {
  // What queries, series and labels read. Required; must outlive the server.
  storage::Queryable* db = nullptr;
  // Evaluates /query and /query_range. Required; must outlive the server.
  promql::Engine* engine = nullptr;
  // Source of /targets and /scrape_pools. Optional (nullptr: no targets);
  // must outlive the server.
  scrape::Manager* scrape = nullptr;
  // The loaded configuration as YAML, for /status/config. Optional ("").
  // Called on worker threads, possibly concurrently: must be thread-safe.
  std::function<std::string()> config_yaml;
  // Command-line flags by name without dashes ("storage.tsdb.path"), for
  // /status/flags.
  std::map<std::string, std::string> flags;
  // ward's version ("0.1.0"), for /status/buildinfo.
  std::string version;
  BuildInfo build_info;
  // For /status/runtimeinfo. Optional: default values without it.
  // Called on I/O threads: must be quick and thread-safe.
  std::function<RuntimeInfo()> runtime_info;
  // The engine's default lookback delta (--query.lookback-delta), used when a
  // query has no lookback_delta parameter. 0: the engine's own. Default: 0.
  int64_t lookback_delta_ms = 0;
  // External URL ("http://host:9090/prefix") and listen address
  // ("0.0.0.0:9090") for the targets' globalUrl, which replaces a localhost
  // scrape host with the external host. Empty: globalUrl = scrapeUrl.
  std::string external_url;
  std::string listen_address;
  // Clock for queries without `time` (Unix ms). Default: system clock.
  std::function<int64_t()> now_ms;
  // The head block, whose series /status/tsdb counts (over the time range
  // head_stats reports). Optional: nullptr reads `db` over all time.
  // Must outlive the server.
  storage::Queryable* head = nullptr;
  // headStats for /status/tsdb. Optional: without it numSeries is the
  // number of series counted and the other fields are 0. Called on worker
  // threads: must be thread-safe.
  std::function<TSDBHeadStats()> head_stats;
  // For /status/walreplay. Optional: {0,0,0} without it. Called on I/O
  // threads: must be quick and thread-safe.
  std::function<WALReplayStatus()> wal_replay;
  // The configuration's external labels, added by /federate to series that
  // lack them. Optional (none). Called on worker threads: thread-safe.
  std::function<labels::Labels()> external_labels;
  // Rule groups and alerting rules for /rules and /alerts. Optional
  // (nullptr: none); must outlive the server.
  rules::Manager* rules = nullptr;
  // Alertmanagers for /alertmanagers. Optional (none). Called on worker
  // threads: thread-safe.
  std::function<std::vector<AlertmanagerURL>()> alertmanagers;
  // Answer 503 until the server is ready (Server::SetReady), as Prometheus
  // does while the TSDB opens. Default: true.
  bool require_ready = true;

  // --web.enable-admin-api: serve /api/v1/admin/tsdb/*. Without it they
  // answer 503 "admin APIs disabled", as Prometheus does. Default: false.
  bool enable_admin = false;
  // Snapshots the TSDB (skip_head: blocks only) into a new directory under
  // <storage.tsdb.path>/snapshots/ and returns its name (SnapshotName).
  // Optional: without it /admin/tsdb/snapshot fails with "internal".
  // Called on worker threads: must be thread-safe.
  std::function<Result<std::string>(bool skip_head)> snapshot;
  // Deletes the samples in [mint, maxt] of the series matching all
  // matchers (tombstones). Optional, thread-safe, called on worker threads.
  std::function<Status(int64_t mint, int64_t maxt, const std::vector<labels::Matcher>& ms)>
      delete_series;
  // Rewrites the blocks with tombstones without the deleted samples.
  // Optional, thread-safe, called on worker threads.
  std::function<Status()> clean_tombstones;
};

// A snapshot directory's name as Prometheus makes it:
// "<YYYYMMDDTHHMMSSZ of now_ms in UTC>-<rnd as 16 hex digits>".
std::string SnapshotName(int64_t now_ms, uint64_t rnd);
// A random 63-bit value for SnapshotName (as Go's rand.Int63). Thread-safe.
uint64_t SnapshotRandom();

// Registers every /api/v1 route, and /federate, on `server`. REQUIRES: server not started;
// opts.db and opts.engine set.
void RegisterAPI(web::Server& server, APIOptions opts);

// The API's error kinds (errorType) and their HTTP status codes.
enum class ErrorType {
  kBadData,
  kExecution,
  kTimeout,
  kCanceled,
  kUnavailable,
  kNotFound,
  kInternal
};
std::string_view ErrorTypeName(ErrorType t);
int HttpStatusFor(ErrorType t);
// Maps a Status from storage or the engine to an errorType (InvalidArgument
// -> bad_data, Execution -> execution, Timeout -> timeout, Canceled ->
// canceled, Unavailable -> unavailable, NotFound -> not_found, storage
// errors -> internal).
ErrorType ErrorTypeFor(const Status& s);

// Writes `{"status":"error","errorType":...,"error":...}` (plus warnings
// when given) with the matching HTTP status and Content-Type.
void WriteError(Response& resp, ErrorType type, std::string_view msg,
                const std::vector<std::string>& warnings = {},
                const std::vector<std::string>& infos = {});

}  // namespace ward::web::api::v1
