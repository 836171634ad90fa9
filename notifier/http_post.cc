// Parallel JSON POSTs with libcurl multi; see http_post.h.
#include "notifier/http_post.h"

#include <curl/curl.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "util/http_status.h"
#include "util/result.h"

namespace ward::notifier {
namespace {

std::once_flag g_curl_init;

Result<std::string> ReadSecret(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("unable to read " + std::string(what) + " file " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  // Prometheus trims surrounding whitespace of secrets read from files.
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Per-transfer state owned by PostAll.
struct Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  curl_slist* connect_to = nullptr;
  std::string status_line;  // reason phrase of the last status line
  char errbuf[CURL_ERROR_SIZE] = {0};
};

size_t DiscardBody(char*, size_t size, size_t nmemb, void*) { return size * nmemb; }

size_t OnHeader(char* ptr, size_t size, size_t nmemb, void* userdata) {
  size_t n = size * nmemb;
  std::string_view line(ptr, n);
  if (line.starts_with("HTTP/")) {
    auto* t = static_cast<Transfer*>(userdata);
    // "HTTP/1.1 500 Internal Server Error\r\n" -> "Internal Server Error".
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    t->status_line.clear();
    if (sp2 != std::string_view::npos) {
      std::string_view reason = line.substr(sp2 + 1);
      while (!reason.empty() && (reason.back() == '\r' || reason.back() == '\n')) reason.remove_suffix(1);
      t->status_line.assign(reason);
    }
  }
  return n;
}

void SetTLS(CURL* e, const PostRequest& r, Transfer* t) {
  if (!r.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, r.ca_file.c_str());
  if (!r.cert_file.empty()) curl_easy_setopt(e, CURLOPT_SSLCERT, r.cert_file.c_str());
  if (!r.key_file.empty()) curl_easy_setopt(e, CURLOPT_SSLKEY, r.key_file.c_str());
  auto blob = [e](CURLoption opt, const std::string& pem) {
    curl_blob b{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(e, opt, &b);
  };
  if (!r.ca_pem.empty()) blob(CURLOPT_CAINFO_BLOB, r.ca_pem);
  if (!r.cert_pem.empty()) blob(CURLOPT_SSLCERT_BLOB, r.cert_pem);
  if (!r.key_pem.empty()) blob(CURLOPT_SSLKEY_BLOB, r.key_pem);
  long version = CURL_SSLVERSION_TLSv1_2;  // Go's default minimum
  if (r.min_version == "TLS10") version = CURL_SSLVERSION_TLSv1_0;
  if (r.min_version == "TLS11") version = CURL_SSLVERSION_TLSv1_1;
  if (r.min_version == "TLS13") version = CURL_SSLVERSION_TLSv1_3;
  curl_easy_setopt(e, CURLOPT_SSLVERSION, version);
  if (r.insecure_skip_verify) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (r.server_name.empty()) return;
  // Verify (and send SNI) for server_name while connecting to the URL's
  // host: put server_name in the URL and map it back with CONNECT_TO.
  CURLU* u = curl_url();
  char *host = nullptr, *port = nullptr;
  if (curl_url_set(u, CURLUPART_URL, r.url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    std::string ct = r.server_name + ":" + port + ":" + host + ":" + port;
    t->connect_to = curl_slist_append(nullptr, ct.c_str());
    curl_url_set(u, CURLUPART_HOST, r.server_name.c_str(), 0);
    char* url = nullptr;
    if (curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK) {
      curl_easy_setopt(e, CURLOPT_URL, url);
      curl_free(url);
    }
    curl_easy_setopt(e, CURLOPT_CONNECT_TO, t->connect_to);
  }
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
}

void Setup(const PostRequest& r, Transfer* t) {
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  static const std::string kEmpty;
  const std::string& body = r.body ? *r.body : kEmpty;
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &DiscardBody);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(r.timeout_ms, 1)));
  if (r.follow_redirects) {
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    // Go re-sends the body on 307/308 only, as libcurl does by default.
  }
  if (!r.enable_http2) curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  if (!r.proxy_url.empty()) {
    curl_easy_setopt(e, CURLOPT_PROXY, r.proxy_url.c_str());
    if (!r.no_proxy.empty()) curl_easy_setopt(e, CURLOPT_NOPROXY, r.no_proxy.c_str());
  } else if (!r.proxy_from_environment) {
    curl_easy_setopt(e, CURLOPT_PROXY, "");  // ignore http_proxy & co., as Prometheus
  }
  if (!r.user_agent.empty()) curl_easy_setopt(e, CURLOPT_USERAGENT, r.user_agent.c_str());
  t->headers = curl_slist_append(t->headers, ("Content-Type: " + r.content_type).c_str());
  t->headers = curl_slist_append(t->headers, "Expect:");  // no 100-continue round trip
  for (const auto& h : r.headers) t->headers = curl_slist_append(t->headers, h.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  if (r.basic_auth) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(e, CURLOPT_USERNAME, r.basic_username.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, r.basic_password.c_str());
  }
  SetTLS(e, r, t);
}

// Go's wording for the common connection failures ("dial tcp
// 127.0.0.1:1: connect: connection refused"), else libcurl's message.
std::string TransportError(const PostRequest& r, Transfer* t, CURLcode code) {
  long os_errno = 0;
  curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno);
  if (code == CURLE_COULDNT_CONNECT && os_errno != 0) {
    // libcurl leaves PRIMARY_IP empty on a failed connect: take the URL's.
    std::string hostport;
    CURLU* u = curl_url();
    char *host = nullptr, *port = nullptr;
    if (curl_url_set(u, CURLUPART_URL, r.url.c_str(), 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      hostport.append(host).append(":").append(port);
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    if (!hostport.empty()) {
      std::string err = strerror(static_cast<int>(os_errno));
      if (!err.empty()) err[0] = static_cast<char>(tolower(static_cast<unsigned char>(err[0])));
      return "dial tcp " + hostport + ": connect: " + err;
    }
  }
  return t->errbuf[0] ? std::string(t->errbuf) : std::string(curl_easy_strerror(code));
}

PostResult Finish(const PostRequest& r, Transfer* t, CURLcode code) {
  PostResult res;
  if (code == CURLE_OPERATION_TIMEDOUT) {
    res.status = Status::Timeout("Post \"" + r.url + "\": context deadline exceeded");
    return res;
  }
  if (code != CURLE_OK) {
    res.status = Status::Unavailable("Post \"" + r.url + "\": " + TransportError(r, t, code));
    return res;
  }
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &res.http_code);
  if (res.http_code / 100 != 2) {
    std::string text = t->status_line.empty() ? std::string(HttpStatusText(res.http_code)) : t->status_line;
    std::string msg = "bad response status " + std::to_string(res.http_code);
    if (!text.empty()) msg += " " + text;
    res.status = Status::Unavailable(msg);
  }
  return res;
}

}  // namespace


Status ApplyHTTPClientConfig(const config::HTTPClientConfig& hc, PostRequest* req) {
  req->follow_redirects = hc.follow_redirects;
  req->enable_http2 = hc.enable_http2;
  req->proxy_url = hc.proxy_url;
  req->no_proxy = hc.no_proxy;
  req->proxy_from_environment = hc.proxy_from_environment;
  if (hc.basic_auth) {
    const config::BasicAuth& ba = *hc.basic_auth;
    req->basic_auth = true;
    req->basic_username = ba.username;
    req->basic_password = ba.password.value;
    if (!ba.username_file.empty()) {
      WARD_ASSIGN_OR_RETURN(req->basic_username, ReadSecret(ba.username_file, "basic auth username"));
    }
    if (!ba.password_file.empty()) {
      WARD_ASSIGN_OR_RETURN(req->basic_password, ReadSecret(ba.password_file, "basic auth password"));
    }
  }
  if (hc.authorization) {
    const config::Authorization& a = *hc.authorization;
    std::string cred = a.credentials.value;
    if (!a.credentials_file.empty()) {
      WARD_ASSIGN_OR_RETURN(cred, ReadSecret(a.credentials_file, "authorization credentials"));
    }
    req->headers.push_back("Authorization: " + (a.type.empty() ? std::string("Bearer") : a.type) + " " + cred);
  }
  for (const auto& [name, h] : hc.http_headers) {
    for (const auto& v : h.values) req->headers.push_back(name + ": " + v);
    for (const auto& s : h.secrets) req->headers.push_back(name + ": " + s.value);
    for (const auto& f : h.files) {
      WARD_ASSIGN_OR_RETURN(std::string v, ReadSecret(f, "header"));
      req->headers.push_back(name + ": " + v);
    }
  }
  const config::TLSConfig& tls = hc.tls_config;
  req->ca_file = tls.ca_file;
  req->cert_file = tls.cert_file;
  req->key_file = tls.key_file;
  req->ca_pem = tls.ca;
  req->cert_pem = tls.cert;
  req->key_pem = tls.key.value;
  req->server_name = tls.server_name;
  req->min_version = tls.min_version;
  req->insecure_skip_verify = tls.insecure_skip_verify;
  return Status::OK();
}

HttpPoster::HttpPoster() {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  multi_ = curl_multi_init();
}

HttpPoster::~HttpPoster() {
  if (multi_) curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

std::vector<PostResult> HttpPoster::PostAll(const std::vector<PostRequest>& reqs) {
  std::vector<PostResult> results(reqs.size());
  if (reqs.empty()) return results;
  CURLM* multi = static_cast<CURLM*>(multi_);
  const auto begin = std::chrono::steady_clock::now();
  std::vector<Transfer> transfers(reqs.size());
  std::vector<bool> done(reqs.size(), false);
  size_t running_count = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    Transfer& t = transfers[i];
    t.easy = curl_easy_init();
    if (t.easy == nullptr || multi == nullptr) {
      results[i].status = Status::Internal("could not start HTTP transfer for " + reqs[i].url);
      done[i] = true;
      continue;
    }
    Setup(reqs[i], &t);
    curl_easy_setopt(t.easy, CURLOPT_PRIVATE, reinterpret_cast<void*>(i));
    if (curl_multi_add_handle(multi, t.easy) != CURLM_OK) {
      results[i].status = Status::Internal("could not start HTTP transfer for " + reqs[i].url);
      done[i] = true;
      continue;
    }
    ++running_count;
  }
  while (running_count > 0) {
    int still = 0;
    if (curl_multi_perform(multi, &still) != CURLM_OK) break;
    int queued = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &queued)) {
      if (m->msg != CURLMSG_DONE) continue;
      void* priv = nullptr;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
      size_t i = reinterpret_cast<size_t>(priv);
      results[i] = Finish(reqs[i], &transfers[i], m->data.result);
      results[i].duration = std::chrono::steady_clock::now() - begin;
      done[i] = true;
      curl_multi_remove_handle(multi, m->easy_handle);
      --running_count;
    }
    if (running_count == 0) break;
    curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  for (size_t i = 0; i < reqs.size(); ++i) {
    Transfer& t = transfers[i];
    if (!done[i]) {
      // Only reached when the multi handle itself failed.
      results[i].status = Status::Internal("HTTP transfer to " + reqs[i].url + " failed");
      curl_multi_remove_handle(multi, t.easy);
    }
    if (t.easy) curl_easy_cleanup(t.easy);
    curl_slist_free_all(t.headers);
    curl_slist_free_all(t.connect_to);
  }
  return results;
}

}  // namespace ward::notifier
