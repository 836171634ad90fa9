// HttpPoster: sends JSON POST requests to several Alertmanagers at once with
// libcurl's multi interface (one thread, all transfers in parallel, idle
// connections kept for the next batch). Requests are built from an
// alertmanager config's <http_config> by BuildPostRequest. Used only by the
// notifier's sender thread: not thread-safe, one owner.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "util/status.h"

namespace ward::notifier {

// One POST. The body is shared by all requests of a batch.
struct PostRequest {
  std::string url;
  std::shared_ptr<const std::string> body;
  // Extra header lines, "Name: value" (Authorization, custom headers).
  std::vector<std::string> headers;
  std::string content_type = "application/json";
  std::string user_agent;
  int64_t timeout_ms = 10000;
  bool follow_redirects = true;
  bool enable_http2 = true;
  std::string proxy_url;  // empty: no proxy (unless proxy_from_environment)
  std::string no_proxy;   // comma-separated hosts that bypass proxy_url
  bool proxy_from_environment = false;
  bool basic_auth = false;
  std::string basic_username;
  std::string basic_password;
  // TLS (files already resolved against the config directory).
  std::string ca_file, cert_file, key_file;
  std::string ca_pem, cert_pem, key_pem;
  std::string server_name;
  std::string min_version;  // "", TLS10, TLS11, TLS12, TLS13
  bool insecure_skip_verify = false;
};

struct PostResult {
  // OK for any 2xx reply. Otherwise reads like Prometheus's errors:
  // `bad response status 500 Internal Server Error`,
  // `Post "http://h/api/v2/alerts": context deadline exceeded` (kTimeout),
  // `Post "http://h/api/v2/alerts": <connection error>` (kUnavailable).
  Status status;
  long http_code = 0;
  // From the start of the batch to this request's completion.
  std::chrono::nanoseconds duration{0};
};

// Fills the transport and credential fields of *req from `hc`, reading
// *_file secrets now (so rotated files are picked up on the next send).
// Fails with IOError naming the file when one cannot be read.
Status ApplyHTTPClientConfig(const config::HTTPClientConfig& hc, PostRequest* req);


class HttpPoster {
 public:
  HttpPoster();
  ~HttpPoster();
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;

  // Runs all `reqs` in parallel and returns when every one has completed or
  // timed out; result i belongs to reqs[i]. Each request is bounded by its
  // own timeout_ms.
  std::vector<PostResult> PostAll(const std::vector<PostRequest>& reqs);

 private:
  void* multi_ = nullptr;  // CURLM*
};

}  // namespace ward::notifier
