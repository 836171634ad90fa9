// web::Server: ward's HTTP/1.1 server (Boost.Beast over Asio). It serves the
// built-in routes (/metrics, /-/healthy, /-/ready, /-/reload, /-/quit) and
// whatever other components register (API v1, UI, push, remote write).
// Requests are parsed on io_threads; handlers marked `offload` (queries,
// anything slow) run on a worker pool and their response is posted back.
// Thread safety: Handle() before Start(); everything else is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "util/metrics.h"
#include "util/status.h"
#include "web/request.h"

namespace ward::web {

struct Options {
  // Where to listen: "host:port", ":port" (all interfaces, IPv6 and IPv4),
  // "[::1]:port"; port 0 picks a free port (see Server::port()).
  // Default: "0.0.0.0:9090" (--web.listen-address).
  std::string listen_address = "0.0.0.0:9090";
  // The URL under which ward is reached from outside (--web.external-url).
  // Default: empty (derived from the hostname by cmd/ward).
  std::string external_url;
  // Prefix of every route ("/prom"). Default: empty, meaning the path of
  // external_url, or "/" (--web.route-prefix).
  std::string route_prefix;
  // Whether POST|PUT /-/reload and /-/quit work (--web.enable-lifecycle).
  bool enable_lifecycle = false;
  // Threads that accept, parse and write. Default: 1.
  int io_threads = 1;
  // Threads for offloaded handlers. Default: 0, meaning one per core.
  int worker_threads = 0;
  // Open connections at most; further clients wait in the listen backlog
  // (--web.max-connections). Default: 512.
  int max_connections = 512;
  // Time to receive a whole request, and the idle keep-alive timeout.
  // Default: 5 minutes (--web.read-timeout).
  std::chrono::milliseconds read_timeout = std::chrono::minutes(5);
  // Time to send a whole response. Default: 5 minutes.
  std::chrono::milliseconds write_timeout = std::chrono::minutes(5);
  // Request header bytes at most (431 beyond). Default: 1 MiB, like Go.
  uint32_t max_header_bytes = 1 << 20;
  // Request body bytes at most (413 beyond). Default: 64 MiB.
  uint64_t max_body_bytes = 64ull << 20;
  // Responses smaller than this are not gzipped. Default: 1024.
  size_t gzip_min_bytes = 1024;
  // How long Stop() waits for in-flight requests. Default: 10 s.
  std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(10);

  // Served on GET /metrics, and where the server counts its requests
  // (prometheus_http_requests_total, prometheus_http_request_duration_seconds).
  // nullptr means metrics::DefaultRegistry(). Must outlive the server.
  metrics::Registry* registry = nullptr;
  // Called by POST|PUT /-/reload; an error becomes a 500 with its text.
  std::function<Status()> reload;
  // Called (once) by POST|PUT /-/quit after the response is queued.
  std::function<void()> quit;
};

using Handler = std::function<void(const Request&, Response&)>;

// Per-route settings.
struct RouteOptions {
  // Run on the worker pool, not on an I/O thread. Use for anything that may
  // take more than a millisecond (queries, large reads, remote write).
  bool offload = false;
  // Answer 503 "Service Unavailable" until SetReady(true) (as Prometheus
  // does for its API while the TSDB opens).
  bool require_ready = false;
};

class Server {
 public:
  explicit Server(Options options);
  // Stops the server if running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Registers `h` for `method` ("GET", "POST", ...) on `path`, relative to
  // the route prefix ("/api/v1/query"). A segment ":name" matches one path
  // segment and a last segment "*name" the rest of the path (both readable
  // with Request::PathParam). HEAD is served by the GET route when no HEAD
  // route exists. A later registration of the same method and path replaces
  // the earlier one.
  // REQUIRES: Start() not yet called.
  void Handle(std::string method, std::string path, Handler h, bool offload = false);
  void Handle(std::string method, std::string path, Handler h, RouteOptions opts);

  // Binds and starts serving. Fails with Unavailable when the address is in
  // use or cannot be bound, InvalidArgument when listen_address is malformed.
  Status Start();
  // Stops accepting, lets in-flight requests finish (up to
  // shutdown_timeout), closes every connection and joins all threads.
  // Idempotent. Must not be called from a handler.
  void Stop();

  // Flips /-/ready (and require_ready routes) between 503 and 200.
  void SetReady(bool ready) { ready_.store(ready, std::memory_order_release); }
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  // The bound port (after Start), for listen addresses with port 0.
  uint16_t port() const;
  // The effective route prefix ("" for "/"), after Start.
  const std::string& route_prefix() const;
  const Options& options() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> ready_{false};
};

// Parses a listen address into host and port: "h:p", ":p", "[v6]:p".
// An empty host means all interfaces.
Status ParseListenAddress(std::string_view addr, std::string* host, uint16_t* port);

}  // namespace ward::web
