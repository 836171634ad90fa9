// ward_ui_devserver: serves the UI (RegisterUI) and forwards every other
// /api/v1 request to an upstream ward. For working on the UI, and for the
// browser test when the ward binary of the build does not serve the UI yet.
// Usage: ward_ui_devserver --listen=127.0.0.1:9091
// --upstream=http://127.0.0.1:9090
//        [--prefix=/ward] [--dashboards-dir=DIR] [--title=TEXT]
// The upstream must use the same route prefix (the request path is kept).
// Thread safety: handlers run on the server's worker pool; each uses its own
// curl handle.
#include <curl/curl.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "util/metrics.h"
#include "web/server.h"
#include "web/ui/ui.h"

namespace {

size_t Append(char *p, size_t size, size_t n, void *ud) {
  static_cast<std::string *>(ud)->append(p, size * n);
  return size * n;
}

struct Headers {
  std::string content_type;
};

size_t OnHeader(char *p, size_t size, size_t n, void *ud) {
  std::string_view line(p, size * n);
  constexpr std::string_view kCT = "content-type:";
  if (line.size() > kCT.size() &&
      strncasecmp(line.data(), kCT.data(), kCT.size()) == 0) {
    std::string_view v = line.substr(kCT.size());
    while (!v.empty() && (v.front() == ' '))
      v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n'))
      v.remove_suffix(1);
    static_cast<Headers *>(ud)->content_type = std::string(v);
  }
  return size * n;
}

void Proxy(const std::string &upstream, const ward::web::Request &req,
           ward::web::Response &resp) {
  CURL *c = curl_easy_init();
  std::string url = upstream + req.target;
  Headers hs;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &hs);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 120000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_slist *hl = nullptr;
  if (req.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE,
                     static_cast<long>(req.body.size()));
    std::string ct = "Content-Type: " + std::string(req.Header("Content-Type"));
    hl = curl_slist_append(hl, ct.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  }
  CURLcode rc = curl_easy_perform(c);
  long code = 502;
  if (rc == CURLE_OK) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    resp.status = static_cast<int>(code);
    if (!hs.content_type.empty())
      resp.SetContentType(hs.content_type);
  } else {
    resp.Text(502, std::string("upstream: ") + curl_easy_strerror(rc));
  }
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
}

std::string Flag(int argc, char **argv, std::string_view name,
                 std::string def = "") {
  std::string prefix = "--" + std::string(name) + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0)
      return argv[i] + prefix.size();
  }
  return def;
}

} // namespace

int main(int argc, char **argv) {
  std::string upstream = Flag(argc, argv, "upstream");
  if (upstream.empty()) {
    std::fprintf(
        stderr,
        "usage: %s --upstream=http://host:port [--listen=addr] [--prefix=/p] "
        "[--dashboards-dir=DIR] [--title=TEXT]\n",
        argv[0]);
    return 2;
  }
  // Block the stop signals before any thread starts, then wait for one.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  ward::web::Options o;
  o.listen_address = Flag(argc, argv, "listen", "127.0.0.1:9091");
  o.route_prefix = Flag(argc, argv, "prefix");
  ward::metrics::Registry registry;
  o.registry = &registry;
  ward::web::Server server(o);
  ward::web::ui::UIOptions ui;
  ui.page_title = Flag(argc, argv, "title", "Ward");
  ui.dashboards_dir = Flag(argc, argv, "dashboards-dir");
  ward::web::ui::RegisterUI(server, ui);
  auto proxy = [upstream](const ward::web::Request &req,
                          ward::web::Response &resp) {
    Proxy(upstream, req, resp);
  };
  server.Handle("GET", "/api/v1/*path", proxy, true);
  server.Handle("POST", "/api/v1/*path", proxy, true);
  ward::Status st = server.Start();
  if (!st.ok()) {
    std::fprintf(stderr, "start: %s\n", st.ToString().c_str());
    return 1;
  }
  server.SetReady(true);
  std::printf("listening on port %u\n", server.port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  server.Stop();
  curl_global_cleanup();
  return 0;
}
