#include "scrape/http_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <future>
#include <mutex>

#include "scrape/test_util.h"

namespace ward::scrape {
namespace {

using testing::TestRequest;
using testing::TestResponse;
using testing::TestServer;

HttpResponse Fetch(HttpClient& c, HttpRequest req) {
  std::promise<HttpResponse> p;
  auto f = p.get_future();
  Status s = c.Submit(std::move(req), [&p](HttpResponse r) { p.set_value(std::move(r)); });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return f.get();
}

TEST(HttpClientTest, GetSendsHeadersAndReturnsBody) {
  TestRequest seen;
  TestServer srv([&](const TestRequest& r) {
    seen = r;
    return TestResponse{200, "text/plain; version=0.0.4", "up 1\n"};
  });
  HttpClient c;
  HttpRequest req;
  req.url = srv.Url("/metrics?x=1");
  req.user_agent = "ward/0.1.0";
  req.headers = {"Accept: text/plain", "X-Prometheus-Scrape-Timeout-Seconds: 10"};
  HttpResponse r = Fetch(c, std::move(req));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.http_code, 200);
  EXPECT_EQ(r.body, "up 1\n");
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4");
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/metrics?x=1");
  EXPECT_EQ(seen.headers["user-agent"], "ward/0.1.0");
  EXPECT_EQ(seen.headers["accept"], "text/plain");
  EXPECT_EQ(seen.headers["x-prometheus-scrape-timeout-seconds"], "10");
  EXPECT_EQ(seen.headers["accept-encoding"], "gzip");
}

TEST(HttpClientTest, GzipBodyIsDecoded) {
  std::string body;
  for (int i = 0; i < 1000; ++i) body += "metric_" + std::to_string(i) + " 1\n";
  TestServer srv([&](const TestRequest&) {
    TestResponse r{200, "text/plain", body};
    r.gzip = true;
    return r;
  });
  HttpClient c;
  HttpRequest req;
  req.url = srv.Url();
  HttpResponse r = Fetch(c, std::move(req));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.body, body);
}

TEST(HttpClientTest, CompressionDisabledSendsIdentity) {
  std::string enc;
  TestServer srv([&](const TestRequest& r) {
    enc = r.headers.count("accept-encoding") ? r.headers.at("accept-encoding") : "";
    return TestResponse{200, "text/plain", "a 1\n"};
  });
  HttpClient c;
  HttpRequest req;
  req.url = srv.Url();
  req.accept_gzip = false;
  ASSERT_TRUE(Fetch(c, std::move(req)).status.ok());
  EXPECT_EQ(enc, "identity");
}

TEST(HttpClientTest, NonOkStatusIsAnError) {
  TestServer srv([](const TestRequest&) { return TestResponse{404, "text/plain", "nope"}; });
  HttpClient c;
  HttpRequest req;
  req.url = srv.Url();
  HttpResponse r = Fetch(c, std::move(req));
  EXPECT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.ToString(), "server returned HTTP status 404 Not Found");
}

TEST(HttpClientTest, Timeout) {
  TestServer srv([](const TestRequest&) {
    TestResponse r{200, "text/plain", "a 1\n"};
    r.delay_ms = 2000;
    return r;
  });
  HttpClient c;
  HttpRequest req;
  req.url = srv.Url();
  req.timeout_ms = 100;
  auto start = std::chrono::steady_clock::now();
  HttpResponse r = Fetch(c, std::move(req));
  EXPECT_EQ(r.status.code(), StatusCode::kTimeout);
  EXPECT_NE(r.status.ToString().find("context deadline exceeded"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
}

TEST(HttpClientTest, BodySizeLimit) {
  std::string body(100000, 'x');
  TestServer srv([&](const TestRequest&) { return TestResponse{200, "text/plain", body}; });
  HttpClient c;
  HttpRequest req;
  req.url = srv.Url();
  req.body_size_limit = 1000;
  HttpResponse r = Fetch(c, req);
  EXPECT_EQ(r.status.ToString(), "body size limit exceeded");
  req.body_size_limit = 100000;
  EXPECT_TRUE(Fetch(c, req).status.ok());
}

TEST(HttpClientTest, BodySizeLimitAppliesToDecodedGzip) {
  std::string body(100000, 'x');  // compresses to a few hundred bytes
  TestServer srv([&](const TestRequest&) {
    TestResponse r{200, "text/plain", body};
    r.gzip = true;
    return r;
  });
  HttpClient c;
  HttpRequest req;
  req.url = srv.Url();
  req.body_size_limit = 5000;
  EXPECT_EQ(Fetch(c, req).status.ToString(), "body size limit exceeded");
}

TEST(HttpClientTest, BasicAuthAndBearer) {
  std::string auth;
  TestServer srv([&](const TestRequest& r) {
    auth = r.headers.count("authorization") ? r.headers.at("authorization") : "";
    return TestResponse{200, "text/plain", "a 1\n"};
  });
  HttpClient c;
  HttpRequest req;
  req.url = srv.Url();
  req.basic_auth = true;
  req.basic_username = "user";
  req.basic_password = "pass";
  ASSERT_TRUE(Fetch(c, req).status.ok());
  EXPECT_EQ(auth, "Basic dXNlcjpwYXNz");
  HttpRequest req2;
  req2.url = srv.Url();
  req2.headers = {"Authorization: Bearer tok"};
  ASSERT_TRUE(Fetch(c, req2).status.ok());
  EXPECT_EQ(auth, "Bearer tok");
}

TEST(HttpClientTest, Redirects) {
  TestServer srv([&](const TestRequest& r) {
    if (r.target == "/old") return TestResponse{302, "text/plain", ""};
    return TestResponse{200, "text/plain", "a 1\n"};
  });
  HttpClient c;
  HttpRequest req;
  req.url = srv.Url("/old");
  HttpResponse r = Fetch(c, req);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.body, "a 1\n");
  req.follow_redirects = false;
  r = Fetch(c, req);
  EXPECT_EQ(r.status.ToString(), "server returned HTTP status 302 Found");
}

TEST(HttpClientTest, ConnectionRefused) {
  int port;
  {
    TestServer srv([](const TestRequest&) { return TestResponse{}; });
    port = srv.port();
  }
  HttpClient c;
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  HttpResponse r = Fetch(c, req);
  EXPECT_EQ(r.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status.ToString().find("Get \"http://127.0.0.1:"), std::string::npos);
}

TEST(HttpClientTest, ThousandConcurrentRequests) {
  TestServer srv([](const TestRequest& r) { return TestResponse{200, "text/plain", r.target}; });
  HttpClient::Options opts;
  opts.workers = 2;
  HttpClient c(opts);
  constexpr int kN = 1000;
  std::mutex mu;
  std::condition_variable cv;
  int done = 0, ok = 0;
  for (int i = 0; i < kN; ++i) {
    HttpRequest req;
    req.url = srv.Url("/t" + std::to_string(i));
    std::string want = "/t" + std::to_string(i);
    ASSERT_TRUE(c.Submit(std::move(req), [&, want](HttpResponse r) {
                   std::lock_guard<std::mutex> l(mu);
                   if (r.status.ok() && r.body == want) ++ok;
                   ++done;
                   cv.notify_all();
                 }).ok());
  }
  std::unique_lock<std::mutex> l(mu);
  ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(30), [&] { return done == kN; }));
  EXPECT_EQ(ok, kN);
}

TEST(HttpClientTest, ScheduleRunsInOrderOnWorkers) {
  HttpClient c;
  std::mutex mu;
  std::vector<int> order;
  std::promise<void> p;
  auto now = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.Schedule(now + std::chrono::milliseconds(60), [&] {
    std::lock_guard<std::mutex> l(mu);
    order.push_back(2);
    p.set_value();
  }));
  ASSERT_TRUE(c.Schedule(now + std::chrono::milliseconds(20), [&] {
    std::lock_guard<std::mutex> l(mu);
    order.push_back(1);
  }));
  p.get_future().wait();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_GE(std::chrono::steady_clock::now() - now, std::chrono::milliseconds(60));
}

TEST(HttpClientTest, StopCancelsInFlightAndRejectsNewWork) {
  TestServer srv([](const TestRequest&) {
    TestResponse r{200, "text/plain", "a 1\n"};
    r.delay_ms = 5000;
    return r;
  });
  auto c = std::make_unique<HttpClient>();
  std::promise<Status> p;
  HttpRequest req;
  req.url = srv.Url();
  ASSERT_TRUE(c->Submit(req, [&](HttpResponse r) { p.set_value(r.status); }).ok());
  bool timer_ran = false;
  ASSERT_TRUE(c->Schedule(std::chrono::steady_clock::now() + std::chrono::hours(1),
                          [&] { timer_ran = true; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  c->Stop();
  EXPECT_EQ(p.get_future().get().code(), StatusCode::kCanceled);
  EXPECT_FALSE(timer_ran);
  EXPECT_FALSE(c->Submit(req, [](HttpResponse) {}).ok());
  EXPECT_FALSE(c->Schedule(std::chrono::steady_clock::now(), [] {}));
}

}  // namespace
}  // namespace ward::scrape

// ---- TLS, against `openssl s_server` (skipped when the openssl tool is absent).

namespace ward::scrape {
namespace {

bool Sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return ok;
}

// A CA, a server certificate for "ward-test.local" and a client certificate,
// and `openssl s_server -WWW` serving the file "metrics" with client
// certificates required.
class TlsServer {
 public:
  bool Start() {
    if (!Sh("command -v openssl")) return false;
    dir_ = ::testing::TempDir() + "/scrape_tls_" + std::to_string(getpid());
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    std::string d = "cd '" + dir_ + "' && ";
    if (!Sh("mkdir -p '" + dir_ + "'")) return false;
    std::ofstream(dir_ + "/metrics") << "tls_metric 1\n";
    std::ofstream(dir_ + "/san.cnf") << "subjectAltName=DNS:ward-test.local\n";
    if (!Sh(d + "openssl req -x509" + ec +
            " -keyout ca.key -out ca.crt -days 1 -subj /CN=ward-ca") ||
        !Sh(d + "openssl req" + ec +
            " -keyout server.key -out server.csr -subj /CN=ward-test.local") ||
        !Sh(d + "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
                "-out server.crt -days 1 -extfile san.cnf") ||
        !Sh(d + "openssl req" + ec + " -keyout client.key -out client.csr -subj /CN=client") ||
        !Sh(d + "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
                "-out client.crt -days 1")) {
      return false;
    }
    port_ = FreePort();
    pid_ = fork();
    if (pid_ == 0) {
      if (chdir(dir_.c_str()) != 0) _exit(1);
      int devnull = open("/dev/null", O_RDWR);
      dup2(devnull, 1);
      dup2(devnull, 2);
      std::string accept = "127.0.0.1:" + std::to_string(port_);
      execlp("openssl", "openssl", "s_server", "-quiet", "-accept", accept.c_str(), "-cert",
             "server.crt", "-key", "server.key", "-CAfile", "ca.crt", "-Verify", "1", "-WWW",
             static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 500 && !CanConnect(port_); ++i) usleep(10000);
    return CanConnect(port_);
  }
  ~TlsServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty()) Sh("rm -rf '" + dir_ + "'");
  }
  std::string File(const std::string& name) const { return dir_ + "/" + name; }
  int port() const { return port_; }

 private:
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

TEST(HttpClientTlsTest, ClientCertsServerNameAndVerification) {
  TlsServer srv;
  if (!srv.Start()) GTEST_SKIP() << "openssl tool not available to run a TLS test server";
  HttpClient c;
  HttpRequest req;
  req.url = "https://127.0.0.1:" + std::to_string(srv.port()) + "/metrics";
  req.tls.ca_file = srv.File("ca.crt");
  req.tls.cert_file = srv.File("client.crt");
  req.tls.key_file = srv.File("client.key");
  req.tls.server_name = "ward-test.local";
  HttpResponse r = Fetch(c, req);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.body, "tls_metric 1\n");

  // Without server_name the certificate does not match 127.0.0.1.
  HttpRequest wrong_name = req;
  wrong_name.tls.server_name.clear();
  EXPECT_FALSE(Fetch(c, wrong_name).status.ok());

  // insecure_skip_verify accepts it anyway.
  HttpRequest insecure = wrong_name;
  insecure.tls.ca_file.clear();
  insecure.tls.insecure_skip_verify = true;
  r = Fetch(c, insecure);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();

  // Inline PEM works like the files.
  auto slurp = [](const std::string& p) {
    std::ifstream f(p);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  HttpRequest inline_pem = req;
  inline_pem.tls.ca_file.clear();
  inline_pem.tls.ca_pem = slurp(srv.File("ca.crt"));
  r = Fetch(c, inline_pem);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();

  // The server requires a client certificate.
  HttpRequest no_cert = req;
  no_cert.tls.cert_file.clear();
  no_cert.tls.key_file.clear();
  EXPECT_FALSE(Fetch(c, no_cert).status.ok());
}

}  // namespace
}  // namespace ward::scrape
