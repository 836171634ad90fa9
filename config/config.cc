// Loading prometheus.yml: strict decoding of every section, Prometheus's
// defaults and validation rules, and path resolution. See config.h.
#include "config/config.h"

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "config/decode.h"
#include "config/http_config.h"
#include "config/sections.h"

namespace ward::config {
namespace {

using internal::CheckStaticTargets;
using internal::Ctx;
using internal::DecodeBool;
using internal::DecodeLabelSet;
using internal::DecodeList;
using internal::DecodeRelabelList;
using internal::DecodeScrape;
using internal::DecodeServiceDiscovery;
using internal::DecodeString;
using internal::DecodeStringList;
using internal::ErrorAt;
using internal::ErrorAtLine;
using internal::GlobalExtras;
using internal::IsEscapingScheme;
using internal::JoinDir;
using internal::JoinList;
using internal::LineOf;
using internal::MapDecoder;
using internal::ParseValidation;
using internal::Quote;
using internal::ValidateProtocols;
using internal::ValidateRelabels;

Status DecodeGlobal(const YAML::Node& n, const Ctx& ctx, GlobalConfig* g, GlobalExtras* ex) {
  MapDecoder m(n, "config.GlobalConfig");
  WARD_RETURN_IF_ERROR(m.Init());
  *g = GlobalConfig{};
  g->scrape_interval = g->scrape_timeout = g->evaluation_interval = 0;
  g->metric_name_escaping_scheme.clear();
  WARD_RETURN_IF_ERROR(m.Dur("scrape_interval", &g->scrape_interval));
  WARD_RETURN_IF_ERROR(m.Dur("scrape_timeout", &g->scrape_timeout));
  ex->protocols_set = m.Has("scrape_protocols");
  WARD_RETURN_IF_ERROR(m.StrList("scrape_protocols", &g->scrape_protocols));
  WARD_RETURN_IF_ERROR(m.Dur("evaluation_interval", &g->evaluation_interval));
  WARD_RETURN_IF_ERROR(m.Dur("rule_query_offset", &g->rule_query_offset));
  WARD_RETURN_IF_ERROR(m.Str("query_log_file", &g->query_log_file));
  WARD_RETURN_IF_ERROR(m.Str("scrape_failure_log_file", &g->scrape_failure_log_file));
  WARD_RETURN_IF_ERROR(m.Size("body_size_limit", &g->body_size_limit));
  WARD_RETURN_IF_ERROR(m.Uint("sample_limit", &g->sample_limit));
  WARD_RETURN_IF_ERROR(m.Uint("target_limit", &g->target_limit));
  WARD_RETURN_IF_ERROR(m.Uint("label_limit", &g->label_limit));
  WARD_RETURN_IF_ERROR(m.Uint("label_name_length_limit", &g->label_name_length_limit));
  WARD_RETURN_IF_ERROR(m.Uint("label_value_length_limit", &g->label_value_length_limit));
  WARD_RETURN_IF_ERROR(m.Uint("keep_dropped_targets", &g->keep_dropped_targets));
  std::string scheme;
  YAML::Node scheme_node = m.Take("metric_name_validation_scheme");
  if (scheme_node.IsDefined()) WARD_RETURN_IF_ERROR(DecodeString(scheme_node, &scheme));
  WARD_ASSIGN_OR_RETURN(ex->validation, ParseValidation(scheme_node, scheme));
  g->metric_name_validation_scheme =
      ex->validation == relabel::NameValidation::kLegacy ? "legacy" : "utf8";
  WARD_RETURN_IF_ERROR(m.Str("metric_name_escaping_scheme", &g->metric_name_escaping_scheme));
  WARD_RETURN_IF_ERROR(m.Bool("scrape_native_histograms", &g->scrape_native_histograms));
  WARD_RETURN_IF_ERROR(
      m.Bool("convert_classic_histograms_to_nhcb", &g->convert_classic_histograms_to_nhcb));
  WARD_RETURN_IF_ERROR(
      m.Bool("always_scrape_classic_histograms", &g->always_scrape_classic_histograms));
  WARD_RETURN_IF_ERROR(m.Bool("extra_scrape_metrics", &g->extra_scrape_metrics));
  YAML::Node ext = m.Take("external_labels");
  WARD_RETURN_IF_ERROR(m.Finish());

  if (ext.IsDefined()) {
    labels::Labels raw;
    WARD_RETURN_IF_ERROR(DecodeLabelSet(ext, ex->validation, &raw));
    std::vector<labels::Label> expanded;
    for (const auto& l : raw)
      expanded.push_back(labels::Label{l.name, internal::ExpandEnv(l.value)});
    g->external_labels = labels::Labels(std::move(expanded));
  }
  if (g->scrape_interval == 0) g->scrape_interval = 60000;
  if (g->scrape_timeout > g->scrape_interval) {
    return ErrorAtLine(m.KeyLine("scrape_timeout"),
                       "global scrape timeout greater than scrape interval");
  }
  if (g->scrape_timeout == 0) g->scrape_timeout = std::min<Duration>(10000, g->scrape_interval);
  if (g->evaluation_interval == 0) g->evaluation_interval = 60000;
  if (ex->protocols_set) {
    std::string err = ValidateProtocols(g->scrape_protocols);
    if (!err.empty()) return ErrorAtLine(m.KeyLine("scrape_protocols"), err + " for global config");
  }
  if (g->metric_name_escaping_scheme.empty()) {
    g->metric_name_escaping_scheme =
        ex->validation == relabel::NameValidation::kLegacy ? "underscores" : "allow-utf-8";
  } else if (!IsEscapingScheme(g->metric_name_escaping_scheme)) {
    return ErrorAtLine(m.KeyLine("metric_name_escaping_scheme"),
                       "unknown global name escaping method specified, must be one of "
                       "'allow-utf-8', 'underscores', 'dots', or 'values', got " +
                           Quote(g->metric_name_escaping_scheme));
  }
  g->query_log_file = JoinDir(ctx.dir, g->query_log_file);
  g->scrape_failure_log_file = JoinDir(ctx.dir, g->scrape_failure_log_file);
  return Status::OK();
}

Status CheckHeaders(const std::map<std::string, std::string>& headers, int line) {
  for (const auto& [name, value] : headers) {
    std::string lower = name;
    for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "authorization") {
      return ErrorAtLine(line,
                         "authorization header must be changed via the basic_auth, authorization, "
                         "oauth2, sigv4, azuread or google_iam parameter");
    }
    static constexpr std::string_view kReserved[] = {"host",
                                                     "content-encoding",
                                                     "content-length",
                                                     "content-type",
                                                     "user-agent",
                                                     "connection",
                                                     "keep-alive",
                                                     "proxy-authenticate",
                                                     "proxy-authorization",
                                                     "www-authenticate",
                                                     "accept-encoding",
                                                     "x-prometheus-remote-write-version",
                                                     "x-prometheus-remote-read-version",
                                                     "x-amz-date",
                                                     "x-amz-security-token",
                                                     "x-amz-content-sha256"};
    if (std::find(std::begin(kReserved), std::end(kReserved), lower) != std::end(kReserved)) {
      return ErrorAtLine(line, name + " is a reserved header. It must not be changed");
    }
  }
  return Status::OK();
}

Status DecodeAlertmanager(const YAML::Node& n, const Ctx& ctx, size_t index,
                          AlertmanagerConfig* c) {
  MapDecoder m(n, "config.AlertmanagerConfig");
  WARD_RETURN_IF_ERROR(m.Init());
  const std::string owner = "alertmanager " + std::to_string(index);
  WARD_RETURN_IF_ERROR(m.Dur("timeout", &c->timeout));
  if (YAML::Node v = m.Take("api_version"); v.IsDefined()) {
    WARD_RETURN_IF_ERROR(DecodeString(v, &c->api_version));
    if (c->api_version != "v2") {
      return ErrorAt(
          v, "expected Alertmanager api version to be one of [v2] but got " + c->api_version);
    }
  }
  WARD_RETURN_IF_ERROR(m.Str("path_prefix", &c->path_prefix));
  WARD_RETURN_IF_ERROR(m.Str("scheme", &c->scheme));
  const bool sigv4 = m.Has("sigv4");
  m.Ignore("sigv4", ctx.unsupported, "sigv4 of " + owner);
  WARD_RETURN_IF_ERROR(internal::DecodeHTTPClientFields(m, ctx.dir, &c->http_client_config));
  WARD_RETURN_IF_ERROR(
      DecodeServiceDiscovery(m, ctx, owner, &c->static_configs, &c->file_sd_configs));
  std::vector<int> lines1, lines2;
  WARD_RETURN_IF_ERROR(DecodeRelabelList(m, "relabel_configs",
                                         "empty or null Alertmanager target relabeling rule",
                                         &c->relabel_configs, &lines1));
  WARD_RETURN_IF_ERROR(DecodeRelabelList(m, "alert_relabel_configs",
                                         "empty or null Alertmanager alert relabeling rule",
                                         &c->alert_relabel_configs, &lines2));
  WARD_RETURN_IF_ERROR(m.Finish());
  const auto& h = c->http_client_config;
  if (sigv4 && (h.basic_auth || h.authorization || h.oauth2)) {
    return ErrorAt(n,
                   "at most one of basic_auth, authorization, oauth2, & sigv4 must be configured");
  }
  if (c->relabel_configs.empty()) {
    WARD_RETURN_IF_ERROR(CheckStaticTargets(c->static_configs, m.KeyLine("static_configs")));
  }
  WARD_RETURN_IF_ERROR(
      ValidateRelabels(&c->relabel_configs, lines1, relabel::NameValidation::kUtf8));
  WARD_RETURN_IF_ERROR(
      ValidateRelabels(&c->alert_relabel_configs, lines2, relabel::NameValidation::kUtf8));
  return Status::OK();
}

Status DecodeAlerting(const YAML::Node& n, const Ctx& ctx, relabel::NameValidation v,
                      AlertingConfig* a) {
  MapDecoder m(n, "config.AlertingConfig");
  WARD_RETURN_IF_ERROR(m.Init());
  std::vector<int> lines;
  WARD_RETURN_IF_ERROR(DecodeRelabelList(m, "alert_relabel_configs",
                                         "empty or null alert relabeling rule",
                                         &a->alert_relabel_configs, &lines));
  size_t index = 0;
  WARD_RETURN_IF_ERROR(DecodeList(m, "alertmanagers", "config.AlertmanagerConfigs",
                                  "empty or null alertmanager config section", &a->alertmanagers,
                                  [&](const YAML::Node& item, AlertmanagerConfig* c) {
                                    return DecodeAlertmanager(item, ctx, index++, c);
                                  }));
  WARD_RETURN_IF_ERROR(m.Finish());
  return ValidateRelabels(&a->alert_relabel_configs, lines, v);
}

Status DecodeRemoteWrite(const YAML::Node& n, const Ctx& ctx, relabel::NameValidation v,
                         RemoteWriteConfig* c) {
  MapDecoder m(n, "config.RemoteWriteConfig");
  WARD_RETURN_IF_ERROR(m.Init());
  c->http_client_config.enable_http2 = false;  // Prometheus's remote-write default
  WARD_RETURN_IF_ERROR(m.Str("url", &c->url));
  WARD_RETURN_IF_ERROR(m.Dur("remote_timeout", &c->remote_timeout));
  WARD_RETURN_IF_ERROR(m.StrMap("headers", &c->headers));
  std::vector<int> lines;
  WARD_RETURN_IF_ERROR(DecodeRelabelList(m, "write_relabel_configs",
                                         "empty or null relabeling rule in remote write config",
                                         &c->write_relabel_configs, &lines));
  WARD_RETURN_IF_ERROR(m.Str("name", &c->name));
  WARD_RETURN_IF_ERROR(m.Bool("send_exemplars", &c->send_exemplars));
  WARD_RETURN_IF_ERROR(m.Bool("send_native_histograms", &c->send_native_histograms));
  WARD_RETURN_IF_ERROR(m.Bool("round_robin_dns", &c->round_robin_dns));
  WARD_RETURN_IF_ERROR(m.Str("protobuf_message", &c->protobuf_message));
  if (YAML::Node q = m.Take("queue_config"); q.IsDefined()) {
    MapDecoder qm(q, "config.QueueConfig");
    WARD_RETURN_IF_ERROR(qm.Init());
    QueueConfig& qc = c->queue_config;
    WARD_RETURN_IF_ERROR(qm.Int("capacity", &qc.capacity));
    WARD_RETURN_IF_ERROR(qm.Int("max_shards", &qc.max_shards));
    WARD_RETURN_IF_ERROR(qm.Int("min_shards", &qc.min_shards));
    WARD_RETURN_IF_ERROR(qm.Int("max_samples_per_send", &qc.max_samples_per_send));
    WARD_RETURN_IF_ERROR(qm.Dur("batch_send_deadline", &qc.batch_send_deadline));
    WARD_RETURN_IF_ERROR(qm.Dur("min_backoff", &qc.min_backoff));
    WARD_RETURN_IF_ERROR(qm.Dur("max_backoff", &qc.max_backoff));
    WARD_RETURN_IF_ERROR(qm.Bool("retry_on_http_429", &qc.retry_on_http_429));
    WARD_RETURN_IF_ERROR(qm.Dur("sample_age_limit", &qc.sample_age_limit));
    WARD_RETURN_IF_ERROR(qm.Finish());
  }
  if (YAML::Node md = m.Take("metadata_config"); md.IsDefined()) {
    MapDecoder mm(md, "config.MetadataConfig");
    WARD_RETURN_IF_ERROR(mm.Init());
    WARD_RETURN_IF_ERROR(mm.Bool("send", &c->metadata_config.send));
    WARD_RETURN_IF_ERROR(mm.Dur("send_interval", &c->metadata_config.send_interval));
    WARD_RETURN_IF_ERROR(mm.Int("max_samples_per_send", &c->metadata_config.max_samples_per_send));
    WARD_RETURN_IF_ERROR(mm.Finish());
  }
  std::vector<std::string> other_auth;
  for (const char* k : {"sigv4", "azuread", "google_iam"}) {
    if (m.Has(k)) other_auth.push_back(k);
    m.Ignore(k, ctx.unsupported, std::string(k) + " of remote_write " + Quote(c->url));
  }
  WARD_RETURN_IF_ERROR(internal::DecodeHTTPClientFields(m, ctx.dir, &c->http_client_config));
  WARD_RETURN_IF_ERROR(m.Finish());
  const int line = LineOf(n);
  if (c->url.empty()) return ErrorAtLine(line, "url for remote_write is empty");
  WARD_RETURN_IF_ERROR(CheckHeaders(c->headers, m.KeyLine("headers")));
  if (c->protobuf_message != "prometheus.WriteRequest" &&
      c->protobuf_message != "io.prometheus.write.v2.Request") {
    return ErrorAtLine(
        m.KeyLine("protobuf_message"),
        "invalid protobuf_message value: unknown type for remote write protobuf message " +
            c->protobuf_message +
            ", supported: prometheus.WriteRequest, io.prometheus.write.v2.Request");
  }
  std::vector<std::string> auth;
  const auto& h = c->http_client_config;
  if (h.basic_auth) auth.push_back("basic_auth");
  if (h.authorization) auth.push_back("authorization");
  if (h.oauth2) auth.push_back("oauth2");
  auth.insert(auth.end(), other_auth.begin(), other_auth.end());
  if (auth.size() > 1) {
    return ErrorAtLine(line,
                       "at most one of basic_auth, authorization, oauth2, sigv4, azuread or "
                       "google_iam must be configured. Currently configured: " +
                           JoinList(auth));
  }
  return ValidateRelabels(&c->write_relabel_configs, lines, v);
}

Status DecodeRemoteRead(const YAML::Node& n, const Ctx& ctx, RemoteReadConfig* c) {
  MapDecoder m(n, "config.RemoteReadConfig");
  WARD_RETURN_IF_ERROR(m.Init());
  WARD_RETURN_IF_ERROR(m.Str("url", &c->url));
  WARD_RETURN_IF_ERROR(m.Str("name", &c->name));
  WARD_RETURN_IF_ERROR(m.StrMap("required_matchers", &c->required_matchers));
  WARD_RETURN_IF_ERROR(m.Dur("remote_timeout", &c->remote_timeout));
  WARD_RETURN_IF_ERROR(m.StrMap("headers", &c->headers));
  WARD_RETURN_IF_ERROR(m.Bool("read_recent", &c->read_recent));
  WARD_RETURN_IF_ERROR(m.Bool("filter_external_labels", &c->filter_external_labels));
  m.Ignore("chunked_read_limit", nullptr, "");
  WARD_RETURN_IF_ERROR(internal::DecodeHTTPClientFields(m, ctx.dir, &c->http_client_config));
  WARD_RETURN_IF_ERROR(m.Finish());
  if (c->url.empty()) return ErrorAt(n, "url for remote_read is empty");
  return CheckHeaders(c->headers, m.KeyLine("headers"));
}

Status DecodeStorage(const YAML::Node& n, StorageConfig* s) {
  MapDecoder m(n, "config.StorageConfig");
  WARD_RETURN_IF_ERROR(m.Init());
  if (YAML::Node t = m.Take("tsdb"); t.IsDefined()) {
    TSDBConfig tc;
    MapDecoder tm(t, "config.TSDBConfig");
    WARD_RETURN_IF_ERROR(tm.Init());
    WARD_RETURN_IF_ERROR(tm.Dur("out_of_order_time_window", &tc.out_of_order_time_window));
    tm.Ignore("stale_series_compaction_threshold", nullptr, "");
    tm.Ignore("chunk_encoding", nullptr, "");
    if (YAML::Node r = tm.Take("retention"); r.IsDefined()) {
      MapDecoder rm(r, "config.TSDBRetentionConfig");
      WARD_RETURN_IF_ERROR(rm.Init());
      WARD_RETURN_IF_ERROR(rm.Dur("time", &tc.retention_time));
      WARD_RETURN_IF_ERROR(rm.Size("size", &tc.retention_size));
      rm.Ignore("percentage", nullptr, "");
      WARD_RETURN_IF_ERROR(rm.Finish());
    }
    WARD_RETURN_IF_ERROR(tm.Finish());
    s->tsdb = tc;
  }
  if (YAML::Node e = m.Take("exemplars"); e.IsDefined()) {
    ExemplarsConfig ec;
    MapDecoder em(e, "config.ExemplarsConfig");
    WARD_RETURN_IF_ERROR(em.Init());
    WARD_RETURN_IF_ERROR(em.Int("max_exemplars", &ec.max_exemplars));
    WARD_RETURN_IF_ERROR(em.Finish());
    s->exemplars = ec;
  }
  return m.Finish();
}

// ^[^*]*(\*[^/]*)?$ : at most one '*', and only in the last path element.
bool IsRulePathPattern(std::string_view p) {
  size_t star = p.find('*');
  if (star == std::string_view::npos) return true;
  std::string_view after = p.substr(star + 1);
  return after.find('*') == std::string_view::npos && after.find('/') == std::string_view::npos;
}

Status DecodeScrapeList(const YAML::Node& list, const GlobalConfig& g, const GlobalExtras& gx,
                        const Ctx& ctx, std::vector<ScrapeConfig>* out) {
  if (!list.IsSequence()) {
    return ErrorAt(list,
                   "cannot unmarshal " + internal::GoTag(list) + " into []*config.ScrapeConfig");
  }
  for (const auto& item : list) {
    if (item.IsNull()) return ErrorAt(list, "empty or null scrape config section");
    ScrapeConfig sc;
    WARD_RETURN_IF_ERROR(DecodeScrape(item, g, gx, ctx, &sc));
    for (const auto& prev : *out) {
      if (prev.job_name == sc.job_name) {
        return ErrorAtLine(LineOf(item),
                           "found multiple scrape configs with job name " + Quote(sc.job_name));
      }
    }
    out->push_back(std::move(sc));
  }
  return Status::OK();
}

Status DecodeRoot(const YAML::Node& root, const Ctx& ctx, Config* cfg, GlobalExtras* gx) {
  MapDecoder m(root, "config.Config");
  WARD_RETURN_IF_ERROR(m.Init());
  if (YAML::Node g = m.Take("global"); g.IsDefined()) {
    WARD_RETURN_IF_ERROR(DecodeGlobal(g, ctx, &cfg->global, gx));
  }
  m.Ignore("runtime", nullptr, "");
  m.Ignore("tracing", ctx.unsupported, "tracing");
  m.Ignore("otlp", ctx.unsupported, "otlp");
  WARD_RETURN_IF_ERROR(m.StrList("rule_files", &cfg->rule_files));
  WARD_RETURN_IF_ERROR(m.StrList("scrape_config_files", &cfg->scrape_config_files));
  for (auto& rf : cfg->rule_files) {
    if (!IsRulePathPattern(rf))
      return ErrorAtLine(m.KeyLine("rule_files"), "invalid rule file path " + Quote(rf));
    rf = JoinDir(ctx.dir, rf);
  }
  for (auto& sf : cfg->scrape_config_files) {
    if (!IsRulePathPattern(sf)) {
      return ErrorAtLine(m.KeyLine("scrape_config_files"),
                         "invalid scrape config file path " + Quote(sf));
    }
    sf = JoinDir(ctx.dir, sf);
  }
  if (YAML::Node s = m.Take("scrape_configs"); s.IsDefined()) {
    WARD_RETURN_IF_ERROR(DecodeScrapeList(s, cfg->global, *gx, ctx, &cfg->scrape_configs));
  }
  if (YAML::Node a = m.Take("alerting"); a.IsDefined()) {
    WARD_RETURN_IF_ERROR(DecodeAlerting(a, ctx, gx->validation, &cfg->alerting));
  }
  WARD_RETURN_IF_ERROR(DecodeList(m, "remote_write", "[]*config.RemoteWriteConfig",
                                  "empty or null remote write config section", &cfg->remote_write,
                                  [&](const YAML::Node& n, RemoteWriteConfig* c) {
                                    return DecodeRemoteWrite(n, ctx, gx->validation, c);
                                  }));
  WARD_RETURN_IF_ERROR(DecodeList(
      m, "remote_read", "[]*config.RemoteReadConfig", "empty or null remote read config section",
      &cfg->remote_read,
      [&](const YAML::Node& n, RemoteReadConfig* c) { return DecodeRemoteRead(n, ctx, c); }));
  if (YAML::Node s = m.Take("storage"); s.IsDefined()) {
    WARD_RETURN_IF_ERROR(DecodeStorage(s, &cfg->storage));
  }
  WARD_RETURN_IF_ERROR(m.Finish());

  std::set<std::string> rw_names, rr_names;
  for (const auto& rw : cfg->remote_write) {
    if (!rw.name.empty() && !rw_names.insert(rw.name).second) {
      return ErrorAtLine(m.KeyLine("remote_write"),
                         "found multiple remote write configs with job name " + Quote(rw.name));
    }
  }
  for (const auto& rr : cfg->remote_read) {
    if (!rr.name.empty() && !rr_names.insert(rr.name).second) {
      return ErrorAtLine(m.KeyLine("remote_read"),
                         "found multiple remote read configs with job name " + Quote(rr.name));
    }
  }
  return Status::OK();
}

std::string DirOf(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("open " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IOError("read " + path + ": " + std::strerror(errno));
  return ss.str();
}

Result<YAML::Node> ParseYAML(std::string_view text) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    std::string msg = "yaml: ";
    if (!e.mark.is_null()) msg += "line " + std::to_string(e.mark.line + 1) + ": ";
    msg += e.msg;
    return Status::InvalidArgument(msg);
  }
}

Status LoadInto(std::string_view yaml, const Ctx& ctx, Config* cfg, GlobalExtras* gx) {
  WARD_ASSIGN_OR_RETURN(YAML::Node root, ParseYAML(yaml));
  try {
    return DecodeRoot(root, ctx, cfg, gx);
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on some malformed node accesses; report, never crash.
    return Status::InvalidArgument(std::string("yaml: ") + e.what());
  }
}

std::string AbsPath(const std::string& p) {
  if (!p.empty() && p[0] == '/') return p;
  char buf[4096];
  if (getcwd(buf, sizeof(buf)) == nullptr) return p;
  return std::string(buf) + "/" + p;
}

// Appends the jobs of scrape_config_files (Prometheus's GetScrapeConfigs).
Status MergeScrapeConfigFiles(Config* cfg, const GlobalExtras& gx) {
  std::map<std::string, std::string> first_found;
  for (const auto& sc : cfg->scrape_configs) first_found[sc.job_name] = "main config file";
  for (const auto& pattern : cfg->scrape_config_files) {
    glob_t g{};
    int rc = glob(pattern.c_str(), 0, nullptr, &g);
    std::vector<std::string> files;
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
    }
    globfree(&g);
    for (const auto& file : files) {
      const std::string where = Quote(AbsPath(file));
      auto text = ReadWholeFile(file);
      if (!text.ok())
        return Status::InvalidArgument(where + ": " + std::string(text.status().message()));
      auto root = ParseYAML(*text);
      if (!root.ok())
        return Status::InvalidArgument(where + ": " + std::string(root.status().message()));
      Ctx ctx{DirOf(file), &cfg->unsupported};
      std::vector<ScrapeConfig> jobs;
      Status s;
      try {
        MapDecoder m(*root, "config.ScrapeConfigs");
        s = m.Init();
        if (s.ok()) {
          YAML::Node list = m.Take("scrape_configs");
          if (list.IsDefined()) s = DecodeScrapeList(list, cfg->global, gx, ctx, &jobs);
        }
        if (s.ok()) s = m.Finish();
      } catch (const YAML::Exception& e) {
        s = Status::InvalidArgument(std::string("yaml: ") + e.what());
      }
      if (!s.ok()) return Status::InvalidArgument(where + ": " + std::string(s.message()));
      for (auto& job : jobs) {
        auto it = first_found.find(job.job_name);
        if (it != first_found.end()) {
          return Status::InvalidArgument(where + ": found multiple scrape configs with job name " +
                                         Quote(job.job_name) + ", first found in " + it->second);
        }
        first_found[job.job_name] = Quote(AbsPath(file));
        cfg->scrape_configs.push_back(std::move(job));
      }
    }
  }
  return Status::OK();
}

}  // namespace

Result<Config> Load(std::string_view yaml, std::string_view filename) {
  Config cfg;
  cfg.source_file = std::string(filename);
  Ctx ctx{filename.empty() ? std::string() : DirOf(filename), &cfg.unsupported};
  GlobalExtras gx;
  Status s = LoadInto(yaml, ctx, &cfg, &gx);
  if (!s.ok()) {
    if (filename.empty()) return s;
    return s.WithContext("parsing YAML file " + std::string(filename));
  }
  if (!cfg.scrape_config_files.empty()) {
    WARD_RETURN_IF_ERROR(MergeScrapeConfigFiles(&cfg, gx));
  }
  return cfg;
}

Result<Config> LoadFile(const std::string& path) {
  WARD_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  return Load(text, path);
}

}  // namespace ward::config
