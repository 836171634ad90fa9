// Decoding scrape_configs entries: the job's fields, relabel rules, static
// and file service discovery, and Prometheus's ScrapeConfig.Validate rules
// (defaults from global, timeout <= interval, protocols, name schemes).
#include <algorithm>
#include <cctype>
#include <set>

#include "config/http_config.h"
#include "config/sections.h"

namespace ward::config::internal {
namespace {

// Service discovery mechanisms Prometheus has and ward does not (yet): their
// sections are accepted (and listed in Config::unsupported) instead of
// failing as unknown fields.
constexpr std::string_view kOtherSDConfigs[] = {
    "aws_sd_configs",          "azure_sd_configs",      "consul_sd_configs",
    "digitalocean_sd_configs", "docker_sd_configs",     "dockerswarm_sd_configs",
    "dns_sd_configs",          "ec2_sd_configs",        "eureka_sd_configs",
    "gce_sd_configs",          "hetzner_sd_configs",    "http_sd_configs",
    "ionos_sd_configs",        "kubernetes_sd_configs", "kuma_sd_configs",
    "lightsail_sd_configs",    "linode_sd_configs",     "marathon_sd_configs",
    "nerve_sd_configs",        "nomad_sd_configs",      "oci_sd_configs",
    "openstack_sd_configs",    "outscale_sd_configs",   "ovhcloud_sd_configs",
    "puppetdb_sd_configs",     "scaleway_sd_configs",   "serverset_sd_configs",
    "stackit_sd_configs",      "triton_sd_configs",     "uyuni_sd_configs",
    "vultr_sd_configs"};

bool IsValidUtf8Value(std::string_view v) {
  // A label value must be valid UTF-8 (Prometheus model.LabelValue.IsValid).
  return v.empty() || relabel::IsValidLabelName(v);
}

Status DecodeRelabel(const YAML::Node& n, relabel::Config* out) {
  MapDecoder m(n, "relabel.Config");
  WARD_RETURN_IF_ERROR(m.Init());
  if (YAML::Node v = m.Take("source_labels"); v.IsDefined()) {
    WARD_RETURN_IF_ERROR(DecodeStringList(v, &out->source_labels));
    out->source_labels_set = true;
  }
  WARD_RETURN_IF_ERROR(m.Str("separator", &out->separator));
  if (YAML::Node v = m.Take("regex"); v.IsDefined()) {
    std::string re;
    WARD_RETURN_IF_ERROR(DecodeString(v, &re));
    Status s = out->SetRegex(re);
    if (!s.ok()) return ErrorAt(v, s.message());
  } else if (m.KeyLine("regex") > 0) {
    // `regex:` with no value matches only the empty string, as in Prometheus.
    WARD_RETURN_IF_ERROR(out->SetRegex(""));
  }
  WARD_RETURN_IF_ERROR(m.Uint("modulus", &out->modulus));
  WARD_RETURN_IF_ERROR(m.Str("target_label", &out->target_label));
  WARD_RETURN_IF_ERROR(m.Str("replacement", &out->replacement));
  if (YAML::Node v = m.Take("action"); v.IsDefined()) {
    std::string a;
    WARD_RETURN_IF_ERROR(DecodeString(v, &a));
    auto act = relabel::ParseAction(a);
    if (!act.ok()) return ErrorAt(v, act.status().message());
    out->action = *act;
  }
  return m.Finish();
}

Status DecodeStatic(const YAML::Node& n, StaticConfig* out) {
  MapDecoder m(n, "targetgroup.Group");
  WARD_RETURN_IF_ERROR(m.Init());
  WARD_RETURN_IF_ERROR(m.StrList("targets", &out->targets));
  if (YAML::Node v = m.Take("labels"); v.IsDefined()) {
    WARD_RETURN_IF_ERROR(DecodeLabelSet(v, relabel::NameValidation::kUtf8, &out->labels));
  }
  return m.Finish();
}

bool IsFileSDPattern(std::string_view p) {
  // ^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$
  size_t dot = p.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string_view ext = p.substr(dot + 1);
  static constexpr std::string_view kExts[] = {"json", "yml", "yaml", "JSON", "YML", "YAML"};
  if (std::find(std::begin(kExts), std::end(kExts), ext) == std::end(kExts)) return false;
  std::string_view stem = p.substr(0, dot);
  size_t star = stem.find('*');
  if (star == std::string_view::npos) return true;
  std::string_view after = stem.substr(star + 1);
  return after.find('*') == std::string_view::npos && after.find('/') == std::string_view::npos;
}

Status DecodeFileSD(const YAML::Node& n, const Ctx& ctx, FileSDConfig* out) {
  MapDecoder m(n, "file.SDConfig");
  WARD_RETURN_IF_ERROR(m.Init());
  WARD_RETURN_IF_ERROR(m.StrList("files", &out->files));
  WARD_RETURN_IF_ERROR(m.Dur("refresh_interval", &out->refresh_interval));
  WARD_RETURN_IF_ERROR(m.Finish());
  if (out->files.empty()) {
    return ErrorAt(n, "file service discovery config must contain at least one path name");
  }
  for (auto& f : out->files) {
    if (!IsFileSDPattern(f)) {
      return ErrorAtLine(m.KeyLine("files"),
                         "path name " + Quote(f) + " is not valid for file discovery");
    }
    f = JoinDir(ctx.dir, f);
  }
  return Status::OK();
}

}  // namespace

Result<relabel::NameValidation> ParseValidation(const YAML::Node& n, std::string_view s) {
  if (s.empty() || s == "utf8") return relabel::NameValidation::kUtf8;
  if (s == "legacy") return relabel::NameValidation::kLegacy;
  return ErrorAt(n, "unrecognized ValidationScheme: " + Quote(s));
}

bool IsEscapingScheme(std::string_view s) {
  return s == "allow-utf-8" || s == "underscores" || s == "dots" || s == "values";
}

// A label set from a YAML map, with Prometheus's name and value checks.
Status DecodeLabelSet(const YAML::Node& n, relabel::NameValidation v, labels::Labels* out) {
  if (!n.IsMap()) return ErrorAt(n, "cannot unmarshal " + GoTag(n) + " into model.LabelSet");
  std::vector<labels::Label> ls;
  for (const auto& kv : n) {
    std::string name, value;
    WARD_RETURN_IF_ERROR(DecodeString(kv.first, &name));
    if (!kv.second.IsNull()) WARD_RETURN_IF_ERROR(DecodeString(kv.second, &value));
    if (!relabel::IsValidLabelName(name, v)) {
      return ErrorAt(kv.first, Quote(name) + " is not a valid label name");
    }
    if (!IsValidUtf8Value(value)) {
      return ErrorAt(kv.second, Quote(value) + " is not a valid label value");
    }
    for (const auto& l : ls) {
      if (l.name == name) return ErrorAt(kv.first, "key " + Quote(name) + " already set in map");
    }
    ls.push_back(labels::Label{std::move(name), std::move(value)});
  }
  *out = labels::Labels(std::move(ls));
  return Status::OK();
}

// Decodes a list of relabel rules; validation happens once the name
// validation scheme is known (ValidateRelabels).
Status DecodeRelabelList(MapDecoder& m, std::string_view key, std::string_view null_msg,
                         std::vector<relabel::Config>* out, std::vector<int>* lines) {
  YAML::Node list = m.Take(key);
  if (!list.IsDefined()) return Status::OK();
  if (!list.IsSequence()) {
    return ErrorAt(list, "cannot unmarshal " + GoTag(list) + " into []*relabel.Config");
  }
  for (const auto& item : list) {
    if (item.IsNull()) return ErrorAt(list, null_msg);
    relabel::Config c;
    WARD_RETURN_IF_ERROR(DecodeRelabel(item, &c));
    out->push_back(std::move(c));
    lines->push_back(LineOf(item));
  }
  return Status::OK();
}

Status ValidateRelabels(std::vector<relabel::Config>* cfgs, const std::vector<int>& lines,
                        relabel::NameValidation v) {
  for (size_t i = 0; i < cfgs->size(); ++i) {
    (*cfgs)[i].validation = v;
    Status s = (*cfgs)[i].Validate();
    if (!s.ok()) return ErrorAtLine(lines[i], s.message());
  }
  return Status::OK();
}

Status DecodeServiceDiscovery(MapDecoder& m, const Ctx& ctx, std::string_view owner,
                              std::vector<StaticConfig>* statics,
                              std::vector<FileSDConfig>* files) {
  WARD_RETURN_IF_ERROR(DecodeList(
      m, "static_configs", "[]*targetgroup.Group", "empty or null section in static_configs",
      statics, [](const YAML::Node& n, StaticConfig* s) { return DecodeStatic(n, s); }));
  WARD_RETURN_IF_ERROR(DecodeList(
      m, "file_sd_configs", "[]*file.SDConfig", "empty or null section in file_sd_configs", files,
      [&](const YAML::Node& n, FileSDConfig* f) { return DecodeFileSD(n, ctx, f); }));
  for (std::string_view sd : kOtherSDConfigs) {
    m.Ignore(sd, ctx.unsupported, std::string(sd) + " of " + std::string(owner));
  }
  return Status::OK();
}

// Static targets must be host:port, not URLs (unless relabeling rewrites them).
Status CheckStaticTargets(const std::vector<StaticConfig>& statics, int line) {
  for (const auto& sc : statics) {
    for (const auto& t : sc.targets) {
      if (t.find('/') != std::string::npos)
        return ErrorAtLine(line, Quote(t) + " is not a valid hostname");
    }
  }
  return Status::OK();
}

std::string JoinList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += " ";
    out += v[i];
  }
  return out + "]";
}

// Empty string on success, else the reason (without context).
std::string ValidateProtocols(const std::vector<std::string>& sps) {
  if (sps.empty()) return "scrape_protocols cannot be empty";
  std::set<std::string> seen;
  for (const auto& sp : sps) {
    std::string lower = sp;
    for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (!seen.insert(lower).second)
      return "duplicated protocol in scrape_protocols, got " + JoinList(sps);
    if (std::find(std::begin(kScrapeProtocols), std::end(kScrapeProtocols), sp) ==
        std::end(kScrapeProtocols)) {
      return "scrape_protocols: unknown scrape protocol " + sp +
             ", supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto "
             "PrometheusText0.0.4 PrometheusText1.0.0]";
    }
  }
  return "";
}

Status DecodeScrape(const YAML::Node& n, const GlobalConfig& g, const GlobalExtras& gx,
                    const Ctx& ctx, ScrapeConfig* c) {
  MapDecoder m(n, "config.ScrapeConfig");
  WARD_RETURN_IF_ERROR(m.Init());
  WARD_RETURN_IF_ERROR(m.Str("job_name", &c->job_name));
  const std::string owner = "job " + Quote(c->job_name);
  WARD_RETURN_IF_ERROR(m.Bool("honor_labels", &c->honor_labels));
  WARD_RETURN_IF_ERROR(m.Bool("honor_timestamps", &c->honor_timestamps));
  WARD_RETURN_IF_ERROR(m.Bool("track_timestamps_staleness", &c->track_timestamps_staleness));
  if (YAML::Node p = m.Take("params"); p.IsDefined()) {
    if (!p.IsMap()) return ErrorAt(p, "cannot unmarshal " + GoTag(p) + " into url.Values");
    for (const auto& kv : p) {
      std::string k;
      WARD_RETURN_IF_ERROR(DecodeString(kv.first, &k));
      std::vector<std::string> vals;
      if (!kv.second.IsNull()) WARD_RETURN_IF_ERROR(DecodeStringList(kv.second, &vals));
      c->params[k] = std::move(vals);
    }
  }
  WARD_RETURN_IF_ERROR(m.Dur("scrape_interval", &c->scrape_interval));
  WARD_RETURN_IF_ERROR(m.Dur("scrape_timeout", &c->scrape_timeout));
  const bool protocols_set = m.Has("scrape_protocols");
  WARD_RETURN_IF_ERROR(m.StrList("scrape_protocols", &c->scrape_protocols));
  WARD_RETURN_IF_ERROR(m.Str("fallback_scrape_protocol", &c->fallback_scrape_protocol));
  const bool native_set = m.Has("scrape_native_histograms");
  WARD_RETURN_IF_ERROR(m.Bool("scrape_native_histograms", &c->scrape_native_histograms));
  const bool classic_set = m.Has("always_scrape_classic_histograms");
  WARD_RETURN_IF_ERROR(
      m.Bool("always_scrape_classic_histograms", &c->always_scrape_classic_histograms));
  const bool nhcb_set = m.Has("convert_classic_histograms_to_nhcb");
  WARD_RETURN_IF_ERROR(
      m.Bool("convert_classic_histograms_to_nhcb", &c->convert_classic_histograms_to_nhcb));
  const bool extra_set = m.Has("extra_scrape_metrics");
  WARD_RETURN_IF_ERROR(m.Bool("extra_scrape_metrics", &c->extra_scrape_metrics));
  WARD_RETURN_IF_ERROR(m.Str("scrape_failure_log_file", &c->scrape_failure_log_file));
  WARD_RETURN_IF_ERROR(m.Str("metrics_path", &c->metrics_path));
  WARD_RETURN_IF_ERROR(m.Str("scheme", &c->scheme));
  WARD_RETURN_IF_ERROR(m.Bool("enable_compression", &c->enable_compression));
  WARD_RETURN_IF_ERROR(m.Size("body_size_limit", &c->body_size_limit));
  WARD_RETURN_IF_ERROR(m.Uint("sample_limit", &c->sample_limit));
  WARD_RETURN_IF_ERROR(m.Uint("target_limit", &c->target_limit));
  WARD_RETURN_IF_ERROR(m.Uint("label_limit", &c->label_limit));
  WARD_RETURN_IF_ERROR(m.Uint("label_name_length_limit", &c->label_name_length_limit));
  WARD_RETURN_IF_ERROR(m.Uint("label_value_length_limit", &c->label_value_length_limit));
  WARD_RETURN_IF_ERROR(m.Uint("native_histogram_bucket_limit", &c->native_histogram_bucket_limit));
  m.Ignore("native_histogram_min_bucket_factor", ctx.unsupported,
           "native_histogram_min_bucket_factor of " + owner);
  WARD_RETURN_IF_ERROR(m.Uint("keep_dropped_targets", &c->keep_dropped_targets));
  std::string scheme_text;
  YAML::Node vnode = m.Take("metric_name_validation_scheme");
  if (vnode.IsDefined()) WARD_RETURN_IF_ERROR(DecodeString(vnode, &scheme_text));
  WARD_RETURN_IF_ERROR(m.Str("metric_name_escaping_scheme", &c->metric_name_escaping_scheme));
  WARD_RETURN_IF_ERROR(DecodeHTTPClientFields(m, ctx.dir, &c->http_client_config));
  WARD_RETURN_IF_ERROR(
      DecodeServiceDiscovery(m, ctx, owner, &c->static_configs, &c->file_sd_configs));
  std::vector<int> relabel_lines, metric_relabel_lines;
  WARD_RETURN_IF_ERROR(DecodeRelabelList(m, "relabel_configs",
                                         "empty or null target relabeling rule in scrape config",
                                         &c->relabel_configs, &relabel_lines));
  WARD_RETURN_IF_ERROR(DecodeRelabelList(m, "metric_relabel_configs",
                                         "empty or null metric relabeling rule in scrape config",
                                         &c->metric_relabel_configs, &metric_relabel_lines));
  WARD_RETURN_IF_ERROR(m.Finish());

  const int line = LineOf(n);
  const std::string job = Quote(c->job_name);
  if (c->job_name.empty()) return ErrorAtLine(line, "job_name is empty");
  if (c->scheme != "http" && c->scheme != "https") {
    return ErrorAtLine(m.KeyLine("scheme"),
                       "unknown scheme " + Quote(c->scheme) +
                           ", must be \"http\" or \"https\", for scrape config with job name " +
                           job);
  }
  if (c->relabel_configs.empty()) {
    WARD_RETURN_IF_ERROR(CheckStaticTargets(c->static_configs, m.KeyLine("static_configs")));
  }
  // Defaults from global (Prometheus's ScrapeConfig.Validate).
  if (c->scrape_interval == 0) c->scrape_interval = g.scrape_interval;
  if (c->scrape_timeout > c->scrape_interval) {
    return ErrorAtLine(
        m.KeyLine("scrape_timeout") ? m.KeyLine("scrape_timeout") : line,
        "scrape timeout greater than scrape interval for scrape config with job name " + job);
  }
  if (c->scrape_timeout == 0) c->scrape_timeout = std::min(g.scrape_timeout, c->scrape_interval);
  if (c->body_size_limit == 0) c->body_size_limit = g.body_size_limit;
  if (c->sample_limit == 0) c->sample_limit = g.sample_limit;
  if (c->target_limit == 0) c->target_limit = g.target_limit;
  if (c->label_limit == 0) c->label_limit = g.label_limit;
  if (c->label_name_length_limit == 0) c->label_name_length_limit = g.label_name_length_limit;
  if (c->label_value_length_limit == 0) c->label_value_length_limit = g.label_value_length_limit;
  if (c->keep_dropped_targets == 0) c->keep_dropped_targets = g.keep_dropped_targets;
  if (c->scrape_failure_log_file.empty()) {
    c->scrape_failure_log_file = g.scrape_failure_log_file;
  } else {
    c->scrape_failure_log_file = JoinDir(ctx.dir, c->scrape_failure_log_file);
  }
  if (!native_set) c->scrape_native_histograms = g.scrape_native_histograms;
  if (!extra_set) c->extra_scrape_metrics = g.extra_scrape_metrics;
  if (!classic_set) c->always_scrape_classic_histograms = g.always_scrape_classic_histograms;
  if (!nhcb_set) c->convert_classic_histograms_to_nhcb = g.convert_classic_histograms_to_nhcb;
  if (!protocols_set) {
    if (gx.protocols_set) {
      c->scrape_protocols = g.scrape_protocols;
    } else if (c->scrape_native_histograms) {
      c->scrape_protocols = {"PrometheusProto", "OpenMetricsText1.0.0", "OpenMetricsText0.0.1",
                             "PrometheusText1.0.0", "PrometheusText0.0.4"};
    } else {
      c->scrape_protocols = {"OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0",
                             "PrometheusText0.0.4"};
    }
  }
  if (std::string err = ValidateProtocols(c->scrape_protocols); !err.empty()) {
    return ErrorAtLine(m.KeyLine("scrape_protocols") ? m.KeyLine("scrape_protocols") : line,
                       err + " for scrape config with job name " + job);
  }
  if (!c->fallback_scrape_protocol.empty() &&
      std::find(std::begin(kScrapeProtocols), std::end(kScrapeProtocols),
                c->fallback_scrape_protocol) == std::end(kScrapeProtocols)) {
    return ErrorAtLine(
        m.KeyLine("fallback_scrape_protocol"),
        "invalid fallback_scrape_protocol for scrape config with job name " + job +
            ": unknown scrape protocol " + c->fallback_scrape_protocol +
            ", supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto "
            "PrometheusText0.0.4 PrometheusText1.0.0]");
  }
  relabel::NameValidation validation = gx.validation;
  const bool local_validation_unset = scheme_text.empty();
  if (!local_validation_unset) {
    WARD_ASSIGN_OR_RETURN(validation, ParseValidation(vnode, scheme_text));
  }
  c->metric_name_validation_scheme =
      validation == relabel::NameValidation::kLegacy ? "legacy" : "utf8";
  if (c->metric_name_escaping_scheme.empty()) {
    if (local_validation_unset) {
      c->metric_name_escaping_scheme = g.metric_name_escaping_scheme;
    } else {
      c->metric_name_escaping_scheme =
          validation == relabel::NameValidation::kLegacy ? "underscores" : "allow-utf-8";
    }
  }
  if (!IsEscapingScheme(c->metric_name_escaping_scheme)) {
    return ErrorAtLine(m.KeyLine("metric_name_escaping_scheme"),
                       "unknown scrape config name escaping method specified, must be one of "
                       "'allow-utf-8', 'underscores', 'dots', or 'values', got " +
                           Quote(c->metric_name_escaping_scheme));
  }
  if (c->metric_name_escaping_scheme == "allow-utf-8" &&
      validation != relabel::NameValidation::kUtf8) {
    return ErrorAtLine(line,
                       "utf8 metric names requested but validation scheme is not set to UTF8");
  }
  WARD_RETURN_IF_ERROR(ValidateRelabels(&c->relabel_configs, relabel_lines, validation));
  WARD_RETURN_IF_ERROR(
      ValidateRelabels(&c->metric_relabel_configs, metric_relabel_lines, validation));
  return Status::OK();
}

}  // namespace ward::config::internal
