// Server wires ward's components together: config loading, the TSDB, the
// query engine, the notifier and rule manager, the web server, discovery and
// scraping, in that start order (and the reverse stop order). It owns the main thread's signal loop: SIGHUP reloads the config,
// SIGTERM/SIGINT stop. Only this file names tsdb::DB. Not thread-safe except
// Reload(), which the web server may call from its threads.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "cmd/ward/flags.h"
#include "config/config.h"
#include "model/labels/labels.h"
#include "util/log.h"
#include "util/status.h"

namespace ward {

namespace tsdb {
class DB;
}
namespace scrape {
class Manager;
}
namespace discovery {
class Manager;
}
namespace web {
class Server;
}
namespace rules {
class Manager;
}
namespace notifier {
class Manager;
}
namespace promql {
class Engine;
struct EngineOptions;
}
namespace metrics {
class Gauge;
class Counter;
class Histogram;
}

class Server {
 public:
  explicit Server(Flags flags);
  ~Server();

  // Starts everything, serves until SIGTERM/SIGINT or /-/quit, stops.
  // Returns the process exit code.
  int Run();

  // Re-reads the config file and applies it. An invalid file is rejected and
  // the running configuration stays. Thread-safe.
  Status Reload();

 private:
  Status Start();
  void Shutdown();
  void RegisterMetrics();
  void RegisterAPI(const promql::EngineOptions& eo);
  // Creates the notifier and the rule manager (after the engine).
  Status StartRules();
  // --web.external-url, or http://<hostname>:<port> as Prometheus computes
  // it when the flag is empty; no trailing slash.
  std::string ExternalURL() const;
  labels::Labels ExternalLabels() const;

  const Flags flags_;
  const log::Logger log_{"main"};

  std::unique_ptr<tsdb::DB> db_;
  std::unique_ptr<promql::Engine> engine_;
  std::unique_ptr<web::Server> web_;
  std::unique_ptr<scrape::Manager> scrape_;
  std::unique_ptr<discovery::Manager> discovery_;
  std::unique_ptr<notifier::Manager> notifier_;
  std::unique_ptr<rules::Manager> rules_;
  metrics::Gauge* reload_ok_ = nullptr;
  metrics::Gauge* reload_ts_ = nullptr;
  std::atomic<bool> quit_{false};

  std::mutex reload_mu_;
  config::Config config_;  // guarded by reload_mu_
  // The external labels alone, for rule templates: rule threads read them
  // while Reload (holding reload_mu_) waits for those threads.
  mutable std::mutex ext_mu_;
  labels::Labels ext_labels_;  // guarded by ext_mu_
  std::atomic<int64_t> query_offset_ms_{0};  // global.rule_query_offset of the current config
};

// Parses a byte size as Prometheus's flags take it: 100MB, 1GB, 512KB, 1024B
// (powers of 1024).
Result<int64_t> ParseByteSize(std::string_view s);

}  // namespace ward
