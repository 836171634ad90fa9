// Config::ToYAML: the effective configuration, defaults filled in and
// secrets hidden, in the layout Prometheus prints at /api/v1/status/config.
#include <yaml-cpp/yaml.h>

#include "config/config.h"

namespace ward::config {
namespace {

constexpr const char* kSecret = "<secret>";

void KV(YAML::Emitter& e, const char* k, const std::string& v) {
  if (!v.empty()) e << YAML::Key << k << YAML::Value << v;
}
void KVDur(YAML::Emitter& e, const char* k, Duration d) {
  e << YAML::Key << k << YAML::Value << FormatDuration(d);
}
void KVSecret(YAML::Emitter& e, const char* k, const Secret& s) {
  if (!s.empty()) e << YAML::Key << k << YAML::Value << kSecret;
}
template <typename T>
void KVNum(YAML::Emitter& e, const char* k, T v) {
  if (v != 0) e << YAML::Key << k << YAML::Value << v;
}
// Base-2 sizes as alecthomas/units prints them: "10MiB", "512B".
void KVSize(YAML::Emitter& e, const char* k, int64_t v) {
  if (v == 0) return;
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (u < 6 && v % 1024 == 0) {
    v /= 1024;
    ++u;
  }
  e << YAML::Key << k << YAML::Value << (std::to_string(v) + kUnits[u]);
}
void KVBool(YAML::Emitter& e, const char* k, bool v) { e << YAML::Key << k << YAML::Value << v; }

void EmitLabels(YAML::Emitter& e, const char* k, const labels::Labels& ls) {
  if (ls.empty()) return;
  e << YAML::Key << k << YAML::Value << YAML::BeginMap;
  for (const auto& l : ls) e << YAML::Key << l.name << YAML::Value << l.value;
  e << YAML::EndMap;
}

void EmitStrings(YAML::Emitter& e, const char* k, const std::vector<std::string>& v) {
  if (v.empty()) return;
  e << YAML::Key << k << YAML::Value << YAML::BeginSeq;
  for (const auto& s : v) e << s;
  e << YAML::EndSeq;
}

void EmitStringMap(YAML::Emitter& e, const char* k, const std::map<std::string, std::string>& m) {
  if (m.empty()) return;
  e << YAML::Key << k << YAML::Value << YAML::BeginMap;
  for (const auto& [name, v] : m) e << YAML::Key << name << YAML::Value << v;
  e << YAML::EndMap;
}

void EmitTLS(YAML::Emitter& e, const TLSConfig& t) {
  e << YAML::Key << "tls_config" << YAML::Value << YAML::BeginMap;
  KV(e, "ca", t.ca);
  KV(e, "ca_file", t.ca_file);
  KV(e, "cert", t.cert);
  KV(e, "cert_file", t.cert_file);
  KVSecret(e, "key", t.key);
  KV(e, "key_file", t.key_file);
  KV(e, "server_name", t.server_name);
  KVBool(e, "insecure_skip_verify", t.insecure_skip_verify);
  KV(e, "min_version", t.min_version);
  KV(e, "max_version", t.max_version);
  e << YAML::EndMap;
}

void EmitHTTP(YAML::Emitter& e, const HTTPClientConfig& h) {
  if (h.basic_auth) {
    e << YAML::Key << "basic_auth" << YAML::Value << YAML::BeginMap;
    KV(e, "username", h.basic_auth->username);
    KV(e, "username_file", h.basic_auth->username_file);
    KVSecret(e, "password", h.basic_auth->password);
    KV(e, "password_file", h.basic_auth->password_file);
    e << YAML::EndMap;
  }
  if (h.authorization) {
    e << YAML::Key << "authorization" << YAML::Value << YAML::BeginMap;
    KV(e, "type", h.authorization->type);
    KVSecret(e, "credentials", h.authorization->credentials);
    KV(e, "credentials_file", h.authorization->credentials_file);
    e << YAML::EndMap;
  }
  if (h.oauth2) {
    e << YAML::Key << "oauth2" << YAML::Value << YAML::BeginMap;
    KV(e, "client_id", h.oauth2->client_id);
    KVSecret(e, "client_secret", h.oauth2->client_secret);
    KV(e, "client_secret_file", h.oauth2->client_secret_file);
    EmitStrings(e, "scopes", h.oauth2->scopes);
    KV(e, "token_url", h.oauth2->token_url);
    EmitStringMap(e, "endpoint_params", h.oauth2->endpoint_params);
    EmitTLS(e, h.oauth2->tls_config);
    KV(e, "proxy_url", h.oauth2->proxy_url);
    e << YAML::EndMap;
  }
  EmitTLS(e, h.tls_config);
  KV(e, "proxy_url", h.proxy_url);
  KV(e, "no_proxy", h.no_proxy);
  if (h.proxy_from_environment) KVBool(e, "proxy_from_environment", true);
  KVBool(e, "follow_redirects", h.follow_redirects);
  KVBool(e, "enable_http2", h.enable_http2);
  if (!h.http_headers.empty()) {
    e << YAML::Key << "http_headers" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, hd] : h.http_headers) {
      e << YAML::Key << name << YAML::Value << YAML::BeginMap;
      EmitStrings(e, "values", hd.values);
      if (!hd.secrets.empty()) {
        e << YAML::Key << "secrets" << YAML::Value << YAML::BeginSeq;
        for (size_t i = 0; i < hd.secrets.size(); ++i) e << kSecret;
        e << YAML::EndSeq;
      }
      EmitStrings(e, "files", hd.files);
      e << YAML::EndMap;
    }
    e << YAML::EndMap;
  }
}

void EmitRelabels(YAML::Emitter& e, const char* k, const std::vector<relabel::Config>& cfgs) {
  if (cfgs.empty()) return;
  e << YAML::Key << k << YAML::Value << YAML::BeginSeq;
  for (const auto& c : cfgs) {
    e << YAML::BeginMap;
    if (!c.source_labels.empty()) {
      e << YAML::Key << "source_labels" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& s : c.source_labels) e << s;
      e << YAML::EndSeq;
    }
    KV(e, "separator", c.separator);
    if (!c.regex.IsDefault()) e << YAML::Key << "regex" << YAML::Value << c.regex.source();
    KVNum(e, "modulus", c.modulus);
    KV(e, "target_label", c.target_label);
    KV(e, "replacement", c.replacement);
    e << YAML::Key << "action" << YAML::Value << std::string(relabel::ActionName(c.action));
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
}

void EmitSD(YAML::Emitter& e, const std::vector<StaticConfig>& statics,
            const std::vector<FileSDConfig>& files) {
  if (!files.empty()) {
    e << YAML::Key << "file_sd_configs" << YAML::Value << YAML::BeginSeq;
    for (const auto& f : files) {
      e << YAML::BeginMap;
      EmitStrings(e, "files", f.files);
      KVDur(e, "refresh_interval", f.refresh_interval);
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  if (!statics.empty()) {
    e << YAML::Key << "static_configs" << YAML::Value << YAML::BeginSeq;
    for (const auto& s : statics) {
      e << YAML::BeginMap;
      e << YAML::Key << "targets" << YAML::Value << YAML::BeginSeq;
      for (const auto& t : s.targets) e << t;
      e << YAML::EndSeq;
      EmitLabels(e, "labels", s.labels);
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
}

void EmitScrape(YAML::Emitter& e, const ScrapeConfig& c) {
  e << YAML::BeginMap;
  KV(e, "job_name", c.job_name);
  KVBool(e, "honor_labels", c.honor_labels);
  KVBool(e, "honor_timestamps", c.honor_timestamps);
  KVBool(e, "track_timestamps_staleness", c.track_timestamps_staleness);
  if (!c.params.empty()) {
    e << YAML::Key << "params" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, vs] : c.params) {
      e << YAML::Key << k << YAML::Value << YAML::BeginSeq;
      for (const auto& v : vs) e << v;
      e << YAML::EndSeq;
    }
    e << YAML::EndMap;
  }
  KVDur(e, "scrape_interval", c.scrape_interval);
  KVDur(e, "scrape_timeout", c.scrape_timeout);
  EmitStrings(e, "scrape_protocols", c.scrape_protocols);
  KV(e, "fallback_scrape_protocol", c.fallback_scrape_protocol);
  KVBool(e, "scrape_native_histograms", c.scrape_native_histograms);
  KVBool(e, "always_scrape_classic_histograms", c.always_scrape_classic_histograms);
  KVBool(e, "convert_classic_histograms_to_nhcb", c.convert_classic_histograms_to_nhcb);
  KV(e, "scrape_failure_log_file", c.scrape_failure_log_file);
  KV(e, "metrics_path", c.metrics_path);
  KV(e, "scheme", c.scheme);
  KVBool(e, "enable_compression", c.enable_compression);
  KVSize(e, "body_size_limit", c.body_size_limit);
  KVNum(e, "sample_limit", c.sample_limit);
  KVNum(e, "target_limit", c.target_limit);
  KVNum(e, "label_limit", c.label_limit);
  KVNum(e, "label_name_length_limit", c.label_name_length_limit);
  KVNum(e, "label_value_length_limit", c.label_value_length_limit);
  KVNum(e, "native_histogram_bucket_limit", c.native_histogram_bucket_limit);
  KVNum(e, "keep_dropped_targets", c.keep_dropped_targets);
  KV(e, "metric_name_validation_scheme", c.metric_name_validation_scheme);
  KV(e, "metric_name_escaping_scheme", c.metric_name_escaping_scheme);
  EmitHTTP(e, c.http_client_config);
  EmitSD(e, c.static_configs, c.file_sd_configs);
  EmitRelabels(e, "relabel_configs", c.relabel_configs);
  EmitRelabels(e, "metric_relabel_configs", c.metric_relabel_configs);
  e << YAML::EndMap;
}

}  // namespace

std::string Config::ToYAML() const {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "global" << YAML::Value << YAML::BeginMap;
  KVDur(e, "scrape_interval", global.scrape_interval);
  KVDur(e, "scrape_timeout", global.scrape_timeout);
  EmitStrings(e, "scrape_protocols", global.scrape_protocols);
  KVDur(e, "evaluation_interval", global.evaluation_interval);
  KVDur(e, "rule_query_offset", global.rule_query_offset);
  EmitLabels(e, "external_labels", global.external_labels);
  KV(e, "query_log_file", global.query_log_file);
  KV(e, "scrape_failure_log_file", global.scrape_failure_log_file);
  KVSize(e, "body_size_limit", global.body_size_limit);
  KVNum(e, "sample_limit", global.sample_limit);
  KVNum(e, "target_limit", global.target_limit);
  KVNum(e, "label_limit", global.label_limit);
  KVNum(e, "label_name_length_limit", global.label_name_length_limit);
  KVNum(e, "label_value_length_limit", global.label_value_length_limit);
  KVNum(e, "keep_dropped_targets", global.keep_dropped_targets);
  KV(e, "metric_name_validation_scheme", global.metric_name_validation_scheme);
  KV(e, "metric_name_escaping_scheme", global.metric_name_escaping_scheme);
  KVBool(e, "scrape_native_histograms", global.scrape_native_histograms);
  KVBool(e, "convert_classic_histograms_to_nhcb", global.convert_classic_histograms_to_nhcb);
  KVBool(e, "always_scrape_classic_histograms", global.always_scrape_classic_histograms);
  e << YAML::EndMap;

  if (!alerting.alertmanagers.empty() || !alerting.alert_relabel_configs.empty()) {
    e << YAML::Key << "alerting" << YAML::Value << YAML::BeginMap;
    EmitRelabels(e, "alert_relabel_configs", alerting.alert_relabel_configs);
    if (!alerting.alertmanagers.empty()) {
      e << YAML::Key << "alertmanagers" << YAML::Value << YAML::BeginSeq;
      for (const auto& am : alerting.alertmanagers) {
        e << YAML::BeginMap;
        EmitHTTP(e, am.http_client_config);
        KV(e, "scheme", am.scheme);
        KV(e, "path_prefix", am.path_prefix);
        KVDur(e, "timeout", am.timeout);
        KV(e, "api_version", am.api_version);
        EmitSD(e, am.static_configs, am.file_sd_configs);
        EmitRelabels(e, "relabel_configs", am.relabel_configs);
        EmitRelabels(e, "alert_relabel_configs", am.alert_relabel_configs);
        e << YAML::EndMap;
      }
      e << YAML::EndSeq;
    }
    e << YAML::EndMap;
  }
  EmitStrings(e, "rule_files", rule_files);
  EmitStrings(e, "scrape_config_files", scrape_config_files);
  if (!scrape_configs.empty()) {
    e << YAML::Key << "scrape_configs" << YAML::Value << YAML::BeginSeq;
    for (const auto& sc : scrape_configs) EmitScrape(e, sc);
    e << YAML::EndSeq;
  }
  if (!remote_write.empty()) {
    e << YAML::Key << "remote_write" << YAML::Value << YAML::BeginSeq;
    for (const auto& rw : remote_write) {
      e << YAML::BeginMap;
      KV(e, "url", rw.url);
      KVDur(e, "remote_timeout", rw.remote_timeout);
      EmitStringMap(e, "headers", rw.headers);
      EmitRelabels(e, "write_relabel_configs", rw.write_relabel_configs);
      KV(e, "name", rw.name);
      KVBool(e, "send_exemplars", rw.send_exemplars);
      KVBool(e, "send_native_histograms", rw.send_native_histograms);
      KV(e, "protobuf_message", rw.protobuf_message);
      EmitHTTP(e, rw.http_client_config);
      const auto& q = rw.queue_config;
      e << YAML::Key << "queue_config" << YAML::Value << YAML::BeginMap;
      KVNum(e, "capacity", q.capacity);
      KVNum(e, "max_shards", q.max_shards);
      KVNum(e, "min_shards", q.min_shards);
      KVNum(e, "max_samples_per_send", q.max_samples_per_send);
      KVDur(e, "batch_send_deadline", q.batch_send_deadline);
      KVDur(e, "min_backoff", q.min_backoff);
      KVDur(e, "max_backoff", q.max_backoff);
      if (q.retry_on_http_429) KVBool(e, "retry_on_http_429", true);
      if (q.sample_age_limit != 0) KVDur(e, "sample_age_limit", q.sample_age_limit);
      e << YAML::EndMap;
      e << YAML::Key << "metadata_config" << YAML::Value << YAML::BeginMap;
      KVBool(e, "send", rw.metadata_config.send);
      KVDur(e, "send_interval", rw.metadata_config.send_interval);
      KVNum(e, "max_samples_per_send", rw.metadata_config.max_samples_per_send);
      e << YAML::EndMap;
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  if (!remote_read.empty()) {
    e << YAML::Key << "remote_read" << YAML::Value << YAML::BeginSeq;
    for (const auto& rr : remote_read) {
      e << YAML::BeginMap;
      KV(e, "url", rr.url);
      KVDur(e, "remote_timeout", rr.remote_timeout);
      EmitStringMap(e, "headers", rr.headers);
      KVBool(e, "read_recent", rr.read_recent);
      KV(e, "name", rr.name);
      EmitHTTP(e, rr.http_client_config);
      EmitStringMap(e, "required_matchers", rr.required_matchers);
      KVBool(e, "filter_external_labels", rr.filter_external_labels);
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  if (storage.tsdb || storage.exemplars) {
    e << YAML::Key << "storage" << YAML::Value << YAML::BeginMap;
    if (storage.tsdb) {
      e << YAML::Key << "tsdb" << YAML::Value << YAML::BeginMap;
      KVDur(e, "out_of_order_time_window", storage.tsdb->out_of_order_time_window);
      if (storage.tsdb->retention_time != 0 || storage.tsdb->retention_size != 0) {
        e << YAML::Key << "retention" << YAML::Value << YAML::BeginMap;
        if (storage.tsdb->retention_time != 0) KVDur(e, "time", storage.tsdb->retention_time);
        KVSize(e, "size", storage.tsdb->retention_size);
        e << YAML::EndMap;
      }
      e << YAML::EndMap;
    }
    if (storage.exemplars) {
      e << YAML::Key << "exemplars" << YAML::Value << YAML::BeginMap;
      e << YAML::Key << "max_exemplars" << YAML::Value << storage.exemplars->max_exemplars;
      e << YAML::EndMap;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

}  // namespace ward::config
