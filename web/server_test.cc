#include "web/server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

#include "util/log.h"

namespace ward::web {
namespace {

struct Reply {
  long code = 0;
  std::string body;
  std::string headers;  // raw header block, lower-cased
  long connects = 0;
  bool HasHeader(std::string_view line) const { return headers.find(line) != std::string::npos; }
};

size_t Append(char* p, size_t size, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(p, size * n);
  return size * n;
}

size_t AppendLower(char* p, size_t size, size_t n, void* ud) {
  auto* s = static_cast<std::string*>(ud);
  for (size_t i = 0; i < size * n; ++i) s->push_back(static_cast<char>(tolower(static_cast<unsigned char>(p[i]))));
  return size * n;
}

struct CurlOpts {
  std::string method = "GET";
  std::string body;
  std::vector<std::string> headers;
  bool gzip = false;
  bool head = false;
  long timeout_ms = 10000;
};

void SetupCurl(CURL* c, const std::string& url, const CurlOpts& o, Reply* r, curl_slist** hl) {
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &AppendLower);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o.timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (o.gzip) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
  if (o.head) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (o.method != "GET" && !o.head) {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o.method.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, o.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(o.body.size()));
  }
  *hl = nullptr;
  for (const auto& h : o.headers) *hl = curl_slist_append(*hl, h.c_str());
  if (*hl) curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hl);
}

Reply Fetch(const std::string& url, const CurlOpts& o = {}) {
  Reply r;
  CURL* c = curl_easy_init();
  curl_slist* hl;
  SetupCurl(c, url, o, &r, &hl);
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.code);
  } else {
    r.code = -static_cast<long>(rc);
  }
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  return r;
}

// Sends raw bytes and returns what comes back until the peer closes (or 3 s).
std::string RawExchange(uint16_t port, std::string_view bytes, bool half_close = false) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return "<connect failed>";
  }
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (e.g. header limit)
    off += n;
  }
  if (half_close) shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, n);
  }
  close(fd);
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    log::SetLevel(log::Level::kWarn);
  }

  void StartServer(Options o = {}) {
    o.listen_address = "127.0.0.1:0";
    o.registry = &registry_;
    if (o.worker_threads == 0) o.worker_threads = 2;
    server_ = std::make_unique<Server>(std::move(o));
    server_->Handle("GET", "/echo", [](const Request& req, Response& res) {
      std::string out = "path=" + req.path + "\n";
      for (const auto& [k, v] : req.query) out += "q:" + k + "=" + v + "\n";
      for (const auto& [k, v] : req.form) out += "f:" + k + "=" + v + "\n";
      for (auto v : req.FormValues("match[]")) out += "match=" + std::string(v) + "\n";
      if (!req.param_error.ok()) out += "err=" + req.param_error.ToString() + "\n";
      res.Text(200, out);
    });
    server_->Handle("POST", "/echo", [](const Request& req, Response& res) {
      std::string out;
      for (const auto& [k, v] : req.form) out += "f:" + k + "=" + v + "\n";
      out += "value=" + std::string(req.FormValue("b")) + "\n";
      out += "body=" + req.body + "\n";
      res.Text(200, out);
    });
    server_->Handle(
        "GET", "/big",
        [](const Request&, Response& res) {
          std::string body;
          for (int i = 0; i < 2000; ++i) body += "metric_" + std::to_string(i) + " 1\n";
          res.Text(200, body);
        },
        /*offload=*/true);
    server_->Handle("GET", "/api/v1/label/:name/values",
                    [](const Request& req, Response& res) { res.Text(200, std::string(req.PathParam("name"))); });
    server_->Handle("GET", "/static/*file",
                    [](const Request& req, Response& res) { res.Text(200, std::string(req.PathParam("file"))); });
    server_->Handle("GET", "/throw", [](const Request&, Response&) { throw std::runtime_error("boom"); });
    server_->Handle(
        "GET", "/slow",
        [](const Request&, Response& res) {
          std::this_thread::sleep_for(std::chrono::milliseconds(300));
          res.Text(200, "slow done");
        },
        true);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }

  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  metrics::Registry registry_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, MetricsEndpoint) {
  registry_.NewCounter("ward_test_things_total", "Things.").Inc(3);
  StartServer();
  Reply r = Fetch(Url("/metrics"));
  EXPECT_EQ(r.code, 200);
  EXPECT_TRUE(r.HasHeader("content-type: text/plain; version=0.0.4; charset=utf-8\r\n")) << r.headers;
  EXPECT_NE(r.body.find("# TYPE ward_test_things_total counter\nward_test_things_total 3\n"), std::string::npos);
  // The server counts its own requests.
  r = Fetch(Url("/metrics"));
  EXPECT_NE(r.body.find("prometheus_http_requests_total{code=\"200\",handler=\"/metrics\"} 1\n"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("prometheus_http_request_duration_seconds_count{handler=\"/metrics\"} 1\n"), std::string::npos);
}

TEST_F(ServerTest, HealthyAndReady) {
  StartServer();
  Reply r = Fetch(Url("/-/healthy"));
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "Prometheus Server is Healthy.\n");
  CurlOpts head;
  head.head = true;
  r = Fetch(Url("/-/healthy"), head);
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_TRUE(r.HasHeader("content-length: 30\r\n")) << r.headers;
  r = Fetch(Url("/-/ready"));
  EXPECT_EQ(r.code, 503);
  EXPECT_EQ(r.body, "Service Unavailable");
  server_->SetReady(true);
  r = Fetch(Url("/-/ready"));
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "Prometheus Server is Ready.\n");
  r = Fetch(Url("/-/ready"), head);
  EXPECT_EQ(r.code, 200);
}

TEST_F(ServerTest, LifecycleDisabled) {
  bool reloaded = false, quit = false;
  Options o;
  o.reload = [&] {
    reloaded = true;
    return Status::OK();
  };
  o.quit = [&] { quit = true; };
  StartServer(std::move(o));
  CurlOpts post;
  post.method = "POST";
  for (const char* p : {"/-/reload", "/-/quit"}) {
    Reply r = Fetch(Url(p), post);
    EXPECT_EQ(r.code, 403) << p;
    EXPECT_EQ(r.body, "Lifecycle API is not enabled.");
  }
  EXPECT_FALSE(reloaded);
  EXPECT_FALSE(quit);
  Reply r = Fetch(Url("/-/reload"));
  EXPECT_EQ(r.code, 405);
  EXPECT_TRUE(r.HasHeader("allow: post, put\r\n")) << r.headers;
}

TEST_F(ServerTest, LifecycleEnabledPropagatesReloadError) {
  std::atomic<int> reloads{0};
  std::atomic<bool> fail{true};
  std::promise<void> quit;
  Options o;
  o.enable_lifecycle = true;
  o.reload = [&]() -> Status {
    reloads++;
    if (fail) return Status::InvalidArgument("parsing YAML file prometheus.yml: bad indentation");
    return Status::OK();
  };
  o.quit = [&] { quit.set_value(); };
  StartServer(std::move(o));
  CurlOpts post;
  post.method = "POST";
  Reply r = Fetch(Url("/-/reload"), post);
  EXPECT_EQ(r.code, 500);
  EXPECT_EQ(r.body, "failed to reload config: parsing YAML file prometheus.yml: bad indentation");
  fail = false;
  CurlOpts put;
  put.method = "PUT";
  r = Fetch(Url("/-/reload"), put);
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(reloads.load(), 2);
  r = Fetch(Url("/-/quit"), post);
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(quit.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
}

TEST_F(ServerTest, QueryParamDecoding) {
  StartServer();
  Reply r =
      Fetch(Url("/echo?query=rate(x%5B5m%5D)&b=c+d&e=%2B1&match[]=up&match%5B%5D=%7Bjob%3D%22a+b%22%7D&flag"
                "&&z="));
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body,
            "path=/echo\n"
            "q:query=rate(x[5m])\n"
            "q:b=c d\n"
            "q:e=+1\n"
            "q:match[]=up\n"
            "q:match[]={job=\"a b\"}\n"
            "q:flag=\n"
            "q:z=\n"
            "match=up\n"
            "match={job=\"a b\"}\n");
  r = Fetch(Url("/echo?a=%zz&b=1"));
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "path=/echo\nq:b=1\nerr=invalid URL escape \"%zz\"\n");
  // Paths are decoded too (but '+' stays).
  r = Fetch(Url("/api/v1/label/a%2Bb+c/values"));
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "a+b+c");
  r = Fetch(Url("/static/js/app.js"));
  EXPECT_EQ(r.body, "js/app.js");
  r = Fetch(Url("/api/v1/label//values"));
  EXPECT_EQ(r.code, 404);
  r = Fetch(Url("/nope"));
  EXPECT_EQ(r.code, 404);
}

TEST_F(ServerTest, PostForm) {
  StartServer();
  CurlOpts post;
  post.method = "POST";
  post.body = "query=sum(up)&match%5B%5D=a&b=x+y%21";
  post.headers = {"Content-Type: application/x-www-form-urlencoded"};
  Reply r = Fetch(Url("/echo"), post);
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "f:query=sum(up)\nf:match[]=a\nf:b=x y!\nvalue=x y!\nbody=" + post.body + "\n");
  // Another content type: the body is not parsed as a form.
  post.headers = {"Content-Type: application/json"};
  r = Fetch(Url("/echo"), post);
  EXPECT_EQ(r.body, "value=\nbody=" + post.body + "\n");
  // A body large enough for curl to use Expect: 100-continue.
  post.headers = {"Content-Type: application/x-www-form-urlencoded", "Expect: 100-continue"};
  post.body = "b=" + std::string(200000, 'x');
  r = Fetch(Url("/echo"), post);
  EXPECT_EQ(r.code, 200);
  EXPECT_NE(r.body.find("value=" + std::string(200000, 'x') + "\n"), std::string::npos);
}

TEST_F(ServerTest, GzipWhenAccepted) {
  StartServer();
  Reply plain = Fetch(Url("/big"));
  EXPECT_EQ(plain.code, 200);
  EXPECT_FALSE(plain.HasHeader("content-encoding"));
  CurlOpts gz;
  gz.gzip = true;
  Reply z = Fetch(Url("/big"), gz);  // curl decompresses transparently
  EXPECT_EQ(z.code, 200);
  EXPECT_TRUE(z.HasHeader("content-encoding: gzip\r\n")) << z.headers;
  EXPECT_EQ(z.body, plain.body);
  // Small bodies are sent as they are.
  Reply small = Fetch(Url("/-/healthy"), gz);
  EXPECT_FALSE(small.HasHeader("content-encoding"));
  // q=0 refuses gzip.
  CurlOpts q0;
  q0.headers = {"Accept-Encoding: gzip;q=0"};
  Reply r = Fetch(Url("/big"), q0);
  EXPECT_FALSE(r.HasHeader("content-encoding"));
}

TEST_F(ServerTest, MalformedRequestsDoNotCrash) {
  Options o;
  o.max_header_bytes = 8192;
  o.max_body_bytes = 1000;
  StartServer(std::move(o));
  std::string out = RawExchange(server_->port(), std::string("\x00\x01\x02garbage\r\n\r\n", 15));
  EXPECT_TRUE(out.starts_with("HTTP/1.1 400 ")) << out;
  out = RawExchange(server_->port(), "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_TRUE(out.starts_with("HTTP/1.1 431 ")) << out.substr(0, 100);
  out = RawExchange(server_->port(),
                    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'a'));
  EXPECT_TRUE(out.starts_with("HTTP/1.1 413 ")) << out.substr(0, 100);
  out = RawExchange(server_->port(), "GET /echo%zz HTTP/1.1\r\nHost: x\r\n\r\n", true);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 400 ")) << out;
  out = RawExchange(server_->port(), "GET echo HTTP/1.1\r\nHost: x\r\n\r\n", true);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 400 ")) << out;
  out = RawExchange(server_->port(), "POST /echo HTTP/1.1\r\nContent-Length: -1\r\n\r\n");
  EXPECT_TRUE(out.starts_with("HTTP/1.1 400 ")) << out;
  out = RawExchange(server_->port(), "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  EXPECT_TRUE(out.starts_with("HTTP/1.1 400 ")) << out;
  // A request cut short, then the client goes away: no answer, no crash.
  out = RawExchange(server_->port(), "GET /echo HTTP/1.1\r\nHo", true);
  EXPECT_EQ(out, "");
  // HTTP/1.0 without keep-alive gets its answer and a closed connection.
  out = RawExchange(server_->port(), "GET /-/healthy HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(out.starts_with("HTTP/1.0 200 OK\r\n")) << out;
  EXPECT_TRUE(out.ends_with("Prometheus Server is Healthy.\n"));
  // Two pipelined requests on one connection.
  out = RawExchange(server_->port(),
                    "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\nGET /echo?a=1 HTTP/1.1\r\nHost: x\r\n"
                    "Connection: close\r\n\r\n");
  EXPECT_NE(out.find("Healthy"), std::string::npos);
  EXPECT_NE(out.find("q:a=1"), std::string::npos);
  // A handler that throws answers 500.
  Reply r = Fetch(Url("/throw"));
  EXPECT_EQ(r.code, 500);
  EXPECT_EQ(r.body, "internal error: boom");
  // Still serving.
  EXPECT_EQ(Fetch(Url("/-/healthy")).code, 200);
}

TEST_F(ServerTest, MutatedRequestsDoNotCrash) {
  Options o;
  o.max_header_bytes = 4096;
  o.max_body_bytes = 4096;
  o.read_timeout = std::chrono::milliseconds(500);
  StartServer(std::move(o));
  const std::string base =
      "POST /echo?a=%41&match[]=x HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 7\r\nConnection: close\r\n\r\nb=1%202";
  uint32_t seed = 12345;
  auto rnd = [&] {
    seed = seed * 1103515245 + 12345;
    return (seed >> 16) & 0x7fff;
  };
  for (int i = 0; i < 150; ++i) {
    std::string req = base;
    int edits = 1 + rnd() % 4;
    for (int e = 0; e < edits; ++e) {
      size_t pos = rnd() % req.size();
      switch (rnd() % 3) {
        case 0: req[pos] = static_cast<char>(rnd() & 0xff); break;
        case 1: req.erase(pos, 1 + rnd() % 8); break;
        default: req.insert(pos, std::string(1 + rnd() % 4, static_cast<char>(rnd() & 0xff))); break;
      }
      if (req.empty()) req.push_back('x');
    }
    (void)RawExchange(server_->port(), req, /*half_close=*/true);
  }
  EXPECT_EQ(Fetch(Url("/-/healthy")).code, 200);
}

TEST_F(ServerTest, ConcurrentKeepAliveRequests) {
  Options o;
  o.io_threads = 2;
  StartServer(std::move(o));
  constexpr int kN = 200;
  CURLM* m = curl_multi_init();
  curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
  std::vector<CURL*> easies(kN);
  std::vector<Reply> replies(kN);
  std::vector<curl_slist*> lists(kN);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < kN; ++i) {
      if (round == 0) easies[i] = curl_easy_init();
      replies[i] = Reply();
      const char* path = i % 2 == 0 ? "/big" : "/echo?i=x";
      SetupCurl(easies[i], Url(path), CurlOpts{}, &replies[i], &lists[i]);
      curl_multi_add_handle(m, easies[i]);
    }
    int running = 0;
    do {
      curl_multi_perform(m, &running);
      curl_multi_poll(m, nullptr, 0, 100, nullptr);
    } while (running > 0);
    int ok = 0;
    long new_connects = 0;
    CURLMsg* msg;
    int left;
    while ((msg = curl_multi_info_read(m, &left))) {
      if (msg->msg == CURLMSG_DONE && msg->data.result == CURLE_OK) {
        long code = 0, connects = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_getinfo(msg->easy_handle, CURLINFO_NUM_CONNECTS, &connects);
        new_connects += connects;
        if (code == 200) ++ok;
      }
    }
    EXPECT_EQ(ok, kN) << "round " << round;
    for (int i = 0; i < kN; ++i) {
      EXPECT_EQ(replies[i].body.empty(), false);
      curl_multi_remove_handle(m, easies[i]);
    }
    // The second round reuses the kept-alive connections.
    if (round == 1) {
      EXPECT_EQ(new_connects, 0);
    }
  }
  for (int i = 0; i < kN; ++i) {
    curl_easy_cleanup(easies[i]);
    curl_slist_free_all(lists[i]);
  }
  curl_multi_cleanup(m);
}

TEST_F(ServerTest, MaxConnectionsQueuesFurtherClients) {
  Options o;
  o.max_connections = 2;
  StartServer(std::move(o));
  auto open_idle = [&] {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server_->port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    return fd;
  };
  int a = open_idle(), b = open_idle();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto third = std::async(std::launch::async, [&] { return Fetch(Url("/-/healthy")); });
  EXPECT_EQ(third.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  close(a);
  ASSERT_EQ(third.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(third.get().code, 200);
  close(b);
}

TEST_F(ServerTest, StopWaitsForInFlightRequests) {
  StartServer();
  auto slow = std::async(std::launch::async, [&] { return Fetch(Url("/slow")); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server_->Stop();
  Reply r = slow.get();
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "slow done");
  EXPECT_LT(Fetch(Url("/-/healthy")).code, 0);  // refused
  server_->Stop();                              // idempotent
}

TEST_F(ServerTest, RoutePrefix) {
  Options o;
  o.external_url = "http://example.com:9090/prom/";
  StartServer(std::move(o));
  EXPECT_EQ(server_->route_prefix(), "/prom");
  EXPECT_EQ(Fetch(Url("/prom/-/healthy")).code, 200);
  EXPECT_EQ(Fetch(Url("/-/healthy")).code, 404);
  Reply r = Fetch(Url("/"));
  EXPECT_EQ(r.code, 302);
  EXPECT_TRUE(r.HasHeader("location: /prom/\r\n")) << r.headers;
}

TEST_F(ServerTest, PortInUse) {
  StartServer();
  Options o;
  o.listen_address = "127.0.0.1:" + std::to_string(server_->port());
  o.registry = &registry_;
  Server second(std::move(o));
  Status st = second.Start();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_NE(st.ToString().find("address already in use"), std::string::npos) << st.ToString();
  EXPECT_NE(st.ToString().find("127.0.0.1:"), std::string::npos);
}

TEST(ListenAddressTest, Parse) {
  std::string host;
  uint16_t port;
  ASSERT_TRUE(ParseListenAddress("0.0.0.0:9090", &host, &port).ok());
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 9090);
  ASSERT_TRUE(ParseListenAddress(":9091", &host, &port).ok());
  EXPECT_EQ(host, "");
  EXPECT_EQ(port, 9091);
  ASSERT_TRUE(ParseListenAddress("[::1]:0", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(ParseListenAddress("localhost:80", &host, &port).ok());
  EXPECT_EQ(host, "localhost");
  for (const char* bad : {"", "9090", "::1:9090", "[::1]", "[::1", "host:", "host:99999", "host:12a"}) {
    EXPECT_TRUE(ParseListenAddress(bad, &host, &port).IsInvalidArgument()) << bad;
  }
}

TEST(ServerStartTest, IPv6AndAllInterfaces) {
  metrics::Registry reg;
  for (const char* addr : {"[::1]:0", ":0"}) {
    Options o;
    o.listen_address = addr;
    o.registry = &reg;
    o.worker_threads = 1;
    Server s(std::move(o));
    Status st = s.Start();
    if (!st.ok() && std::string_view(addr) == "[::1]:0") continue;  // no IPv6 loopback here
    ASSERT_TRUE(st.ok()) << addr << ": " << st.ToString();
    Reply r = Fetch("http://127.0.0.1:" + std::to_string(s.port()) + "/-/healthy");
    if (std::string_view(addr) == ":0") {
      EXPECT_EQ(r.code, 200);
    }
    s.Stop();
  }
  Options bad;
  bad.listen_address = "nonsense";
  bad.registry = &reg;
  EXPECT_TRUE(Server(std::move(bad)).Start().IsInvalidArgument());
}

}  // namespace
}  // namespace ward::web
