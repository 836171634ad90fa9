#include "cmd/ward/server.h"

#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <tuple>
#include <variant>

#include "config/config.h"
#include "cmd/ward/version.h"
#include "discovery/manager.h"
#include "notifier/manager.h"
#include "promql/engine.h"
#include "rules/manager.h"
#include "scrape/manager.h"
#include "template/alert.h"
#include "tsdb/db.h"
#include "tsdb/wlog/wlog.h"
#include "util/metrics.h"
#include "util/process.h"
#include "web/api/v1/api.h"
#include "web/server.h"
#include "web/ui/ui.h"

namespace ward {

Result<int64_t> ParseByteSize(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) i++;
  if (i == 0) return Status::InvalidArgument("invalid byte size \"" + std::string(s) + "\"");
  int64_t n = 0;
  for (size_t j = 0; j < i; j++) {
    if (n > (INT64_MAX - 9) / 10) return Status::InvalidArgument("byte size too large");
    n = n * 10 + (s[j] - '0');
  }
  std::string unit(s.substr(i));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  int64_t mult;
  if (unit == "" || unit == "B") mult = 1;
  else if (unit == "KB" || unit == "KIB") mult = 1LL << 10;
  else if (unit == "MB" || unit == "MIB") mult = 1LL << 20;
  else if (unit == "GB" || unit == "GIB") mult = 1LL << 30;
  else if (unit == "TB" || unit == "TIB") mult = 1LL << 40;
  else return Status::InvalidArgument("invalid byte size unit in \"" + std::string(s) + "\"");
  if (n > INT64_MAX / mult) return Status::InvalidArgument("byte size too large");
  return n * mult;
}

Server::Server(Flags flags) : flags_(std::move(flags)) {}

Server::~Server() { Shutdown(); }

void Server::RegisterMetrics() {
  metrics::Registry& reg = metrics::DefaultRegistry();
  process::RegisterProcessCollector(reg);
  reload_ok_ = &reg.NewGauge("prometheus_config_last_reload_successful",
                             "Whether the last configuration reload attempt was successful.");
  reload_ts_ = &reg.NewGauge("prometheus_config_last_reload_success_timestamp_seconds",
                             "Timestamp of the last successful configuration reload.");
  reg.NewGauge("prometheus_build_info", "A metric with a constant '1' value labeled by version.",
               labels::Labels{{"version", kVersion}, {"branch", "main"}, {"goversion", "none"}})
      .Set(1);
}

namespace {

// The engine's limits and feature switches from Prometheus's flags.
Result<promql::EngineOptions> EngineOptionsFromFlags(const Flags& f, const log::Logger& log) {
  promql::EngineOptions eo;
  auto lookback = config::ParseDuration(f.query_lookback_delta);
  if (!lookback.ok()) return lookback.status().WithContext("--query.lookback-delta");
  eo.lookback_delta_ms = *lookback;
  auto timeout = config::ParseDuration(f.query_timeout);
  if (!timeout.ok()) return timeout.status().WithContext("--query.timeout");
  eo.timeout_ms = *timeout;
  eo.max_samples = f.query_max_samples;
  eo.max_concurrency = f.query_max_concurrency;
  for (const std::string& feature : f.enable_feature) {
    if (feature == "promql-experimental-functions") {
      eo.experimental_functions = true;
    } else if (feature == "promql-extended-range-selectors") {
      eo.extended_range_selectors = true;
    } else if (feature == "promql-binop-fill-modifiers") {
      eo.binop_fill_modifiers = true;
    } else if (feature == "promql-delayed-name-removal") {
      eo.delayed_name_removal = true;
    } else if (feature == "promql-duration-expr" || feature == "promql-at-modifier" ||
               feature == "promql-negative-offset") {
      // Always on, as in Prometheus 3.x.
    } else {
      log.Warn("Unknown option for --enable-feature", {{"option", feature}});
      continue;
    }
    log.Info("Experimental feature enabled", {{"feature", feature}});
  }
  return eo;
}

// Settings Prometheus has that ward loads but does not act on yet.
void LogUnsupported(const log::Logger& log, const config::Config& cfg) {
  for (const std::string& what : cfg.unsupported) {
    log.Warn("Configuration setting not supported by ward yet; ignored", {{"setting", what}});
  }
}

}  // namespace

Status Server::Start() {
  WARD_RETURN_IF_ERROR(log::SetLevel(flags_.log_level));
  WARD_RETURN_IF_ERROR(log::SetFormat(flags_.log_format));
  log_.Info("Starting ward", {{"version", kVersion}});

  auto cfg = config::LoadFile(flags_.config_file);
  if (!cfg.ok()) {
    return cfg.status().WithContext("Error loading config (--config.file=" + flags_.config_file +
                                    ")");
  }
  config_ = std::move(cfg).value();
  log_.Info("Loaded configuration file", {{"filename", flags_.config_file}});
  LogUnsupported(log_, config_);

  RegisterMetrics();

  tsdb::Options opts;
  opts.wal_compression = flags_.storage_tsdb_wal_compression;
  if (!flags_.storage_tsdb_wal_segment_size.empty()) {
    WARD_ASSIGN_OR_RETURN(opts.wal_segment_size, ParseByteSize(flags_.storage_tsdb_wal_segment_size));
  }
  {
    auto d = config::ParseDuration(flags_.storage_tsdb_wal_sync_interval);
    if (!d.ok()) return d.status().WithContext("--storage.tsdb.wal-sync-interval");
    opts.wal_fsync_interval_ms = *d;
    auto b = config::ParseDuration(flags_.storage_tsdb_min_block_duration);
    if (!b.ok()) return b.status().WithContext("--storage.tsdb.min-block-duration");
    opts.min_block_duration_ms = *b;
    if (!flags_.storage_tsdb_max_block_duration.empty()) {
      auto mx = config::ParseDuration(flags_.storage_tsdb_max_block_duration);
      if (!mx.ok()) return mx.status().WithContext("--storage.tsdb.max-block-duration");
      opts.max_block_duration_ms = *mx;
    }
  }
  if (!flags_.storage_tsdb_retention_time.empty()) {
    auto r = config::ParseDuration(flags_.storage_tsdb_retention_time);
    if (!r.ok()) return r.status().WithContext("--storage.tsdb.retention.time");
    opts.retention_ms = *r;
  }
  if (!flags_.storage_tsdb_retention_size.empty()) {
    auto r = ParseByteSize(flags_.storage_tsdb_retention_size);
    if (!r.ok()) return r.status().WithContext("--storage.tsdb.retention.size");
    opts.max_bytes = *r;
    // As in Prometheus: a size limit alone turns time retention off.
    if (flags_.storage_tsdb_retention_time.empty()) opts.retention_ms = 0;
  }
  opts.wal_compression_type = flags_.storage_tsdb_wal_compression_type;
  opts.no_lockfile = flags_.storage_tsdb_no_lockfile;
  opts.compacted_chunk_encoding = flags_.storage_tsdb_compacted_chunk_encoding == "dense"
                                      ? tsdb::chunkenc::Encoding::kDense
                                      : tsdb::chunkenc::Encoding::kXOR;
  opts.memory_snapshot_on_shutdown = flags_.storage_tsdb_memory_snapshot_on_shutdown;

  auto t0 = std::chrono::steady_clock::now();
  auto db = tsdb::DB::Open(flags_.storage_tsdb_path, opts);
  if (!db.ok()) return db.status().WithContext("Opening storage failed");
  db_ = std::move(db).value();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log_.Info("TSDB started", {{"path", flags_.storage_tsdb_path}, {"duration_seconds", secs}});

  db_->ExportMetrics(&metrics::DefaultRegistry());

  WARD_ASSIGN_OR_RETURN(promql::EngineOptions eo, EngineOptionsFromFlags(flags_, log_));
  engine_ = std::make_unique<promql::Engine>(eo);

  scrape::Manager::Options sopts;
  sopts.registry = &metrics::DefaultRegistry();
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) sopts.hostname = host;
  scrape_ = std::make_unique<scrape::Manager>(*db_, std::move(sopts));
  web::Options wopts;
  wopts.listen_address = flags_.web_listen_address;
  wopts.external_url = flags_.web_external_url;
  wopts.route_prefix = flags_.web_route_prefix;
  wopts.enable_lifecycle = flags_.web_enable_lifecycle;
  wopts.max_connections = flags_.web_max_connections;
  if (auto d = config::ParseDuration(flags_.web_read_timeout); d.ok()) {
    wopts.read_timeout = std::chrono::milliseconds(*d);
  } else {
    return d.status().WithContext("--web.read-timeout");
  }
  wopts.registry = &metrics::DefaultRegistry();
  wopts.reload = [this]() { return Reload(); };
  wopts.quit = [this]() {
    quit_.store(true);
    ::kill(::getpid(), SIGTERM);
  };
  web_ = std::make_unique<web::Server>(std::move(wopts));
  WARD_RETURN_IF_ERROR(StartRules());
  RegisterAPI(eo);
  web::ui::UIOptions ui;
  ui.page_title = flags_.web_page_title;
  ui.dashboards_dir = flags_.web_dashboards_dir;
  web::ui::RegisterUI(*web_, std::move(ui));
  WARD_RETURN_IF_ERROR(web_->Start().WithContext("Unable to start web listener"));
  log_.Info("Start listening for connections", {{"address", flags_.web_listen_address}});

  scrape::Manager* sm = scrape_.get();
  discovery::ManagerOptions dopts;
  log::Logger dlog("discovery");
  dopts.log = [dlog](std::string_view msg) { dlog.Warn(msg); };
  discovery_ = std::make_unique<discovery::Manager>(
      [sm](const discovery::TargetSets& sets) { sm->ApplyTargets(sets); }, std::move(dopts));

  {
    std::lock_guard<std::mutex> l(reload_mu_);
    WARD_RETURN_IF_ERROR(scrape_->ApplyConfig(config_));
    WARD_RETURN_IF_ERROR(discovery_->ApplyConfig(discovery::Manager::ScrapeSets(config_)));
  }
  reload_ok_->Set(1);
  reload_ts_->SetToCurrentTime();
  web_->SetReady(true);
  log_.Info("Server is ready to receive web requests.");
  return Status::OK();
}

void Server::RegisterAPI(const promql::EngineOptions& eo) {
  web::api::v1::APIOptions api;
  api.db = db_.get();
  api.engine = engine_.get();
  api.scrape = scrape_.get();
  api.config_yaml = [this] {
    std::lock_guard<std::mutex> l(reload_mu_);
    return config_.ToYAML();
  };
  const Flags& f = flags_;
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  std::string features;
  for (const std::string& x : f.enable_feature) features += (features.empty() ? "" : ",") + x;
  api.flags = {
      {"config.file", f.config_file},
      {"web.listen-address", f.web_listen_address},
      {"web.external-url", f.web_external_url},
      {"web.route-prefix", f.web_route_prefix.empty() ? "/" : f.web_route_prefix},
      {"web.enable-lifecycle", b(f.web_enable_lifecycle)},
      {"web.enable-admin-api", b(f.web_enable_admin_api)},
      {"web.enable-remote-write-receiver", b(f.web_enable_remote_write_receiver)},
      {"web.max-connections", std::to_string(f.web_max_connections)},
      {"web.read-timeout", f.web_read_timeout},
      {"web.cors.origin", f.web_cors_origin},
      {"web.page-title", f.web_page_title},
      {"web.dashboards.dir", f.web_dashboards_dir},
      {"storage.tsdb.path", f.storage_tsdb_path},
      {"storage.tsdb.retention.time", f.storage_tsdb_retention_time},
      {"storage.tsdb.retention.size", f.storage_tsdb_retention_size},
      {"storage.tsdb.min-block-duration", f.storage_tsdb_min_block_duration},
      {"storage.tsdb.max-block-duration", f.storage_tsdb_max_block_duration},
      {"storage.tsdb.wal-compression", b(f.storage_tsdb_wal_compression)},
      {"storage.tsdb.wal-compression-type", f.storage_tsdb_wal_compression_type},
      {"storage.tsdb.wal-segment-size", f.storage_tsdb_wal_segment_size},
      {"storage.tsdb.no-lockfile", b(f.storage_tsdb_no_lockfile)},
      {"storage.tsdb.compacted-chunk-encoding", f.storage_tsdb_compacted_chunk_encoding},
      {"storage.tsdb.memory-snapshot-on-shutdown", b(f.storage_tsdb_memory_snapshot_on_shutdown)},
      {"rules.alert.for-outage-tolerance", f.rules_alert_for_outage_tolerance},
      {"rules.alert.for-grace-period", f.rules_alert_for_grace_period},
      {"rules.alert.resend-delay", f.rules_alert_resend_delay},
      {"alertmanager.notification-queue-capacity",
       std::to_string(f.alertmanager_notification_queue_capacity)},
      {"alertmanager.drain-notification-queue-on-shutdown",
       b(f.alertmanager_drain_notification_queue_on_shutdown)},
      {"query.lookback-delta", f.query_lookback_delta},
      {"query.timeout", f.query_timeout},
      {"query.max-concurrency", std::to_string(f.query_max_concurrency)},
      {"query.max-samples", std::to_string(f.query_max_samples)},
      {"enable-feature", features},
      {"log.level", f.log_level},
      {"log.format", f.log_format},
  };
  api.version = kVersion;
  api.build_info.go_version = "gcc " __VERSION__;
  int64_t start_ms = static_cast<int64_t>(std::time(nullptr)) * 1000;
  api.runtime_info = [this, start_ms] {
    web::api::v1::RuntimeInfo ri;
    ri.start_time_ms = start_ms;
    std::error_code ec;
    ri.cwd = std::filesystem::current_path(ec).string();
    char host[256] = {};
    if (gethostname(host, sizeof(host) - 1) == 0) ri.hostname = host;
    ri.reload_config_success = reload_ok_ == nullptr || reload_ok_->value() == 1;
    ri.storage_retention = flags_.storage_tsdb_retention_time.empty()
                               ? "15d"
                               : flags_.storage_tsdb_retention_time;
    return ri;
  };
  api.lookback_delta_ms = eo.lookback_delta_ms;
  // /status/tsdb counts the head's series; /status/walreplay reports the
  // WAL segments the open just replayed (replay is done: current == max).
  tsdb::Head* head = db_->head();
  api.head = head;
  api.head_stats = [head] {
    web::api::v1::TSDBHeadStats s;
    s.num_series = head->NumSeries();
    s.chunk_count = static_cast<int64_t>(head->stats().chunks_created.load());
    s.min_time_ms = head->MinTime();
    s.max_time_ms = head->MaxTime();
    return s;
  };
  web::api::v1::WALReplayStatus replay;
  if (auto r = tsdb::wlog::SegmentRange(flags_.storage_tsdb_path + "/wal");
      r.ok() && r->first >= 0) {
    replay = {r->first, r->second, r->second};
  }
  api.wal_replay = [replay] { return replay; };
  api.external_labels = [this] {
    std::lock_guard<std::mutex> l(reload_mu_);
    return config_.global.external_labels;
  };
  api.external_url = flags_.web_external_url;
  api.listen_address = flags_.web_listen_address;
  // Admin TSDB actions (--web.enable-admin-api).
  api.enable_admin = flags_.web_enable_admin_api;
  tsdb::DB* db = db_.get();
  api.snapshot = [db](bool skip_head) -> Result<std::string> {
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    std::string name = web::api::v1::SnapshotName(now, web::api::v1::SnapshotRandom());
    WARD_RETURN_IF_ERROR(db->Snapshot(db->dir() + "/snapshots/" + name, !skip_head));
    return name;
  };
  api.delete_series = [db](int64_t mint, int64_t maxt, const std::vector<labels::Matcher>& ms) {
    return db->Delete(mint, maxt, ms);
  };
  api.clean_tombstones = [db] { return db->CleanTombstones(); };
  api.rules = rules_.get();
  notifier::Manager* n = notifier_.get();
  api.alertmanagers = [n] {
    std::vector<web::api::v1::AlertmanagerURL> out;
    if (n == nullptr) return out;
    for (const notifier::AlertmanagerInfo& am : n->Alertmanagers()) out.push_back({am.url, am.dropped});
    return out;
  };
  web::api::v1::RegisterAPI(*web_, std::move(api));
}

std::string Server::ExternalURL() const {
  std::string u = flags_.web_external_url;
  if (u.empty()) {
    char host[256] = {};
    if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "localhost");
    std::string_view la = flags_.web_listen_address;
    size_t colon = la.rfind(':');
    std::string port = colon == std::string_view::npos ? "9090" : std::string(la.substr(colon + 1));
    u = "http://" + std::string(host) + ":" + port + "/";
  }
  while (!u.empty() && u.back() == '/') u.pop_back();
  return u;
}

labels::Labels Server::ExternalLabels() const {
  std::lock_guard<std::mutex> l(ext_mu_);
  return ext_labels_;
}

Status Server::StartRules() {
  notifier::Options nopts;
  nopts.queue_capacity = static_cast<size_t>(flags_.alertmanager_notification_queue_capacity);
  nopts.drain_on_shutdown = flags_.alertmanager_drain_notification_queue_on_shutdown;
  nopts.registry = &metrics::DefaultRegistry();
  nopts.user_agent = std::string("ward/") + kVersion;
  notifier_ = std::make_unique<notifier::Manager>(std::move(nopts));
  WARD_RETURN_IF_ERROR(notifier_->ApplyConfig(config_));
  notifier_->Run();
  {
    std::lock_guard<std::mutex> l(ext_mu_);
    ext_labels_ = config_.global.external_labels;
  }

  auto ropts = std::make_shared<rules::Options>();
  ropts->engine = engine_.get();
  ropts->queryable = db_.get();
  ropts->appendable = db_.get();
  ropts->external_url = ExternalURL();
  ropts->default_interval_ms = config_.global.evaluation_interval;
  ropts->default_query_offset_ms = config_.global.rule_query_offset;
  // Running groups read the offset of the current config at every evaluation.
  ropts->default_query_offset_fn = [this] { return query_offset_ms_.load(); };
  query_offset_ms_.store(config_.global.rule_query_offset);
  ropts->registry = &metrics::DefaultRegistry();
  for (auto [flag, name, out] :
       {std::tuple{&flags_.rules_alert_for_outage_tolerance, "--rules.alert.for-outage-tolerance",
                   &ropts->outage_tolerance_ms},
        std::tuple{&flags_.rules_alert_for_grace_period, "--rules.alert.for-grace-period",
                   &ropts->for_grace_period_ms},
        std::tuple{&flags_.rules_alert_resend_delay, "--rules.alert.resend-delay",
                   &ropts->resend_delay_ms}}) {
    auto d = config::ParseDuration(*flag);
    if (!d.ok()) return d.status().WithContext(name);
    *out = *d;
  }
  // Label and annotation templates: $labels, $value, $externalLabels,
  // $externalURL, and query() running instant queries at the rule's time.
  promql::Engine* engine = engine_.get();
  storage::Queryable* db = db_.get();
  const std::string ext_url = ropts->external_url;
  ropts->expand = [this, engine, db, ext_url](std::string_view name, std::string_view text,
                                              const labels::Labels& ls, double value,
                                              int64_t ts_ms) {
    labels::Labels ext = ExternalLabels();
    tmpl::AlertData d{&ls, value, &ext, ext_url, ts_ms};
    tmpl::QueryFunc query =
        [engine, db, ts_ms](std::string_view q) -> Result<std::vector<tmpl::QuerySample>> {
      WARD_ASSIGN_OR_RETURN(promql::QueryResult r, engine->InstantQuery(*db, q, ts_ms));
      std::vector<tmpl::QuerySample> out;
      if (auto* vec = std::get_if<promql::Vector>(&r.value)) {
        out.reserve(vec->size());
        for (promql::Sample& s : *vec) out.push_back({std::move(s.metric), s.f});
      } else if (auto* sc = std::get_if<promql::Scalar>(&r.value)) {
        out.push_back({labels::Labels(), sc->v});
      } else {
        return Status::Execution("rule result is not a vector or scalar");
      }
      return out;
    };
    return tmpl::ExpandAlertText("__alert_" + std::string(name), text, d, query);
  };
  notifier::Manager* n = notifier_.get();
  ropts->notify = [n](std::vector<notifier::Alert> alerts) { n->Send(std::move(alerts)); };
  rules_ = std::make_unique<rules::Manager>(ropts);
  Status st = rules_->Update(config_.global.evaluation_interval, config_.rule_files,
                             config_.global.external_labels, ropts->external_url);
  if (!st.ok()) return st.WithContext("Error loading rules");
  return Status::OK();
}

Status Server::Reload() {
  std::lock_guard<std::mutex> l(reload_mu_);
  auto cfg = config::LoadFile(flags_.config_file);
  Status st = cfg.status();
  if (st.ok() && notifier_) st = notifier_->ApplyConfig(*cfg);
  if (st.ok()) {
    std::lock_guard<std::mutex> el(ext_mu_);
    ext_labels_ = cfg->global.external_labels;
    query_offset_ms_.store(cfg->global.rule_query_offset);
  }
  if (st.ok() && rules_) {
    st = rules_->Update(cfg->global.evaluation_interval, cfg->rule_files,
                        cfg->global.external_labels, ExternalURL());
  }
  if (st.ok() && scrape_) st = scrape_->ApplyConfig(*cfg);
  if (st.ok() && discovery_) st = discovery_->ApplyConfig(discovery::Manager::ScrapeSets(*cfg));
  if (!st.ok()) {
    if (reload_ok_) reload_ok_->Set(0);
    Status err = st.WithContext("one or more errors occurred while applying the new configuration (--config.file=\"" +
                                flags_.config_file + "\")");
    log_.Error("Error reloading config", {{"err", err}});
    return err;
  }
  config_ = std::move(cfg).value();
  if (reload_ok_) reload_ok_->Set(1);
  if (reload_ts_) reload_ts_->SetToCurrentTime();
  log_.Info("Completed loading of configuration file", {{"filename", flags_.config_file}});
  LogUnsupported(log_, config_);
  return Status::OK();
}

void Server::Shutdown() {
  if (web_) web_->SetReady(false);
  if (discovery_) discovery_->Stop();
  if (scrape_) scrape_->Stop();
  // Rules stop before the notifier, which then drains what they queued.
  if (rules_) rules_->Stop();
  if (notifier_) notifier_->Stop();
  if (web_) web_->Stop();
  discovery_.reset();
  scrape_.reset();
  rules_.reset();
  notifier_.reset();
  if (db_) {
    Status st = db_->Close();
    if (!st.ok()) log_.Error("Error stopping storage", {{"err", st}});
    db_.reset();
  }
  web_.reset();
}

int Server::Run() {
  // Signals are handled only here, synchronously: block them before any
  // thread starts so every thread inherits the mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Status st = Start();
  if (!st.ok()) {
    log_.Error("Error starting ward", {{"err", st}});
    Shutdown();
    return 1;
  }
  while (true) {
    timespec ts{0, 200 * 1000 * 1000};
    int sig = sigtimedwait(&set, nullptr, &ts);
    if (sig == SIGHUP) {
      Reload().IgnoreError();  // Reload logs its own errors; the old config keeps running.
    } else if (sig == SIGTERM || sig == SIGINT) {
      log_.Warn("Received an OS signal, exiting gracefully...", {{"signal", strsignal(sig)}});
      break;
    } else if (quit_.load()) {
      break;
    }
  }
  Shutdown();
  log_.Info("See you next time!");
  return 0;
}

}  // namespace ward
