#include "cmd/ward/server.h"

#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstring>

#include "config/config.h"
#include "cmd/ward/version.h"
#include "discovery/manager.h"
#include "scrape/manager.h"
#include "tsdb/db.h"
#include "util/metrics.h"
#include "util/process.h"
#include "web/server.h"

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
  }
  opts.wal_compression_type = flags_.storage_tsdb_wal_compression_type;
  opts.no_lockfile = flags_.storage_tsdb_no_lockfile;

  auto t0 = std::chrono::steady_clock::now();
  auto db = tsdb::DB::Open(flags_.storage_tsdb_path, opts);
  if (!db.ok()) return db.status().WithContext("Opening storage failed");
  db_ = std::move(db).value();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log_.Info("TSDB started", {{"path", flags_.storage_tsdb_path}, {"duration_seconds", secs}});

  db_->ExportMetrics(&metrics::DefaultRegistry());

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
  WARD_RETURN_IF_ERROR(web_->Start().WithContext("Unable to start web listener"));
  log_.Info("Start listening for connections", {{"address", flags_.web_listen_address}});

  scrape::Manager::Options sopts;
  sopts.registry = &metrics::DefaultRegistry();
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) sopts.hostname = host;
  scrape_ = std::make_unique<scrape::Manager>(*db_, std::move(sopts));
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

Status Server::Reload() {
  std::lock_guard<std::mutex> l(reload_mu_);
  auto cfg = config::LoadFile(flags_.config_file);
  Status st = cfg.status();
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
  if (web_) web_->Stop();
  discovery_.reset();
  scrape_.reset();
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
