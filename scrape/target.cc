#include "scrape/target.h"

#include <xxhash.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "model/relabel/relabel.h"
#include "model/textparse/parser.h"

namespace ward::scrape {

namespace {

bool HasPrefix(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Go's url.QueryEscape.
void QueryEscape(std::string_view s, std::string* out) {
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out->push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out->push_back('+');
    } else {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    }
  }
}

std::string BuildURL(const labels::Labels& ls, const config::ScrapeConfig& cfg) {
  std::map<std::string, std::vector<std::string>> params = cfg.params;
  for (const auto& l : ls) {
    if (!HasPrefix(l.name, kParamLabelPrefix)) continue;
    std::string key = l.name.substr(kParamLabelPrefix.size());
    auto& vs = params[key];
    if (vs.empty()) vs.emplace_back();
    vs[0] = l.value;
  }
  std::string url;
  url.append(ls.Get(kSchemeLabel)).append("://").append(ls.Get(kAddressLabel));
  url.append(ls.Get(kMetricsPathLabel));
  bool first = true;
  for (const auto& [k, vs] : params) {  // std::map: sorted by key, as Go's Values.Encode
    for (const auto& v : vs) {
      url.push_back(first ? '?' : '&');
      first = false;
      QueryEscape(k, &url);
      url.push_back('=');
      QueryEscape(v, &url);
    }
  }
  return url;
}

labels::Labels PublicLabels(const labels::Labels& ls) {
  std::vector<labels::Label> out;
  for (const auto& l : ls) {
    if (!HasPrefix(l.name, kReservedLabelPrefix)) out.push_back(l);
  }
  return labels::Labels(std::move(out));
}

int64_t DurationLabel(const labels::Labels& ls, std::string_view name) {
  auto d = config::ParseDuration(ls.Get(name));
  return d.ok() ? *d : 0;
}

uint64_t TargetHash(const labels::Labels& ls, const std::string& url) {
  uint64_t h = ls.Hash();
  XXH3_state_t* st = XXH3_createState();
  XXH3_64bits_reset(st);
  XXH3_64bits_update(st, &h, sizeof(h));
  XXH3_64bits_update(st, url.data(), url.size());
  uint64_t out = XXH3_64bits_digest(st);
  XXH3_freeState(st);
  return out;
}

// Reads a credential file, trimming surrounding whitespace as Prometheus does.
Result<std::string> ReadSecretFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IOError("unable to read " + std::string(what) + " file " + path);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  if (b == std::string::npos) return std::string();
  return s.substr(b, e - b + 1);
}

// True when `s` is well-formed UTF-8 (Go's utf8.ValidString).
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (int k = 1; k <= n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

std::string_view HealthName(TargetHealth h) {
  switch (h) {
    case TargetHealth::kGood:
      return "up";
    case TargetHealth::kBad:
      return "down";
    default:
      return "unknown";
  }
}

labels::Labels MergeGroupLabels(const labels::Labels& target, const labels::Labels& group) {
  if (group.empty()) return target;
  labels::Builder b(group);
  for (const auto& l : target) b.Set(l.name, l.value);
  return b.Build();
}

std::string FormatSeconds(int64_t ms) {
  std::string s = std::to_string(ms / 1000);
  int64_t frac = ms % 1000;
  if (frac != 0) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), ".%03lld", static_cast<long long>(frac));
    std::string f(buf);
    while (f.back() == '0') f.pop_back();
    s += f;
  }
  return s;
}

Status PopulateLabels(const labels::Labels& lset, const config::ScrapeConfig& cfg,
                      labels::Labels* out, labels::Labels* discovered) {
  *out = labels::Labels();
  labels::Builder b(lset);
  auto set_default = [&](std::string_view name, std::string_view value) {
    if (b.Get(name).empty()) b.Set(name, value);
  };
  set_default(labels::kJob, cfg.job_name);
  set_default(kScrapeIntervalLabel, config::FormatDuration(cfg.scrape_interval));
  set_default(kScrapeTimeoutLabel, config::FormatDuration(cfg.scrape_timeout));
  set_default(kMetricsPathLabel, cfg.metrics_path);
  set_default(kSchemeLabel, cfg.scheme);
  for (const auto& [name, values] : cfg.params) {
    if (values.empty()) continue;
    std::string key = std::string(kParamLabelPrefix) + name;
    set_default(key, values[0]);
  }
  *discovered = b.Build();

  labels::Labels relabeled;
  if (!relabel::Process(*discovered, cfg.relabel_configs, &relabeled)) {
    return Status::OK();  // dropped by relabeling
  }
  std::string_view addr = relabeled.Get(kAddressLabel);
  if (addr.empty()) return Status::InvalidArgument("no address");
  if (addr.find('/') != std::string_view::npos) {
    std::string msg = "\"";
    msg.append(addr).append("\" is not a valid hostname");
    return Status::InvalidArgument(msg);
  }

  auto interval = config::ParseDuration(relabeled.Get(kScrapeIntervalLabel));
  if (!interval.ok()) {
    return Status::InvalidArgument("error parsing scrape interval: " +
                                   std::string(interval.status().message()));
  }
  if (*interval == 0) return Status::InvalidArgument("scrape interval cannot be 0");
  auto timeout = config::ParseDuration(relabeled.Get(kScrapeTimeoutLabel));
  if (!timeout.ok()) {
    return Status::InvalidArgument("error parsing scrape timeout: " +
                                   std::string(timeout.status().message()));
  }
  if (*timeout == 0) return Status::InvalidArgument("scrape timeout cannot be 0");
  if (*timeout > *interval) {
    std::string msg = "scrape timeout cannot be greater than scrape interval (";
    labels::AppendQuoted(&msg, relabeled.Get(kScrapeTimeoutLabel));
    msg += " > ";
    labels::AppendQuoted(&msg, relabeled.Get(kScrapeIntervalLabel));
    msg += ")";
    return Status::InvalidArgument(msg);
  }

  labels::Builder fb(relabeled);
  for (const auto& l : relabeled) {
    if (HasPrefix(l.name, kMetaLabelPrefix)) fb.Del(l.name);
  }
  if (fb.Get(labels::kInstance).empty()) fb.Set(labels::kInstance, addr);
  labels::Labels res = fb.Build();
  for (const auto& l : res) {
    if (!ValidUtf8(l.value)) {
      std::string msg = "invalid label value for ";
      labels::AppendQuoted(&msg, l.name);
      msg += ": ";
      labels::AppendQuoted(&msg, l.value);
      return Status::InvalidArgument(msg);
    }
  }
  *out = std::move(res);
  return Status::OK();
}

Target::Target(labels::Labels lset, labels::Labels discovered, const config::ScrapeConfig& cfg)
    : internal_labels_(std::move(lset)),
      public_labels_(PublicLabels(internal_labels_)),
      discovered_(std::move(discovered)),
      url_(BuildURL(internal_labels_, cfg)),
      interval_ms_(DurationLabel(internal_labels_, kScrapeIntervalLabel)),
      timeout_ms_(DurationLabel(internal_labels_, kScrapeTimeoutLabel)),
      hash_(TargetHash(public_labels_, url_)) {}

std::chrono::nanoseconds Target::Offset(uint64_t seed) const {
  int64_t interval = std::max<int64_t>(interval_ms_, 1) * 1000000;
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  int64_t base = interval - now % interval;
  int64_t offset = static_cast<int64_t>((hash_ ^ seed) % static_cast<uint64_t>(interval));
  int64_t next = base + offset;
  if (next > interval) next -= interval;
  return std::chrono::nanoseconds(next);
}

Target::Health Target::health() const {
  std::lock_guard<std::mutex> l(mu_);
  return health_;
}

std::shared_ptr<const Target::MetadataList> Target::metadata() const {
  std::lock_guard<std::mutex> l(mu_);
  return metadata_;
}

void Target::SetMetadata(std::shared_ptr<const MetadataList> md) {
  std::lock_guard<std::mutex> l(mu_);
  metadata_ = std::move(md);
}

void Target::SetHealth(int64_t start_ms, std::chrono::nanoseconds duration, const Status& err) {
  std::lock_guard<std::mutex> l(mu_);
  health_.health = err.ok() ? TargetHealth::kGood : TargetHealth::kBad;
  health_.last_error = err.ok() ? std::string() : err.ToString();
  health_.last_scrape_ms = start_ms;
  health_.last_duration = duration;
}

Result<HttpRequest> BuildRequest(const config::ScrapeConfig& cfg, const Target& target) {
  HttpRequest req;
  req.url = target.url();
  req.user_agent = std::string(kUserAgent);
  req.timeout_ms = target.timeout_ms();
  req.accept_gzip = cfg.enable_compression;
  req.body_size_limit = cfg.body_size_limit;
  const config::HTTPClientConfig& hc = cfg.http_client_config;
  req.follow_redirects = hc.follow_redirects;
  req.proxy_url = hc.proxy_url;
  req.enable_http2 = hc.enable_http2;
  req.headers.push_back("Accept: " + textparse::AcceptHeader(cfg.scrape_protocols));
  req.headers.push_back("X-Prometheus-Scrape-Timeout-Seconds: " +
                        FormatSeconds(target.timeout_ms()));
  if (hc.basic_auth) {
    const config::BasicAuth& ba = *hc.basic_auth;
    req.basic_auth = true;
    req.basic_username = ba.username;
    if (!ba.username_file.empty()) {
      WARD_ASSIGN_OR_RETURN(req.basic_username,
                            ReadSecretFile(ba.username_file, "basic auth username"));
    }
    req.basic_password = ba.password.value;
    if (!ba.password_file.empty()) {
      WARD_ASSIGN_OR_RETURN(req.basic_password,
                            ReadSecretFile(ba.password_file, "basic auth password"));
    }
  }
  if (hc.authorization) {
    const config::Authorization& a = *hc.authorization;
    std::string cred = a.credentials.value;
    if (!a.credentials_file.empty()) {
      WARD_ASSIGN_OR_RETURN(cred, ReadSecretFile(a.credentials_file, "authorization credentials"));
    }
    req.headers.push_back("Authorization: " + (a.type.empty() ? std::string("Bearer") : a.type) +
                          " " + cred);
  }
  for (const auto& [name, h] : hc.http_headers) {
    for (const auto& v : h.values) req.headers.push_back(name + ": " + v);
    for (const auto& s : h.secrets) req.headers.push_back(name + ": " + s.value);
    for (const auto& f : h.files) {
      WARD_ASSIGN_OR_RETURN(std::string v, ReadSecretFile(f, "header"));
      req.headers.push_back(name + ": " + v);
    }
  }
  const config::TLSConfig& tls = hc.tls_config;
  req.tls.ca_file = tls.ca_file;
  req.tls.cert_file = tls.cert_file;
  req.tls.key_file = tls.key_file;
  req.tls.ca_pem = tls.ca;
  req.tls.cert_pem = tls.cert;
  req.tls.key_pem = tls.key.value;
  req.tls.min_version = tls.min_version;
  req.tls.server_name = tls.server_name;
  req.tls.insecure_skip_verify = tls.insecure_skip_verify;
  return req;
}

}  // namespace ward::scrape
