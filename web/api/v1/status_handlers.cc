// /api/v1/targets, /scrape_pools, /targets/metadata, /metadata
// and /api/v1/status/*.
#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "promql/parser/lex.h"
#include "scrape/manager.h"
#include "scrape/target.h"
#include "web/api/v1/handlers.h"
#include "web/api/v1/params.h"

namespace ward::web::api::v1 {

namespace {

// Splits "host:port" / "[v6]:port" as Go's net.SplitHostPort, but a
// missing port is allowed (empty), as Prometheus's sanitizeSplitHostPort.
void SplitHostPort(std::string_view hp, std::string_view* host, std::string_view* port) {
  *port = {};
  if (!hp.empty() && hp[0] == '[') {
    size_t close = hp.find(']');
    if (close == std::string_view::npos) {
      *host = hp;
      return;
    }
    *host = hp.substr(1, close - 1);
    if (close + 1 < hp.size() && hp[close + 1] == ':') *port = hp.substr(close + 2);
    return;
  }
  size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos || hp.substr(0, colon).find(':') != std::string_view::npos) {
    *host = hp;  // no port, or a bare IPv6 address
    return;
  }
  *host = hp.substr(0, colon);
  *port = hp.substr(colon + 1);
}

std::string JoinHostPort(std::string_view host, std::string_view port) {
  std::string out;
  bool v6 = host.find(':') != std::string_view::npos;
  if (v6) out.push_back('[');
  out.append(host);
  if (v6) out.push_back(']');
  out.push_back(':');
  out.append(port);
  return out;
}

// Splits "scheme://host/rest" into its parts; false when not a URL.
bool SplitURL(std::string_view url, std::string_view* scheme, std::string_view* host,
              std::string_view* rest) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return false;
  *scheme = url.substr(0, sep);
  std::string_view after = url.substr(sep + 3);
  size_t slash = after.find_first_of("/?#");
  *host = after.substr(0, slash);
  *rest = slash == std::string_view::npos ? std::string_view() : after.substr(slash);
  return true;
}

}  // namespace

std::string API::GlobalURL(const std::string& scrape_url) const {
  std::string_view scheme, hostport, rest;
  if (opts_.external_url.empty() || !SplitURL(scrape_url, &scheme, &hostport, &rest)) {
    return scrape_url;
  }
  std::string_view host, port;
  SplitHostPort(hostport, &host, &port);
  if (host != "127.0.0.1" && host != "localhost" && host != "::1") return scrape_url;
  std::string_view ext_scheme, ext_host, ext_rest;
  if (!SplitURL(opts_.external_url, &ext_scheme, &ext_host, &ext_rest)) return scrape_url;
  std::string_view own_host, own_port;
  SplitHostPort(opts_.listen_address, &own_host, &own_port);
  if (!port.empty() && port == own_port) {
    // ward scraping itself: the external scheme, host and port.
    return std::string(ext_scheme) + "://" + std::string(ext_host) + std::string(rest);
  }
  // Another local service: only the host is replaced (the best guess).
  std::string_view eh, ep;
  SplitHostPort(ext_host, &eh, &ep);
  std::string out = std::string(scheme) + "://";
  out += port.empty() ? std::string(eh) : JoinHostPort(eh, port);
  out += rest;
  return out;
}

void API::Targets(const Request& req, Response& resp) const {
  std::string_view pool = req.QueryValue("scrapePool");
  std::string state(req.QueryValue("state"));
  for (char& c : state) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool any = state.empty() || state == "any";
  const bool show_active = any || state == "active";
  const bool show_dropped = any || state == "dropped";

  std::vector<scrape::TargetInfo> active;
  std::vector<scrape::DroppedTarget> dropped;
  std::map<std::string, size_t> dropped_counts;
  if (opts_.scrape != nullptr) {
    if (show_active) active = opts_.scrape->ActiveTargets();
    if (show_dropped) {
      dropped = opts_.scrape->DroppedTargets();
      dropped_counts = opts_.scrape->DroppedTargetCounts();
    }
  }
  WriteSuccess(resp, [&](JsonWriter& w) {
    w.BeginObject();
    w.Key("activeTargets");
    w.BeginArray();
    for (const auto& t : active) {
      if (!pool.empty() && t.scrape_pool != pool) continue;
      w.BeginObject();
      w.Key("discoveredLabels");
      w.LabelSet(t.discovered_labels);
      w.Key("labels");
      w.LabelSet(t.labels);
      w.Key("scrapePool");
      w.String(t.scrape_pool);
      w.Key("scrapeUrl");
      w.String(t.scrape_url);
      w.Key("globalUrl");
      w.String(GlobalURL(t.scrape_url));
      w.Key("lastError");
      w.String(t.last_error);
      w.Key("lastScrape");
      w.String(FormatRFC3339Millis(t.last_scrape_ms));
      w.Key("lastScrapeDuration");
      w.Double(t.last_scrape_duration_seconds);
      w.Key("health");
      w.String(scrape::HealthName(t.health));
      w.Key("scrapeInterval");
      w.String(promql::parser::FormatDuration(t.interval_ms));
      w.Key("scrapeTimeout");
      w.String(promql::parser::FormatDuration(t.timeout_ms));
      w.EndObject();
    }
    w.EndArray();
    w.Key("droppedTargets");
    w.BeginArray();
    for (const auto& t : dropped) {
      if (!pool.empty() && t.scrape_pool != pool) continue;
      w.BeginObject();
      w.Key("discoveredLabels");
      w.LabelSet(t.discovered_labels);
      w.EndObject();
    }
    w.EndArray();
    w.Key("droppedTargetCounts");
    if (show_dropped) {
      w.BeginObject();
      for (const auto& [job, n] : dropped_counts) {
        w.Key(job);
        w.Int(static_cast<int64_t>(n));
      }
      w.EndObject();
    } else {
      w.Null();
    }
    w.EndObject();
  });
}

void API::ScrapePools(const Request& req, Response& resp) const {
  std::vector<std::string> pools;
  if (opts_.scrape != nullptr) pools = opts_.scrape->ScrapePools();
  WriteSuccess(resp, [&](JsonWriter& w) {
    w.BeginObject();
    w.Key("scrapePools");
    w.BeginArray();
    for (const auto& p : pools) w.String(p);
    w.EndArray();
    w.EndObject();
  });
}

namespace {

// Go's strconv.Atoi for the metadata limits ("" = -1, no limit).
bool ParseMetadataLimit(std::string_view s, int64_t* out) {
  *out = -1;
  if (s.empty()) return true;
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, *out);
  return ec == std::errc() && p == e && b != e;
}

}  // namespace

// Metadata (TYPE, HELP, UNIT) the targets exposed in their last scrapes,
// as Prometheus's scrape caches keep it.
void API::TargetsMetadata(const Request& req, Response& resp) const {
  int64_t limit;
  if (!ParseMetadataLimit(req.FormValue("limit"), &limit)) {
    return WriteError(resp, ErrorType::kBadData, "limit must be a number");
  }
  std::vector<labels::Matcher> matchers;
  if (std::string_view mt = req.FormValue("match_target"); !mt.empty()) {
    auto sets = ParseMatchers({mt});
    if (!sets.ok()) return WriteInvalidParam(resp, "match_target", sets.status().message());
    matchers = std::move(sets.value().front());
  }
  std::string_view metric = req.FormValue("metric");
  std::vector<scrape::TargetInfo> active;
  if (opts_.scrape != nullptr) active = opts_.scrape->ActiveTargets();
  WriteSuccess(resp, [&](JsonWriter& w) {
    w.BeginArray();
    int64_t n = 0;
    for (const auto& t : active) {
      if (limit >= 0 && n >= limit) break;
      if (!matchers.empty() && !MatchesAll(t.labels, matchers)) continue;
      if (t.metadata == nullptr) continue;
      for (const auto& md : *t.metadata) {
        if (!metric.empty() && md.metric != metric) continue;
        w.BeginObject();
        w.Key("target");
        w.LabelSet(t.labels);
        if (metric.empty()) {
          w.Key("metric");
          w.String(md.metric);
        }
        w.Key("type");
        w.String(md.type);
        w.Key("help");
        w.String(md.help);
        w.Key("unit");
        w.String(md.unit);
        w.EndObject();
        ++n;
      }
    }
    w.EndArray();
  });
}

void API::Metadata(const Request& req, Response& resp) const {
  int64_t limit, per_metric;
  if (!ParseMetadataLimit(req.FormValue("limit"), &limit)) {
    return WriteError(resp, ErrorType::kBadData, "limit must be a number");
  }
  if (!ParseMetadataLimit(req.FormValue("limit_per_metric"), &per_metric)) {
    return WriteError(resp, ErrorType::kBadData, "limit_per_metric must be a number");
  }
  std::string_view metric = req.FormValue("metric");
  std::vector<scrape::TargetInfo> active;
  if (opts_.scrape != nullptr) active = opts_.scrape->ActiveTargets();
  // metric -> distinct (type, help, unit), in first-seen order.
  std::map<std::string, std::vector<std::array<std::string, 3>>> by_metric;
  for (const auto& t : active) {
    if (t.metadata == nullptr) continue;
    for (const auto& md : *t.metadata) {
      if (!metric.empty() && md.metric != metric) continue;
      auto& v = by_metric[md.metric];
      std::array<std::string, 3> m{md.type, md.help, md.unit};
      if (std::find(v.begin(), v.end(), m) == v.end()) v.push_back(std::move(m));
    }
  }
  WriteSuccess(resp, [&](JsonWriter& w) {
    w.BeginObject();
    int64_t n = 0;
    for (const auto& [name, list] : by_metric) {
      if (limit >= 0 && n >= limit) break;
      ++n;
      w.Key(name);
      w.BeginArray();
      int64_t k = 0;
      for (const auto& m : list) {
        if (per_metric >= 0 && k >= per_metric) break;
        ++k;
        w.BeginObject();
        w.Key("type");
        w.String(m[0]);
        w.Key("help");
        w.String(m[1]);
        w.Key("unit");
        w.String(m[2]);
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
  });
}

void API::StatusConfig(const Request& req, Response& resp) const {
  std::string yaml = opts_.config_yaml ? opts_.config_yaml() : std::string();
  WriteSuccess(resp, [&](JsonWriter& w) {
    w.BeginObject();
    w.Key("yaml");
    w.String(yaml);
    w.EndObject();
  });
}

void API::StatusFlags(const Request& req, Response& resp) const {
  WriteSuccess(resp, [&](JsonWriter& w) {
    w.BeginObject();
    for (const auto& [k, v] : opts_.flags) {
      w.Key(k);
      w.String(v);
    }
    w.EndObject();
  });
}

void API::StatusRuntimeInfo(const Request& req, Response& resp) const {
  RuntimeInfo ri = opts_.runtime_info ? opts_.runtime_info() : RuntimeInfo{};
  const int64_t now = NowMs();
  WriteSuccess(resp, [&](JsonWriter& w) {
    w.BeginObject();
    w.Key("startTime");
    w.String(FormatRFC3339Millis(ri.start_time_ms));
    w.Key("CWD");
    w.String(ri.cwd);
    w.Key("hostname");
    w.String(ri.hostname);
    w.Key("serverTime");
    w.String(FormatRFC3339Millis(now));
    w.Key("reloadConfigSuccess");
    w.Bool(ri.reload_config_success);
    w.Key("lastConfigTime");
    w.String(FormatRFC3339Millis(ri.last_config_time_ms));
    w.Key("corruptionCount");
    w.Int(ri.corruption_count);
    w.Key("goroutineCount");
    w.Int(ri.goroutine_count);
    w.Key("GOMAXPROCS");
    w.Int(ri.gomaxprocs);
    w.Key("GOMEMLIMIT");
    w.Int(ri.gomemlimit);
    w.Key("GOGC");
    w.String(ri.gogc);
    w.Key("GODEBUG");
    w.String(ri.godebug);
    w.Key("storageRetention");
    w.String(ri.storage_retention);
    w.EndObject();
  });
}

void API::StatusBuildInfo(const Request& req, Response& resp) const {
  const BuildInfo& b = opts_.build_info;
  WriteSuccess(resp, [&](JsonWriter& w) {
    w.BeginObject();
    w.Key("version");
    w.String(b.version.empty() ? opts_.version : b.version);
    w.Key("revision");
    w.String(b.revision);
    w.Key("branch");
    w.String(b.branch);
    w.Key("buildUser");
    w.String(b.build_user);
    w.Key("buildDate");
    w.String(b.build_date);
    w.Key("goVersion");
    w.String(b.go_version);
    w.EndObject();
  });
}

}  // namespace ward::web::api::v1
