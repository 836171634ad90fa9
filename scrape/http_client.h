// HttpClient: every outbound scrape request of the process goes through ONE
// event-loop thread driving libcurl's multi interface, so thousands of targets
// are scraped concurrently without a thread each. Completion callbacks and
// timers run on a WorkerPool, never on the loop thread, so parsing and
// appending never stall socket I/O. Thread-safe: Submit/Schedule may be called
// from any thread, including from callbacks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "util/status.h"

namespace ward::scrape {

class WorkerPool;

// TLS settings of a request (config tls_config, files already resolved).
struct TLSOptions {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // Inline PEM alternatives to the files above.
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  // Lowest TLS version accepted: "", "TLS10", "TLS11", "TLS12", "TLS13".
  std::string min_version;
  // Verifies the peer (and sends SNI) for this name instead of the URL host.
  std::string server_name;
  bool insecure_skip_verify = false;
};

// One GET request. Credentials are resolved by the caller (see
// scrape/target.h BuildRequest, which reads *_file settings per request).
struct HttpRequest {
  std::string url;
  // Extra header lines, "Name: value" (Accept, Authorization, ...).
  std::vector<std::string> headers;
  std::string user_agent;
  int64_t timeout_ms = 10000;
  // Sends "Accept-Encoding: gzip" and decodes gzip bodies; otherwise
  // "Accept-Encoding: identity".
  bool accept_gzip = true;
  bool follow_redirects = true;
  // Allows HTTP/2 over TLS (ALPN); false pins HTTP/1.1.
  bool enable_http2 = true;
  // http://host:port of a proxy, or empty.
  std::string proxy_url;
  // Largest decoded body accepted, in bytes; <= 0 means no limit.
  int64_t body_size_limit = 0;
  bool basic_auth = false;
  std::string basic_username;
  std::string basic_password;
  TLSOptions tls;
  // Storage handed back as HttpResponse::body, so a caller that passes the
  // previous body back in reuses its capacity (no allocation per scrape).
  std::string body_buffer;
};

struct HttpResponse {
  // OK only for a completed transfer with HTTP status 200. Errors read like
  // Prometheus's: `server returned HTTP status 404 Not Found`,
  // `Get "http://x/metrics": context deadline exceeded` (code kTimeout),
  // `body size limit exceeded`.
  Status status;
  long http_code = 0;
  std::string content_type;
  std::string body;
  // Wall time from the start of the transfer to its completion.
  std::chrono::nanoseconds duration{0};
};

class HttpClient {
 public:
  using Callback = std::function<void(HttpResponse)>;

  struct Options {
    // Worker threads for callbacks and timers; 0 = number of cores.
    size_t workers = 0;
    // Size of libcurl's connection cache (idle keep-alive connections kept);
    // 0 = libcurl's default.
    long max_connections = 0;
  };

  HttpClient();
  explicit HttpClient(Options opts);
  ~HttpClient();  // Calls Stop().

  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts `req`; `cb` runs once on a worker with the outcome. Returns
  // Unavailable (and never calls `cb`) after Stop() has begun.
  Status Submit(HttpRequest req, Callback cb);

  // Runs `fn` on a worker at (or soon after) `when`. Returns false (and drops
  // `fn` unrun) after Stop() has begun; timers pending at Stop are dropped.
  bool Schedule(std::chrono::steady_clock::time_point when, std::function<void()> fn);

  // Runs `fn` on a worker as soon as possible. Same failure rule as Schedule.
  bool Post(std::function<void()> fn);

  // Stops the loop: in-flight transfers complete with a Canceled status,
  // pending timers are dropped, queued callbacks run, threads are joined.
  // Idempotent. REQUIRES: not called from a callback or timer.
  void Stop();

  // Transfers currently in flight (for metrics and tests).
  size_t in_flight() const;

 private:
  struct Transfer;
  static size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata);
  void Loop();
  void StartTransfer(std::unique_ptr<Transfer> t);
  void FinishTransfer(Transfer* t, int curl_code);

  const Options opts_;
  std::unique_ptr<WorkerPool> workers_;
  void* multi_ = nullptr;  // CURLM*, used only by the loop thread (and Stop after join)
  std::thread loop_;

  mutable std::mutex mu_;
  bool stopping_ = false;                           // guarded by mu_
  std::vector<std::unique_ptr<Transfer>> pending_;  // guarded by mu_
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>>
      timers_;            // guarded by mu_
  size_t in_flight_ = 0;  // guarded by mu_

  // Loop-thread state.
  std::map<void*, std::unique_ptr<Transfer>> active_;  // by CURL* handle
  std::vector<void*> idle_easy_;                       // CURL* handles kept for reuse
};

}  // namespace ward::scrape
