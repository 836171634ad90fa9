// Config: the parsed prometheus.yml. Load()/LoadFile() decode the YAML as
// strictly as Prometheus does (unknown fields, wrong types, bad durations,
// invalid combinations are errors naming the file, line and field), fill in
// defaults (job intervals and limits inherited from `global`) and resolve
// relative paths against the config file's directory. The cmd/ward server
// loads it at start and on reload and hands parts to scrape, discovery,
// rules, notifier, remote storage and tsdb. Values are plain data: a loaded
// Config is immutable by convention and safe to read from many threads.
//
// Field comments give `Default:`; everything here is reloadable unless noted.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels/labels.h"
#include "model/relabel/relabel.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::config {

// Milliseconds. Written in YAML as Prometheus durations ("1m30s", "5m", "0").
using Duration = int64_t;

// A value that is printed as "<secret>" when the config is dumped.
struct Secret {
  std::string value;
  bool empty() const { return value.empty(); }
  bool operator==(const Secret&) const = default;
};

struct BasicAuth {
  std::string username;
  std::string username_file;  // path, resolved against the config dir
  Secret password;
  std::string password_file;  // path, resolved against the config dir

  bool operator==(const BasicAuth&) const = default;
};

struct Authorization {
  std::string type = "Bearer";  // Default: Bearer
  Secret credentials;
  std::string credentials_file;  // path, resolved against the config dir

  bool operator==(const Authorization&) const = default;
};

struct TLSConfig {
  std::string ca_file, cert_file, key_file;  // paths, resolved against the config dir
  std::string ca, cert;                      // inline PEM
  Secret key;                                // inline PEM
  std::string server_name;
  std::string min_version, max_version;  // "", TLS10, TLS11, TLS12, TLS13
  bool insecure_skip_verify = false;

  bool operator==(const TLSConfig&) const = default;
};

struct OAuth2 {
  std::string client_id;
  Secret client_secret;
  std::string client_secret_file;
  std::vector<std::string> scopes;
  std::string token_url;
  std::map<std::string, std::string> endpoint_params;
  TLSConfig tls_config;
  std::string proxy_url;

  bool operator==(const OAuth2&) const = default;
};

// One custom header: literal values, secret values and files to read.
struct Header {
  std::vector<std::string> values;
  std::vector<Secret> secrets;
  std::vector<std::string> files;  // paths, resolved against the config dir

  bool operator==(const Header&) const = default;
};

// Prometheus common's HTTPClientConfig. The legacy bearer_token /
// bearer_token_file are folded into `authorization` (type Bearer) at load.
struct HTTPClientConfig {
  std::optional<BasicAuth> basic_auth;
  std::optional<Authorization> authorization;
  std::optional<OAuth2> oauth2;
  TLSConfig tls_config;
  std::string proxy_url;
  std::string no_proxy;
  bool proxy_from_environment = false;
  bool follow_redirects = true;  // Default: true
  bool enable_http2 = true;      // Default: true
  std::map<std::string, Header> http_headers;

  bool operator==(const HTTPClientConfig&) const = default;
};

// A static_configs entry: targets (host:port) sharing labels.
struct StaticConfig {
  std::vector<std::string> targets;
  labels::Labels labels;

  bool operator==(const StaticConfig&) const = default;
};

struct FileSDConfig {
  // Patterns *.json, *.yml, *.yaml; at most a '*' glob in the last path
  // element. Resolved against the config dir.
  std::vector<std::string> files;
  Duration refresh_interval = 5 * 60000;  // Default: 5m

  bool operator==(const FileSDConfig&) const = default;
};

inline constexpr std::string_view kScrapeProtocols[] = {
    "PrometheusProto", "OpenMetricsText0.0.1", "OpenMetricsText1.0.0", "PrometheusText0.0.4",
    "PrometheusText1.0.0"};

struct ScrapeConfig {
  std::string job_name;
  Duration scrape_interval = 0;  // Default: global.scrape_interval
  Duration scrape_timeout = 0;   // Default: min(global.scrape_timeout, scrape_interval)
  // Default: global.scrape_protocols, else [OpenMetricsText1.0.0,
  // OpenMetricsText0.0.1, PrometheusText1.0.0, PrometheusText0.0.4]
  // (PrometheusProto first when scrape_native_histograms).
  std::vector<std::string> scrape_protocols;
  std::string fallback_scrape_protocol;  // Default: "" (scrape fails on unknown type)
  std::string metrics_path = "/metrics";
  std::string scheme = "http";  // http or https
  std::map<std::string, std::vector<std::string>> params;
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool track_timestamps_staleness = false;
  bool enable_compression = true;
  bool scrape_native_histograms = false;  // Default: global's
  bool always_scrape_classic_histograms = false;
  bool convert_classic_histograms_to_nhcb = false;
  bool extra_scrape_metrics = false;
  std::string scrape_failure_log_file;  // Default: global's
  // Limits, 0 = none. Default: the global value.
  int64_t body_size_limit = 0;  // bytes
  uint64_t sample_limit = 0;
  uint64_t target_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t keep_dropped_targets = 0;
  uint64_t native_histogram_bucket_limit = 0;
  std::string metric_name_validation_scheme = "utf8";  // utf8 | legacy
  std::string metric_name_escaping_scheme;             // allow-utf-8 | underscores | dots | values

  HTTPClientConfig http_client_config;
  std::vector<StaticConfig> static_configs;
  std::vector<FileSDConfig> file_sd_configs;
  std::vector<relabel::Config> relabel_configs;
  std::vector<relabel::Config> metric_relabel_configs;

  bool operator==(const ScrapeConfig&) const = default;
};

struct GlobalConfig {
  Duration scrape_interval = 60000;      // Default: 1m
  Duration scrape_timeout = 10000;       // Default: 10s
  Duration evaluation_interval = 60000;  // Default: 1m
  Duration rule_query_offset = 0;        // Default: 0s
  labels::Labels external_labels;        // $VAR / ${VAR} expanded from the environment
  std::vector<std::string> scrape_protocols;
  std::string query_log_file;
  std::string scrape_failure_log_file;
  int64_t body_size_limit = 0;
  uint64_t sample_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t target_limit = 0;
  uint64_t keep_dropped_targets = 0;
  std::string metric_name_validation_scheme = "utf8";  // utf8 | legacy
  std::string metric_name_escaping_scheme = "allow-utf-8";
  bool scrape_native_histograms = false;
  bool always_scrape_classic_histograms = false;
  bool convert_classic_histograms_to_nhcb = false;
  bool extra_scrape_metrics = false;

  bool operator==(const GlobalConfig&) const = default;
};

struct AlertmanagerConfig {
  Duration timeout = 10000;        // Default: 10s
  std::string api_version = "v2";  // v2 only (v1 is rejected as by Prometheus 3)
  std::string path_prefix = "/";
  std::string scheme = "http";
  HTTPClientConfig http_client_config;
  std::vector<StaticConfig> static_configs;
  std::vector<FileSDConfig> file_sd_configs;
  std::vector<relabel::Config> relabel_configs;
  std::vector<relabel::Config> alert_relabel_configs;

  bool operator==(const AlertmanagerConfig&) const = default;
};

struct AlertingConfig {
  std::vector<relabel::Config> alert_relabel_configs;
  std::vector<AlertmanagerConfig> alertmanagers;

  bool operator==(const AlertingConfig&) const = default;
};

struct QueueConfig {
  int64_t capacity = 10000;
  int64_t max_shards = 50;
  int64_t min_shards = 1;
  int64_t max_samples_per_send = 2000;
  Duration batch_send_deadline = 5000;
  Duration min_backoff = 30;
  Duration max_backoff = 5000;
  bool retry_on_http_429 = false;
  Duration sample_age_limit = 0;

  bool operator==(const QueueConfig&) const = default;
};

struct MetadataConfig {
  bool send = true;
  Duration send_interval = 60000;
  int64_t max_samples_per_send = 2000;

  bool operator==(const MetadataConfig&) const = default;
};

struct RemoteWriteConfig {
  std::string url;
  std::string name;  // Default: a hash of the config when empty (filled by the sender)
  std::string protobuf_message = "prometheus.WriteRequest";  // or io.prometheus.write.v2.Request
  Duration remote_timeout = 30000;                           // Default: 30s
  std::map<std::string, std::string> headers;
  std::vector<relabel::Config> write_relabel_configs;
  bool send_exemplars = false;
  bool send_native_histograms = false;
  bool round_robin_dns = false;
  QueueConfig queue_config;
  MetadataConfig metadata_config;
  HTTPClientConfig http_client_config;

  bool operator==(const RemoteWriteConfig&) const = default;
};

struct RemoteReadConfig {
  std::string url;
  std::string name;
  std::map<std::string, std::string> required_matchers;
  Duration remote_timeout = 60000;  // Default: 1m
  std::map<std::string, std::string> headers;
  bool read_recent = false;
  bool filter_external_labels = true;
  HTTPClientConfig http_client_config;

  bool operator==(const RemoteReadConfig&) const = default;
};

struct TSDBConfig {
  Duration out_of_order_time_window = 0;
  Duration retention_time = 0;  // storage.tsdb.retention.time; 0 = flag/default
  int64_t retention_size = 0;   // bytes; 0 = none

  bool operator==(const TSDBConfig&) const = default;
};

struct ExemplarsConfig {
  int64_t max_exemplars = 100000;

  bool operator==(const ExemplarsConfig&) const = default;
};

struct StorageConfig {
  std::optional<TSDBConfig> tsdb;
  std::optional<ExemplarsConfig> exemplars;

  bool operator==(const StorageConfig&) const = default;
};

struct Config {
  GlobalConfig global;
  std::vector<std::string> rule_files;           // globs, resolved against the config dir
  std::vector<std::string> scrape_config_files;  // globs, resolved; their jobs are merged in
  std::vector<ScrapeConfig> scrape_configs;
  AlertingConfig alerting;
  std::vector<RemoteWriteConfig> remote_write;
  std::vector<RemoteReadConfig> remote_read;
  StorageConfig storage;
  // The file this was loaded from ("" for Load() without a file).
  std::string source_file;
  // Prometheus settings that parsed but ward ignores (e.g. kubernetes_sd_configs
  // of job "x", "tracing"), for the server to log once.
  std::vector<std::string> unsupported;

  // Field-wise equality (reload decides what changed with it).
  bool operator==(const Config&) const = default;

  // The effective config as YAML with defaults filled in and secrets
  // printed as <secret>, for /api/v1/status/config.
  std::string ToYAML() const;
};

// Reads and parses `path`. Relative *_file paths, rule_files and
// scrape_config_files globs, and file_sd files are resolved against the
// directory of `path`. Errors read "parsing YAML file <path>: line N: ...".
Result<Config> LoadFile(const std::string& path);
// Parses `yaml`; `filename` names it in errors and is the base for relative
// paths (its directory; "" leaves paths as written).
Result<Config> Load(std::string_view yaml, std::string_view filename);

// Prometheus model.ParseDuration: [0-9]+ units y w d h m s ms, largest first,
// each at most once ("1h30m", "90s", "0"). Fails with
// `not a valid duration string: "x"`.
Result<Duration> ParseDuration(std::string_view s);
// Prometheus model.Duration.String(): "0s", "15s", "1m", "1h30m", "2w", "1y".
std::string FormatDuration(Duration d);
// Sizes as in body_size_limit: "0" or <integer><unit>..., units B, KB/KiB,
// MB/MiB, ... EB/EiB, all base 2 ("100MB", "1GB512MB"). A bare number other
// than 0 fails, as in Prometheus ("units: unknown unit  in 512").
Result<int64_t> ParseSize(std::string_view s);

}  // namespace ward::config
