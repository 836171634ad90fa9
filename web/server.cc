// Structure follows Beast's "advanced server" example: one Session per
// connection on its own strand, reading with a request_parser (limits on
// header and body), writing a string_body response, looping for keep-alive.

#include "web/server.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "util/log.h"
#include "web/gzip.h"

namespace ward::web {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr int kGzipLevel = 1;  // fastest: /metrics and federation are CPU-bound, not bandwidth-bound

struct Route {
  std::string method;
  std::string path;                   // as registered
  std::vector<std::string> segments;  // path split on '/', for patterns
  bool pattern = false;
  Handler handler;
  RouteOptions opts;
  metrics::Histogram* duration = nullptr;  // set in Start()
  metrics::Histogram* size = nullptr;
};

std::vector<std::string> SplitPath(std::string_view p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    out.emplace_back(p.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// Matches `path` against a pattern route; fills path params on success.
bool MatchPattern(const Route& r, std::string_view path, Params* params) {
  std::vector<std::string> segs = SplitPath(path);
  const auto& ps = r.segments;
  Params out;
  for (size_t i = 0; i < ps.size(); ++i) {
    const std::string& p = ps[i];
    if (!p.empty() && p[0] == '*') {
      // The rest of the path, from this segment on.
      std::string rest;
      for (size_t k = i; k < segs.size(); ++k) {
        if (k > i) rest.push_back('/');
        rest.append(segs[k]);
      }
      out.emplace_back(p.substr(1), std::move(rest));
      *params = std::move(out);
      return true;
    }
    if (i >= segs.size()) return false;
    if (!p.empty() && p[0] == ':') {
      if (segs[i].empty()) return false;
      out.emplace_back(p.substr(1), segs[i]);
    } else if (p != segs[i]) {
      return false;
    }
  }
  if (segs.size() != ps.size()) return false;
  *params = std::move(out);
  return true;
}

std::string CodeString(int code) { return std::to_string(code); }

// System error text as Go prints it ("address already in use").
std::string ErrorText(const boost::system::error_code& ec) {
  std::string m = ec.message();
  if (!m.empty() && m[0] >= 'A' && m[0] <= 'Z' && (m.size() < 2 || !(m[1] >= 'A' && m[1] <= 'Z'))) {
    m[0] = static_cast<char>(m[0] - 'A' + 'a');
  }
  return m;
}

}  // namespace

class Server::Impl {
 public:
  class Session;

  Impl(Options o, const std::atomic<bool>* ready) : opts(std::move(o)), ready(ready) {
    if (opts.registry == nullptr) opts.registry = &metrics::DefaultRegistry();
    if (opts.io_threads < 1) opts.io_threads = 1;
    if (opts.worker_threads < 1) opts.worker_threads = std::max(1u, std::thread::hardware_concurrency());
    if (opts.max_connections < 1) opts.max_connections = 1;
  }

  void AddRoute(std::string method, std::string path, Handler h, RouteOptions ro) {
    for (auto& r : routes) {
      if (r.method == method && r.path == path) {
        r.handler = std::move(h);
        r.opts = ro;
        return;
      }
    }
    Route r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.segments = SplitPath(r.path);
    r.pattern = r.path.find_first_of(":*") != std::string::npos;
    r.handler = std::move(h);
    r.opts = ro;
    routes.push_back(std::move(r));
  }

  Status Start();
  void Stop();
  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void OnSessionOpened(Session* s);
  void OnSessionClosed(Session* s);

  // Finds the route for a request; sets *status to 404/405 when none.
  const Route* FindRoute(std::string_view method, std::string_view path, Params* params, int* status,
                         std::string* allow) const;
  void AddBuiltins();

  // ---- fixed after Start()
  Options opts;
  const std::atomic<bool>* ready;
  std::string prefix;  // "" or "/prom" (no trailing slash)
  std::vector<Route> routes;
  std::unordered_map<std::string, size_t> exact;  // method + ' ' + path -> index
  metrics::Family<metrics::Counter>* requests_total = nullptr;
  log::Logger logger{"web"};

  // ---- shared state
  std::mutex mu;
  std::condition_variable cv;
  std::unordered_set<Session*> sessions;  // guarded by mu
  std::atomic<int> active{0};
  std::atomic<bool> stopping{false};
  std::atomic<bool> quit_called{false};
  bool started = false;  // guarded by mu
  bool stopped = false;  // guarded by mu
  uint16_t bound_port = 0;

  // ---- Asio objects; destroyed before the state above (handlers still
  // queued in ioc hold sessions whose destructors touch it).
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<net::strand<net::io_context::executor_type>> accept_strand;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_retry;
  bool accept_paused = false;  // on accept_strand
  std::unique_ptr<net::thread_pool> workers;
  std::vector<std::thread> io_threads;
};

// One connection. All its members are used on its strand only.
class Server::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl* impl, tcp::socket&& socket) : impl_(impl), stream_(std::move(socket)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      if (ep.address().is_v6()) {
        remote_ = "[" + ep.address().to_string() + "]:" + std::to_string(ep.port());
      } else {
        remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
      }
    }
    impl_->OnSessionOpened(this);
  }
  ~Session() { impl_->OnSessionClosed(this); }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
  }

  // Called on the strand by Stop(): closes an idle connection now, a busy
  // one after its response.
  void CloseIfIdle() {
    if (!busy_) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.socket().close(ec);
    }
  }

  auto executor() { return stream_.get_executor(); }

 private:
  void DoRead() {
    if (impl_->stopping.load()) return Close();
    busy_ = false;
    parser_.emplace();
    parser_->header_limit(impl_->opts.max_header_bytes);
    parser_->body_limit(impl_->opts.max_body_bytes);
    stream_.expires_after(impl_->opts.read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnReadHeader, shared_from_this()));
  }

  void OnReadHeader(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    busy_ = true;
    const auto& req = parser_->get();
    auto expect = req[http::field::expect];
    if (beast::iequals(expect, "100-continue") && !parser_->is_done()) {
      static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(stream_, net::buffer(kContinue, sizeof(kContinue) - 1),
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return OnRead({}, 0);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      // A malformed request: answer it, then close.
      int code = 400;
      std::string_view text = "400 Bad Request";
      if (ec == http::error::header_limit) {
        code = 431;
        text = "431 Request Header Fields Too Large";
      } else if (ec == http::error::body_limit) {
        code = 413;
        text = "413 Request Entity Too Large";
      }
      Response res;
      res.Text(code, text);
      return Write(std::move(res), /*keep_alive=*/false, /*head=*/false, 11, false);
    }
    Close();
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    busy_ = true;
    auto msg = parser_->release();
    parser_.reset();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    head_ = msg.method() == http::verb::head;
    accept_gzip_ = AcceptsGzip(msg[http::field::accept_encoding]);

    auto req = std::make_unique<Request>();
    req->method = std::string(msg.method_string());
    req->target = std::string(msg.target());
    req->remote_address = remote_;
    for (const auto& f : msg) req->headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    req->body = std::move(msg.body());

    Response res;
    const Route* route = Prepare(req.get(), &res);
    if (route == nullptr) return Finish(nullptr, std::move(res), std::chrono::steady_clock::now());
    auto start = std::chrono::steady_clock::now();
    if (route->opts.offload) {
      net::post(*impl_->workers, [self = shared_from_this(), route, req = std::move(req), start]() mutable {
        Response res;
        Invoke(*route, *req, res);
        net::post(self->executor(),
                  [self, route, res = std::move(res), start]() mutable { self->Finish(route, std::move(res), start); });
      });
      return;
    }
    Invoke(*route, *req, res);
    Finish(route, std::move(res), start);
  }

  static void Invoke(const Route& route, const Request& req, Response& res) {
    try {
      route.handler(req, res);
    } catch (const std::exception& e) {
      res = Response();
      res.Text(500, std::string("internal error: ") + e.what());
    } catch (...) {
      res = Response();
      res.Text(500, "internal error");
    }
  }

  // Decodes the target and finds the route. Returns nullptr with `res`
  // filled when the request is answered without a handler.
  const Route* Prepare(Request* req, Response* res) {
    std::string_view target = req->target;
    // Absolute form ("http://host/path"): keep the path.
    if (target.starts_with("http://") || target.starts_with("https://")) {
      size_t slash = target.find('/', target.find("//") + 2);
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    size_t q = target.find('?');
    std::string_view raw_path = target.substr(0, q);
    if (q != std::string_view::npos) req->raw_query = std::string(target.substr(q + 1));
    size_t hash = req->raw_query.find('#');
    if (hash != std::string::npos) req->raw_query.resize(hash);
    if (raw_path.empty() || raw_path[0] != '/') {
      res->Text(400, "400 Bad Request: invalid request target");
      return nullptr;
    }
    std::string path;
    Status st = PercentDecode(raw_path, false, &path);
    if (!st.ok()) {
      res->Text(400, "400 Bad Request: " + st.ToString());
      return nullptr;
    }
    req->param_error = ParseQuery(req->raw_query, &req->query);
    std::string_view method = req->method;
    if (method == "POST" || method == "PUT" || method == "PATCH") {
      std::string_view ct = req->Header("Content-Type");
      ct = ct.substr(0, ct.find(';'));
      while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
      if (beast::iequals(ct, "application/x-www-form-urlencoded")) {
        Status fst = ParseQuery(req->body, &req->form);
        if (req->param_error.ok()) req->param_error = std::move(fst);
      }
    }
    // Route prefix.
    const std::string& prefix = impl_->prefix;
    if (!prefix.empty()) {
      if (path == prefix) {
        path = "/";
      } else if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
                 path[prefix.size()] == '/') {
        path.erase(0, prefix.size());
      } else if (path == "/") {
        res->status = 302;
        res->SetHeader("Location", prefix + "/");
        return nullptr;
      } else {
        res->Text(404, "404 page not found\n");
        return nullptr;
      }
    }
    req->path = std::move(path);
    int status = 404;
    std::string allow;
    const Route* r = impl_->FindRoute(method, req->path, &req->path_params, &status, &allow);
    if (r == nullptr) {
      if (status == 405) {
        res->Text(405, "405 Method Not Allowed\n");
        res->SetHeader("Allow", allow);
      } else {
        res->Text(404, "404 page not found\n");
      }
      return nullptr;
    }
    if (r->opts.require_ready && !impl_->ready->load(std::memory_order_acquire)) {
      res->Text(503, "Service Unavailable");
      return nullptr;
    }
    return r;
  }

  void Finish(const Route* route, Response res, std::chrono::steady_clock::time_point start) {
    if (route != nullptr) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      route->duration->Observe(secs);
      route->size->Observe(static_cast<double>(res.body.size()));
      impl_->requests_total->WithLabelValues({CodeString(res.status), impl_->prefix + route->path}).Inc();
    }
    bool keep = keep_alive_ && !impl_->stopping.load();
    Write(std::move(res), keep, head_, version_, accept_gzip_);
  }

  void Write(Response r, bool keep_alive, bool head, unsigned version, bool gzip) {
    busy_ = true;
    auto res = std::make_shared<http::response<http::string_body>>();
    int code = r.status;
    if (code < 100 || code > 999) code = 500;
    res->result(static_cast<unsigned>(code));
    res->version(version == 10 ? 10 : 11);
    for (auto& [k, v] : r.headers) {
      // Reject header injection from handlers.
      if (k.find_first_of("\r\n:") != std::string::npos || v.find_first_of("\r\n") != std::string::npos) continue;
      if (beast::iequals(k, "Content-Length") || beast::iequals(k, "Transfer-Encoding")) continue;
      res->insert(k, v);
    }
    bool no_body = code == 204 || code == 304 || code < 200;
    if (gzip && !no_body && r.body.size() >= impl_->opts.gzip_min_bytes &&
        (*res)[http::field::content_encoding].empty()) {
      std::string z;
      if (GzipCompress(r.body, kGzipLevel, &z).ok()) {
        r.body = std::move(z);
        res->set(http::field::content_encoding, "gzip");
      }
    }
    if (!no_body && res->find(http::field::vary) == res->end()) res->set(http::field::vary, "Accept-Encoding");
    if (res->find(http::field::content_type) == res->end() && !r.body.empty()) {
      res->set(http::field::content_type, "text/plain; charset=utf-8");
    }
    res->keep_alive(keep_alive);
    if (head) {
      res->set(http::field::content_length, std::to_string(r.body.size()));
    } else {
      res->body() = std::move(r.body);
      if (!no_body) res->prepare_payload();
    }
    stream_.expires_after(impl_->opts.write_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      self->OnWrite(ec, res->keep_alive());
    });
  }

  void OnWrite(beast::error_code ec, bool keep_alive) {
    busy_ = false;
    if (ec || !keep_alive) return Close();
    DoRead();
  }

  void Close() {
    busy_ = false;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  Impl* const impl_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
  bool busy_ = false;
  bool keep_alive_ = true;
  bool head_ = false;
  bool accept_gzip_ = false;
  unsigned version_ = 11;
};

// ---------------------------------------------------------------- Impl

const Route* Server::Impl::FindRoute(std::string_view method, std::string_view path, Params* params, int* status,
                                     std::string* allow) const {
  auto lookup = [&](std::string_view m) -> const Route* {
    std::string key;
    key.reserve(m.size() + 1 + path.size());
    key.append(m);
    key.push_back(' ');
    key.append(path);
    auto it = exact.find(key);
    if (it != exact.end()) return &routes[it->second];
    for (const Route& r : routes) {
      if (r.pattern && r.method == m && MatchPattern(r, path, params)) return &r;
    }
    return nullptr;
  };
  if (const Route* r = lookup(method)) return r;
  if (method == "HEAD") {
    if (const Route* r = lookup("GET")) return r;
  }
  // Does another method serve this path?
  Params ignored;
  for (const Route& r : routes) {
    bool match = r.pattern ? MatchPattern(r, path, &ignored) : r.path == path;
    if (match) {
      if (allow->find(r.method) == std::string::npos) {
        if (!allow->empty()) allow->append(", ");
        allow->append(r.method);
      }
    }
  }
  *status = allow->empty() ? 404 : 405;
  return nullptr;
}

void Server::Impl::AddBuiltins() {
  auto exists = [this](std::string_view m, std::string_view p) {
    for (const auto& r : routes) {
      if (r.method == m && r.path == p) return true;
    }
    return false;
  };
  if (!exists("GET", "/metrics")) {
    metrics::Registry* reg = opts.registry;
    AddRoute(
        "GET", "/metrics",
        [reg](const Request&, Response& res) {
          res.status = 200;
          res.SetContentType(kMetricsContentType);
          res.body = reg->Expose();
        },
        RouteOptions{.offload = true});
  }
  const std::atomic<bool>* rdy = ready;
  AddRoute("GET", "/-/healthy", [](const Request&, Response& res) { res.Text(200, "Prometheus Server is Healthy.\n"); },
           {});
  AddRoute("GET", "/-/ready",
           [rdy](const Request&, Response& res) {
             if (rdy->load(std::memory_order_acquire)) {
               res.Text(200, "Prometheus Server is Ready.\n");
             } else {
               res.Text(503, "Service Unavailable");
             }
           },
           {});
  for (const char* m : {"POST", "PUT"}) {
    AddRoute(
        m, "/-/reload",
        [this](const Request&, Response& res) {
          if (!opts.enable_lifecycle) return res.Text(403, "Lifecycle API is not enabled.");
          if (!opts.reload) return res.Text(500, "failed to reload config: reload is not supported");
          Status st = opts.reload();
          if (!st.ok()) return res.Text(500, "failed to reload config: " + st.ToString());
          res.Text(200, "");
        },
        RouteOptions{.offload = true});
    AddRoute(
        m, "/-/quit",
        [this](const Request&, Response& res) {
          if (!opts.enable_lifecycle) return res.Text(403, "Lifecycle API is not enabled.");
          res.Text(200, "Requesting termination... Goodbye!");
          if (opts.quit && !quit_called.exchange(true)) opts.quit();
        },
        RouteOptions{.offload = true});
  }
}

Status Server::Impl::Start() {
  std::string host;
  uint16_t port;
  WARD_RETURN_IF_ERROR(ParseListenAddress(opts.listen_address, &host, &port));

  // Route prefix: explicit, else external_url's path, else "/".
  std::string p = opts.route_prefix;
  if (p.empty() && !opts.external_url.empty()) {
    std::string_view u = opts.external_url;
    size_t scheme = u.find("://");
    size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
    size_t slash = u.find('/', start);
    if (slash != std::string_view::npos) p = std::string(u.substr(slash));
    size_t qm = p.find_first_of("?#");
    if (qm != std::string::npos) p.resize(qm);
  }
  if (!p.empty() && p[0] != '/') p.insert(p.begin(), '/');
  while (!p.empty() && p.back() == '/') p.pop_back();
  prefix = p;

  AddBuiltins();
  auto& reg = *opts.registry;
  requests_total = &reg.NewCounterFamily("prometheus_http_requests_total",
                                         "HTTP requests served, by handler and status code.", {"code", "handler"});
  auto& durations = reg.NewHistogramFamily("prometheus_http_request_duration_seconds",
                                           "Time spent serving HTTP requests, by handler.", {"handler"},
                                           {.1, .2, .4, 1, 3, 8, 20, 60, 120});
  auto& sizes = reg.NewHistogramFamily("prometheus_http_response_size_bytes",
                                       "Bytes in HTTP response bodies (before compression), by handler.", {"handler"},
                                       metrics::ExponentialBuckets(100, 10, 8));
  for (size_t i = 0; i < routes.size(); ++i) {
    Route& r = routes[i];
    r.duration = &durations.WithLabelValues({prefix + r.path});
    r.size = &sizes.WithLabelValues({prefix + r.path});
    if (!r.pattern) exact[r.method + " " + r.path] = i;
  }

  // Resolve and bind.
  beast::error_code ec;
  std::vector<tcp::endpoint> endpoints;
  if (host.empty()) {
    endpoints.emplace_back(net::ip::address_v6::any(), port);
    endpoints.emplace_back(net::ip::address_v4::any(), port);
  } else {
    net::ip::address addr = net::ip::make_address(host, ec);
    if (!ec) {
      endpoints.emplace_back(addr, port);
    } else {
      tcp::resolver resolver(ioc);
      auto results = resolver.resolve(host, std::to_string(port), ec);
      if (ec) {
        return Status::InvalidArgument("listen address \"" + opts.listen_address +
                                       "\": cannot resolve host: " + ec.message());
      }
      for (const auto& e : results) endpoints.push_back(e.endpoint());
    }
  }
  std::string last_error = "no address to bind";
  for (const auto& ep : endpoints) {
    tcp::acceptor a(ioc);
    a.open(ep.protocol(), ec);
    if (ec) {
      last_error = ErrorText(ec);
      continue;
    }
    a.set_option(net::socket_base::reuse_address(true), ec);
    if (ep.address().is_v6() && host.empty()) a.set_option(net::ip::v6_only(false), ec);
    a.bind(ep, ec);
    if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      last_error = "bind: " + ErrorText(ec);
      if (ec == net::error::address_in_use) break;  // another family would not help
      continue;
    }
    bound_port = a.local_endpoint().port();
    acceptor.emplace(std::move(a));
    break;
  }
  if (!acceptor) {
    return Status::Unavailable("listen tcp " + opts.listen_address + ": " + last_error);
  }

  accept_strand.emplace(net::make_strand(ioc));
  accept_retry.emplace(*accept_strand);
  work.emplace(ioc.get_executor());
  workers = std::make_unique<net::thread_pool>(static_cast<size_t>(opts.worker_threads));
  for (int i = 0; i < opts.io_threads; ++i) io_threads.emplace_back([this] { ioc.run(); });
  net::post(*accept_strand, [this] { DoAccept(); });
  logger.Debug("Listening for connections",
              {{"address", opts.listen_address}, {"port", static_cast<int64_t>(bound_port)}});
  return Status::OK();
}

void Server::Impl::DoAccept() {
  if (stopping.load() || !acceptor || !acceptor->is_open()) return;
  acceptor->async_accept(
      net::make_strand(ioc),
      net::bind_executor(*accept_strand, [this](beast::error_code ec, tcp::socket s) { OnAccept(ec, std::move(s)); }));
}

void Server::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping.load()) return;
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    // EMFILE and friends: wait a little instead of spinning.
    logger.Warn("Accept failed", {{"err", ec.message()}});
    accept_retry->expires_after(std::chrono::milliseconds(100));
    accept_retry->async_wait([this](beast::error_code ec) {
      if (!ec) DoAccept();
    });
    return;
  }
  socket.set_option(tcp::no_delay(true), ec);
  std::make_shared<Session>(this, std::move(socket))->Run();
  if (active.load() >= opts.max_connections) {
    accept_paused = true;  // resumed by OnSessionClosed
    return;
  }
  DoAccept();
}

void Server::Impl::OnSessionOpened(Session* s) {
  std::lock_guard<std::mutex> l(mu);
  sessions.insert(s);
  active.fetch_add(1);
}

void Server::Impl::OnSessionClosed(Session* s) {
  {
    std::lock_guard<std::mutex> l(mu);
    sessions.erase(s);
    active.fetch_sub(1);
  }
  cv.notify_all();
  if (!stopping.load() && accept_strand) {
    net::post(*accept_strand, [this] {
      if (accept_paused && active.load() < opts.max_connections) {
        accept_paused = false;
        DoAccept();
      }
    });
  }
}

void Server::Impl::Stop() {
  {
    std::lock_guard<std::mutex> l(mu);
    if (!started || stopped) return;
    stopped = true;
  }
  stopping.store(true);
  // Close the acceptor on its strand and wait for that to happen.
  {
    std::promise<void> done;
    auto fut = done.get_future();
    net::post(*accept_strand, [this, &done] {
      beast::error_code ec;
      acceptor->close(ec);
      accept_retry->cancel();
      done.set_value();
    });
    fut.wait();
  }
  // Close idle connections; busy ones close after their response.
  // The shared_ptrs are collected under the lock but released after it: the
  // last reference may destroy a session, whose destructor takes `mu`.
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard<std::mutex> l(mu);
    for (Session* s : sessions) {
      if (auto sp = s->weak_from_this().lock()) open.push_back(std::move(sp));
    }
  }
  for (auto& sp : open) {
    net::post(sp->executor(), [sp] { sp->CloseIfIdle(); });
  }
  open.clear();
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait_for(l, opts.shutdown_timeout, [this] { return active.load() == 0; });
  }
  work.reset();
  ioc.stop();
  for (auto& t : io_threads) t.join();
  io_threads.clear();
  workers->join();
}

// ---------------------------------------------------------------- Server

Server::Server(Options options) : impl_(std::make_unique<Impl>(std::move(options), &ready_)) {}

Server::~Server() { Stop(); }

void Server::Handle(std::string method, std::string path, Handler h, bool offload) {
  Handle(std::move(method), std::move(path), std::move(h), RouteOptions{.offload = offload});
}

void Server::Handle(std::string method, std::string path, Handler h, RouteOptions opts) {
  impl_->AddRoute(std::move(method), std::move(path), std::move(h), opts);
}

Status Server::Start() {
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    if (impl_->started) return Status::Internal("web server already started");
  }
  WARD_RETURN_IF_ERROR(impl_->Start());
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->started = true;
  return Status::OK();
}

void Server::Stop() { impl_->Stop(); }

uint16_t Server::port() const { return impl_->bound_port; }
const std::string& Server::route_prefix() const { return impl_->prefix; }
const Options& Server::options() const { return impl_->opts; }

Status ParseListenAddress(std::string_view addr, std::string* host, uint16_t* port) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("invalid listen address \"" + std::string(addr) + "\": " + std::string(why));
  };
  std::string_view h, p;
  if (!addr.empty() && addr[0] == '[') {
    size_t close = addr.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    h = addr.substr(1, close - 1);
    std::string_view rest = addr.substr(close + 1);
    if (rest.empty() || rest[0] != ':') return bad("missing port");
    p = rest.substr(1);
  } else {
    size_t colon = addr.rfind(':');
    if (colon == std::string_view::npos) return bad("missing port");
    h = addr.substr(0, colon);
    if (h.find(':') != std::string_view::npos) return bad("IPv6 addresses need brackets, as in [::1]:9090");
    p = addr.substr(colon + 1);
  }
  if (p.empty() || p.size() > 5) return bad("bad port");
  uint32_t v = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return bad("bad port");
    v = v * 10 + (c - '0');
  }
  if (v > 65535) return bad("port out of range");
  host->assign(h);
  *port = static_cast<uint16_t>(v);
  return Status::OK();
}

}  // namespace ward::web
