#include "scrape/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <utility>

#include "scrape/worker_pool.h"
#include "util/http_status.h"

namespace ward::scrape {

namespace {

std::once_flag g_curl_init;


}  // namespace

struct HttpClient::Transfer {
  CURL* easy = nullptr;
  HttpRequest req;
  Callback cb;
  HttpResponse resp;
  curl_slist* headers = nullptr;
  curl_slist* connect_to = nullptr;
  bool limit_exceeded = false;
  std::chrono::steady_clock::time_point start;
  char errbuf[CURL_ERROR_SIZE] = {0};

  ~Transfer() {
    if (headers) curl_slist_free_all(headers);
    if (connect_to) curl_slist_free_all(connect_to);
  }
};

// libcurl write callback: appends to the body until the size limit.
size_t HttpClient::WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<HttpClient::Transfer*>(userdata);
  size_t n = size * nmemb;
  std::string& body = t->resp.body;
  if (t->req.body_size_limit > 0 &&
      static_cast<int64_t>(body.size() + n) > t->req.body_size_limit) {
    t->limit_exceeded = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  body.append(ptr, n);
  return n;
}

HttpClient::HttpClient() : HttpClient(Options()) {}

HttpClient::HttpClient(Options opts) : opts_(opts) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  size_t n = opts_.workers ? opts_.workers : std::max(1u, std::thread::hardware_concurrency());
  workers_ = std::make_unique<WorkerPool>(n);
  multi_ = curl_multi_init();
  if (opts_.max_connections > 0) {
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, opts_.max_connections);
  }
  loop_ = std::thread([this] { Loop(); });
}

HttpClient::~HttpClient() { Stop(); }

Status HttpClient::Submit(HttpRequest req, Callback cb) {
  auto t = std::make_unique<Transfer>();
  t->req = std::move(req);
  t->cb = std::move(cb);
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return Status::Unavailable("HTTP client is shutting down");
    pending_.push_back(std::move(t));
    ++in_flight_;
    curl_multi_wakeup(multi_);
  }
  return Status::OK();
}

bool HttpClient::Schedule(std::chrono::steady_clock::time_point when, std::function<void()> fn) {
  std::lock_guard<std::mutex> l(mu_);
  if (stopping_) return false;
  bool earliest = timers_.empty() || when < timers_.begin()->first;
  timers_.emplace(when, std::move(fn));
  if (earliest) curl_multi_wakeup(multi_);
  return true;
}

bool HttpClient::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return false;
  }
  return workers_->Post(std::move(fn));
}

size_t HttpClient::in_flight() const {
  std::lock_guard<std::mutex> l(mu_);
  return in_flight_;
}

void HttpClient::Stop() {
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return;
    stopping_ = true;
    dropped.swap(timers_);
    curl_multi_wakeup(multi_);
  }
  loop_.join();
  dropped.clear();  // destroys the closures (and what they own) outside the lock
  workers_->Stop();
  for (void* e : idle_easy_) curl_easy_cleanup(static_cast<CURL*>(e));
  idle_easy_.clear();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
  multi_ = nullptr;
}

void HttpClient::StartTransfer(std::unique_ptr<Transfer> t) {
  CURL* e;
  if (!idle_easy_.empty()) {
    e = static_cast<CURL*>(idle_easy_.back());
    idle_easy_.pop_back();
    curl_easy_reset(e);
  } else {
    e = curl_easy_init();
  }
  t->easy = e;
  const HttpRequest& r = t->req;
  t->resp.body = std::move(t->req.body_buffer);
  t->resp.body.clear();

  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &HttpClient::WriteBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(r.timeout_ms, 1)));
  if (r.follow_redirects) {
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);  // Go's net/http limit
  }
  if (!r.enable_http2) {
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  }
  if (!r.proxy_url.empty()) curl_easy_setopt(e, CURLOPT_PROXY, r.proxy_url.c_str());
  if (!r.user_agent.empty()) curl_easy_setopt(e, CURLOPT_USERAGENT, r.user_agent.c_str());
  if (r.accept_gzip) {
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
  } else {
    t->headers = curl_slist_append(t->headers, "Accept-Encoding: identity");
  }
  for (const auto& h : r.headers) t->headers = curl_slist_append(t->headers, h.c_str());
  if (t->headers) curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  if (r.basic_auth) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(e, CURLOPT_USERNAME, r.basic_username.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, r.basic_password.c_str());
  }
  const TLSOptions& tls = r.tls;
  if (!tls.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) curl_easy_setopt(e, CURLOPT_SSLCERT, tls.cert_file.c_str());
  if (!tls.key_file.empty()) curl_easy_setopt(e, CURLOPT_SSLKEY, tls.key_file.c_str());
  auto set_blob = [e](CURLoption opt, const std::string& pem) {
    curl_blob b{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(e, opt, &b);
  };
  if (!tls.ca_pem.empty()) set_blob(CURLOPT_CAINFO_BLOB, tls.ca_pem);
  if (!tls.cert_pem.empty()) set_blob(CURLOPT_SSLCERT_BLOB, tls.cert_pem);
  if (!tls.key_pem.empty()) set_blob(CURLOPT_SSLKEY_BLOB, tls.key_pem);
  if (tls.min_version == "TLS10") {
    curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_0));
  } else if (tls.min_version == "TLS11") {
    curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_1));
  } else if (tls.min_version == "TLS13") {
    curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_3));
  } else {
    // Go's crypto/tls default minimum (and Prometheus's): TLS 1.2.
    curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  }
  if (tls.insecure_skip_verify) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!tls.server_name.empty()) {
    // Verify against (and send SNI for) server_name while connecting to the
    // URL's host: rewrite the URL host and map it back with CONNECT_TO.
    CURLU* u = curl_url();
    char *host = nullptr, *port = nullptr;
    if (curl_url_set(u, CURLUPART_URL, r.url.c_str(), 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      std::string connect_to = tls.server_name + ":" + port + ":" + host + ":" + port;
      curl_slist* ct = curl_slist_append(nullptr, connect_to.c_str());
      curl_url_set(u, CURLUPART_HOST, tls.server_name.c_str(), 0);
      char* new_url = nullptr;
      if (curl_url_get(u, CURLUPART_URL, &new_url, 0) == CURLUE_OK) {
        curl_easy_setopt(e, CURLOPT_URL, new_url);  // libcurl copies the string
        curl_free(new_url);
      }
      // libcurl keeps a pointer to the list: it lives as long as the transfer.
      curl_easy_setopt(e, CURLOPT_CONNECT_TO, ct);
      t->connect_to = ct;
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
  }

  t->start = std::chrono::steady_clock::now();
  CURLMcode mc = curl_multi_add_handle(static_cast<CURLM*>(multi_), e);
  Transfer* raw = t.get();
  active_[e] = std::move(t);
  if (mc != CURLM_OK) {
    FinishTransfer(raw, -1);
  }
}

void HttpClient::FinishTransfer(Transfer* t, int curl_code) {
  CURL* e = t->easy;
  curl_multi_remove_handle(static_cast<CURLM*>(multi_), e);
  auto it = active_.find(e);
  std::unique_ptr<Transfer> owned = std::move(it->second);
  active_.erase(it);

  HttpResponse& resp = t->resp;
  resp.duration = std::chrono::steady_clock::now() - t->start;
  const std::string& url = t->req.url;
  if (curl_code == -1) {
    resp.status = Status::Internal("could not start HTTP transfer for " + url);
  } else if (curl_code == -2) {
    resp.status = Status::Canceled("Get \"" + url + "\": context canceled");
  } else if (t->limit_exceeded) {
    resp.status = Status::InvalidArgument("body size limit exceeded");
  } else if (curl_code == CURLE_OPERATION_TIMEDOUT) {
    resp.status = Status::Timeout("Get \"" + url + "\": context deadline exceeded");
  } else if (curl_code != CURLE_OK) {
    std::string detail = t->errbuf[0]
                             ? std::string(t->errbuf)
                             : std::string(curl_easy_strerror(static_cast<CURLcode>(curl_code)));
    resp.status = Status::Unavailable("Get \"" + url + "\": " + detail);
  } else {
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp.http_code);
    char* ct = nullptr;
    if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) resp.content_type = ct;
    if (resp.http_code != 200) {
      std::string msg = "server returned HTTP status " + std::to_string(resp.http_code);
      std::string_view text = HttpStatusText(resp.http_code);
      if (!text.empty()) {
        msg += ' ';
        msg += text;
      }
      resp.status = Status::Unavailable(msg);
    }
  }
  idle_easy_.push_back(e);
  {
    std::lock_guard<std::mutex> l(mu_);
    --in_flight_;
  }
  // The pool runs queued closures even while stopping, so `cb` always runs.
  auto* shared = new std::pair<Callback, HttpResponse>(std::move(owned->cb), std::move(resp));
  bool posted = workers_->Post([shared] {
    std::unique_ptr<std::pair<Callback, HttpResponse>> p(shared);
    p->first(std::move(p->second));
  });
  if (!posted) {
    std::unique_ptr<std::pair<Callback, HttpResponse>> p(shared);
    p->first(std::move(p->second));
  }
}

void HttpClient::Loop() {
  CURLM* multi = static_cast<CURLM*>(multi_);
  for (;;) {
    std::vector<std::unique_ptr<Transfer>> start;
    std::vector<std::function<void()>> due;
    int wait_ms = 1000;
    bool stopping;
    {
      std::lock_guard<std::mutex> l(mu_);
      stopping = stopping_;
      start.swap(pending_);
      auto now = std::chrono::steady_clock::now();
      while (!stopping && !timers_.empty() && timers_.begin()->first <= now) {
        due.push_back(std::move(timers_.begin()->second));
        timers_.erase(timers_.begin());
      }
      if (!timers_.empty()) {
        auto d = std::chrono::ceil<std::chrono::milliseconds>(timers_.begin()->first - now);
        wait_ms = static_cast<int>(std::clamp<int64_t>(d.count(), 0, wait_ms));
      }
    }
    if (stopping) {
      // Cancel what never started and what is in flight.
      for (auto& t : start) {
        Transfer* raw = t.get();
        t->easy = curl_easy_init();
        t->start = std::chrono::steady_clock::now();
        active_[raw->easy] = std::move(t);
        curl_multi_add_handle(multi, raw->easy);
        FinishTransfer(raw, -2);
      }
      while (!active_.empty()) FinishTransfer(active_.begin()->second.get(), -2);
      return;
    }
    for (auto& fn : due) workers_->Post(std::move(fn));
    for (auto& t : start) StartTransfer(std::move(t));
    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &queued)) {
      if (m->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &t);
      int code = m->data.result;
      if (t) FinishTransfer(t, code);
    }
    curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
  }
}

}  // namespace ward::scrape
