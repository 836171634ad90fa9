// Tests for notifier::Manager against an in-process HTTP receiver on
// 127.0.0.1 (a tiny blocking socket server recording every POST), plus an
// optional round trip through the real Alertmanager of the shared fixtures.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "notifier/manager.h"

namespace ward::notifier {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Request {
  std::string method, path, body;
  std::map<std::string, std::string> headers;  // lower-case names
};

// Accepts one connection at a time, reads one request, answers with the
// configured status after the configured delay and closes the connection.
class Receiver {
 public:
  Receiver() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd_, 64) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
      return;
    }
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~Receiver() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }

  std::string addr() const { return "127.0.0.1:" + std::to_string(port_); }
  void set_status(int code) { status_ = code; }
  void set_delay(std::chrono::milliseconds d) { delay_ms_ = d.count(); }

  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  // Waits until at least `n` requests arrived (false on timeout).
  bool WaitFor(size_t n, std::chrono::milliseconds timeout = 5000ms) const {
    auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      if (requests().size() >= n) return true;
      std::this_thread::sleep_for(5ms);
    }
    return requests().size() >= n;
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      Serve(c);
      close(c);
    }
  }

  // Reads with a 2 s budget; returns false on EOF or timeout.
  bool ReadMore(int c, std::string* buf) {
    pollfd p{c, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) return false;
    char tmp[65536];
    ssize_t n = read(c, tmp, sizeof(tmp));
    if (n <= 0) return false;
    buf->append(tmp, static_cast<size_t>(n));
    return true;
  }

  void Serve(int c) {
    std::string buf;
    size_t hdr_end;
    while ((hdr_end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadMore(c, &buf)) return;
    }
    Request r;
    std::string head = buf.substr(0, hdr_end);
    size_t line_end = head.find("\r\n");
    std::string first = head.substr(0, line_end);
    size_t sp1 = first.find(' '), sp2 = first.find(' ', sp1 + 1);
    r.method = first.substr(0, sp1);
    r.path = first.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& ch : name) ch = static_cast<char>(tolower(ch));
        size_t v = line.find_first_not_of(' ', colon + 1);
        r.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = e + 2;
    }
    size_t want = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    r.body = buf.substr(hdr_end + 4);
    while (r.body.size() < want) {
      if (!ReadMore(c, &r.body)) return;
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      requests_.push_back(r);
    }
    auto until = Clock::now() + std::chrono::milliseconds(delay_ms_.load());
    while (!stop_ && Clock::now() < until) std::this_thread::sleep_for(5ms);
    int code = status_;
    std::string reply = "HTTP/1.1 " + std::to_string(code) + (code == 200 ? " OK" : " Internal Server Error") +
                        "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ssize_t ignored = write(c, reply.data(), reply.size());
    (void)ignored;
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> status_{200};
  std::atomic<int64_t> delay_ms_{0};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Request> requests_;
};

// A port nothing listens on: bound once, then closed.
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

config::Config LoadConfig(const std::string& yaml) {
  auto cfg = config::Load(yaml, "");
  EXPECT_TRUE(cfg.ok()) << cfg.status().ToString() << "\n" << yaml;
  return cfg.ok() ? *cfg : config::Config();
}

std::string StaticAM(const std::string& addr, const std::string& extra = "") {
  return "    - static_configs:\n        - targets: ['" + addr + "']\n" + extra;
}

std::string Name(std::string_view prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

Alert MakeAlert(const std::string& name, labels::Labels extra = {}) {
  labels::Builder b(extra);
  b.Set("alertname", name);
  Alert a;
  a.labels = b.Build();
  a.starts_at_ms = 1795698000123;
  return a;
}

// Value of the sample `series` (e.g. `x{alertmanager="u"}`) in the registry's
// exposition, or -1 when absent.
double Metric(const metrics::Registry& reg, const std::string& series) {
  std::string text = reg.Expose();
  size_t pos = 0;
  while (pos < text.size()) {
    size_t e = text.find('\n', pos);
    if (e == std::string::npos) e = text.size();
    std::string_view line(text.data() + pos, e - pos);
    if (line.starts_with(series + " ")) return std::stod(std::string(line.substr(series.size() + 1)));
    pos = e + 1;
  }
  return -1;
}

size_t CountAlerts(const std::string& body) {
  size_t n = 0;
  for (size_t p = body.find("\"labels\":"); p != std::string::npos; p = body.find("\"labels\":", p + 1)) ++n;
  return n;
}

bool WaitForAlertmanagers(const Manager& m, size_t n, std::chrono::milliseconds timeout = 5000ms) {
  auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    size_t active = 0;
    for (const auto& am : m.Alertmanagers()) active += !am.dropped;
    if (active >= n) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

bool WaitUntil(const std::function<bool()>& f, std::chrono::milliseconds timeout = 5000ms) {
  auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return f();
}

class NotifierTest : public ::testing::Test {
 protected:
  Options Opts() {
    Options o;
    o.registry = &reg_;
    o.discovery_update_interval = 50ms;
    o.drain_timeout_ms = 3000;
    return o;
  }
  metrics::Registry reg_;
};

TEST_F(NotifierTest, PostsAlertmanagerV2JSON) {
  Receiver rx;
  Manager m(Opts());
  ASSERT_TRUE(m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n" + StaticAM(rx.addr()))).ok());
  ASSERT_TRUE(WaitForAlertmanagers(m, 1));
  m.Run();
  Alert a = MakeAlert("HighLoad", labels::Labels{{"severity", "page"}});
  a.annotations = labels::Labels{{"summary", "load \"high\""}};
  a.ends_at_ms = 1795698180000;
  a.generator_url = "http://ward:9090/graph";
  m.Send({a});
  ASSERT_TRUE(rx.WaitFor(1));
  Request r = rx.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/api/v2/alerts");
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.headers["user-agent"], "ward/0.1.0");
  EXPECT_EQ(r.body, R"([{"annotations":{"summary":"load \"high\""},"endsAt":"2026-11-26T13:03:00.000Z",)"
                    R"("startsAt":"2026-11-26T13:00:00.123Z","generatorURL":"http://ward:9090/graph",)"
                    R"("labels":{"alertname":"HighLoad","severity":"page"}}])");
  std::string url = "http://" + rx.addr() + "/api/v2/alerts";
  EXPECT_TRUE(WaitUntil(
      [&] { return Metric(reg_, "prometheus_notifications_sent_total{alertmanager=\"" + url + "\"}") == 1; }));
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_errors_total{alertmanager=\"" + url + "\"}"), 0);
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_alertmanagers_discovered"), 1);
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_queue_capacity"), 10000);
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_latency_seconds_count{alertmanager=\"" + url + "\"}"), 1);
  EXPECT_NE(reg_.Expose().find("# TYPE prometheus_notifications_latency_seconds summary"), std::string::npos);
}

TEST_F(NotifierTest, BatchesOfAtMost256) {
  Receiver rx;
  Manager m(Opts());
  ASSERT_TRUE(m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n" + StaticAM(rx.addr()))).ok());
  ASSERT_TRUE(WaitForAlertmanagers(m, 1));
  std::vector<Alert> alerts;
  for (int i = 0; i < 600; ++i) alerts.push_back(MakeAlert(Name("A", i)));
  m.Send(alerts);  // queued before the sender starts: one queue of 600
  EXPECT_EQ(m.queue_length(), 600u);
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_queue_length"), 600);
  m.Run();
  ASSERT_TRUE(rx.WaitFor(3));
  std::this_thread::sleep_for(50ms);
  auto reqs = rx.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(CountAlerts(reqs[0].body), 256u);
  EXPECT_EQ(CountAlerts(reqs[1].body), 256u);
  EXPECT_EQ(CountAlerts(reqs[2].body), 88u);
  EXPECT_NE(reqs[0].body.find("\"alertname\":\"A0\""), std::string::npos);  // oldest first
  EXPECT_NE(reqs[2].body.find("\"alertname\":\"A599\""), std::string::npos);
  std::string url = "http://" + rx.addr() + "/api/v2/alerts";
  EXPECT_TRUE(WaitUntil(
      [&] { return Metric(reg_, "prometheus_notifications_sent_total{alertmanager=\"" + url + "\"}") == 600; }));
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_queue_length"), 0);
}

TEST_F(NotifierTest, ExternalLabelsAndAlertRelabeling) {
  Receiver rx;
  Manager m(Opts());
  ASSERT_TRUE(m.ApplyConfig(LoadConfig("global:\n"
                                       "  external_labels: {cluster: c1, severity: ext}\n"
                                       "alerting:\n"
                                       "  alert_relabel_configs:\n"
                                       "    - source_labels: [severity]\n"
                                       "      regex: none\n"
                                       "      action: drop\n"
                                       "    - target_label: relabeled\n"
                                       "      replacement: 'yes'\n"
                                       "  alertmanagers:\n" +
                                       StaticAM(rx.addr())))
                  .ok());
  ASSERT_TRUE(WaitForAlertmanagers(m, 1));
  m.Run();
  m.Send({MakeAlert("Kept", labels::Labels{{"severity", "page"}}),
          MakeAlert("Dropped", labels::Labels{{"severity", "none"}}), MakeAlert("NoSeverity")});
  ASSERT_TRUE(rx.WaitFor(1));
  std::string body = rx.requests()[0].body;
  EXPECT_EQ(CountAlerts(body), 2u);
  // The alert's own label wins over the external one.
  EXPECT_NE(body.find(R"("labels":{"alertname":"Kept","cluster":"c1","relabeled":"yes","severity":"page"})"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("labels":{"alertname":"NoSeverity","cluster":"c1","relabeled":"yes","severity":"ext"})"),
            std::string::npos)
      << body;
  EXPECT_EQ(body.find("Dropped"), std::string::npos);
}

TEST_F(NotifierTest, PerAlertmanagerRelabelingOnlyAffectsItsSet) {
  Receiver rx1, rx2;
  Manager m(Opts());
  ASSERT_TRUE(m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n" + StaticAM(rx1.addr()) +
                                       StaticAM(rx2.addr(),
                                                "      alert_relabel_configs:\n"
                                                "        - source_labels: [alertname]\n"
                                                "          regex: Skip.*\n"
                                                "          action: drop\n")))
                  .ok());
  ASSERT_TRUE(WaitForAlertmanagers(m, 2));
  m.Run();
  m.Send({MakeAlert("Keep1"), MakeAlert("SkipMe")});
  ASSERT_TRUE(rx1.WaitFor(1));
  ASSERT_TRUE(rx2.WaitFor(1));
  EXPECT_EQ(CountAlerts(rx1.requests()[0].body), 2u);
  EXPECT_EQ(CountAlerts(rx2.requests()[0].body), 1u);
  EXPECT_EQ(rx2.requests()[0].body.find("SkipMe"), std::string::npos);
}

TEST_F(NotifierTest, QueueOverflowDropsOldestAndCounts) {
  Receiver rx;
  Options o = Opts();
  o.queue_capacity = 5;
  Manager m(o);
  ASSERT_TRUE(m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n" + StaticAM(rx.addr()))).ok());
  ASSERT_TRUE(WaitForAlertmanagers(m, 1));
  for (int i = 0; i < 8; ++i) m.Send({MakeAlert(Name("A", i))});
  EXPECT_EQ(m.queue_length(), 5u);
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_dropped_total"), 3);
  // One Send larger than the whole queue keeps its newest alerts.
  std::vector<Alert> many;
  for (int i = 0; i < 7; ++i) many.push_back(MakeAlert(Name("B", i)));
  m.Send(many);
  EXPECT_EQ(m.queue_length(), 5u);
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_dropped_total"), 3 + 2 + 5);
  m.Run();
  ASSERT_TRUE(rx.WaitFor(1));
  std::string body = rx.requests()[0].body;
  EXPECT_EQ(CountAlerts(body), 5u);
  EXPECT_EQ(body.find("\"A"), std::string::npos);
  EXPECT_NE(body.find("\"B2\""), std::string::npos);
  EXPECT_NE(body.find("\"B6\""), std::string::npos);
}

TEST_F(NotifierTest, ServerErrorCountsErrorsAndDrops) {
  Receiver rx;
  rx.set_status(500);
  Manager m(Opts());
  ASSERT_TRUE(m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n" + StaticAM(rx.addr()))).ok());
  ASSERT_TRUE(WaitForAlertmanagers(m, 1));
  m.Run();
  m.Send({MakeAlert("A"), MakeAlert("B")});
  ASSERT_TRUE(rx.WaitFor(1));
  std::string url = "http://" + rx.addr() + "/api/v2/alerts";
  EXPECT_TRUE(WaitUntil([&] { return Metric(reg_, "prometheus_notifications_dropped_total") == 2; }));
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_errors_total{alertmanager=\"" + url + "\"}"), 2);
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_sent_total{alertmanager=\"" + url + "\"}"), 2);
}

TEST_F(NotifierTest, OneHealthyAlertmanagerPerSetIsEnough) {
  Receiver ok_rx;
  int dead = FreePort();
  Manager m(Opts());
  ASSERT_TRUE(m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n"
                                       "    - static_configs:\n        - targets: ['127.0.0.1:" +
                                       std::to_string(dead) + "', '" + ok_rx.addr() + "']\n"))
                  .ok());
  ASSERT_TRUE(WaitForAlertmanagers(m, 2));
  m.Run();
  m.Send({MakeAlert("A")});
  ASSERT_TRUE(ok_rx.WaitFor(1));
  std::string dead_url = "http://127.0.0.1:" + std::to_string(dead) + "/api/v2/alerts";
  EXPECT_TRUE(WaitUntil(
      [&] { return Metric(reg_, "prometheus_notifications_errors_total{alertmanager=\"" + dead_url + "\"}") == 1; }));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_dropped_total"), 0);
}

TEST_F(NotifierTest, UnreachableAlertmanagerCountsErrors) {
  int dead = FreePort();
  Manager m(Opts());
  ASSERT_TRUE(
      m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n" + StaticAM("127.0.0.1:" + std::to_string(dead)))).ok());
  ASSERT_TRUE(WaitForAlertmanagers(m, 1));
  m.Run();
  m.Send({MakeAlert("A"), MakeAlert("B"), MakeAlert("C")});
  std::string url = "http://127.0.0.1:" + std::to_string(dead) + "/api/v2/alerts";
  EXPECT_TRUE(WaitUntil([&] { return Metric(reg_, "prometheus_notifications_dropped_total") == 3; }));
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_errors_total{alertmanager=\"" + url + "\"}"), 3);
}

TEST_F(NotifierTest, TimeoutIsHonoured) {
  Receiver rx;
  rx.set_delay(3000ms);
  Manager m(Opts());
  ASSERT_TRUE(
      m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n" + StaticAM(rx.addr(), "      timeout: 200ms\n"))).ok());
  ASSERT_TRUE(WaitForAlertmanagers(m, 1));
  m.Run();
  auto start = Clock::now();
  m.Send({MakeAlert("Slow")});
  std::string url = "http://" + rx.addr() + "/api/v2/alerts";
  ASSERT_TRUE(WaitUntil(
      [&] { return Metric(reg_, "prometheus_notifications_errors_total{alertmanager=\"" + url + "\"}") == 1; },
      2500ms));
  auto took = Clock::now() - start;
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_dropped_total"), 1);
}

TEST_F(NotifierTest, BasicAuthAndBearerAndHeaders) {
  Receiver rx1, rx2;
  Manager m(Opts());
  ASSERT_TRUE(m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n" +
                                       StaticAM(rx1.addr(),
                                                "      basic_auth:\n"
                                                "        username: alice\n"
                                                "        password: s3cret\n") +
                                       StaticAM(rx2.addr(),
                                                "      authorization:\n"
                                                "        credentials: tok123\n"
                                                "      http_headers:\n"
                                                "        X-Tenant:\n"
                                                "          values: [team-a]\n")))
                  .ok());
  ASSERT_TRUE(WaitForAlertmanagers(m, 2));
  m.Run();
  m.Send({MakeAlert("A")});
  ASSERT_TRUE(rx1.WaitFor(1));
  ASSERT_TRUE(rx2.WaitFor(1));
  EXPECT_EQ(rx1.requests()[0].headers["authorization"], "Basic YWxpY2U6czNjcmV0");  // alice:s3cret
  EXPECT_EQ(rx2.requests()[0].headers["authorization"], "Bearer tok123");
  EXPECT_EQ(rx2.requests()[0].headers["x-tenant"], "team-a");
}

TEST_F(NotifierTest, PathPrefixUsed) {
  Receiver rx;
  Manager m(Opts());
  ASSERT_TRUE(
      m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n" + StaticAM(rx.addr(), "      path_prefix: /am/\n")))
          .ok());
  ASSERT_TRUE(WaitForAlertmanagers(m, 1));
  auto ams = m.Alertmanagers();
  ASSERT_EQ(ams.size(), 1u);
  EXPECT_EQ(ams[0].url, "http://" + rx.addr() + "/am/api/v2/alerts");
  m.Run();
  m.Send({MakeAlert("A")});
  ASSERT_TRUE(rx.WaitFor(1));
  EXPECT_EQ(rx.requests()[0].path, "/am/api/v2/alerts");
}

TEST_F(NotifierTest, DroppedAlertmanagersListed) {
  Manager m(Opts());
  ASSERT_TRUE(m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n"
                                       "    - static_configs:\n        - targets: ['am1:9093', 'am2:9093']\n"
                                       "      relabel_configs:\n"
                                       "        - source_labels: [__address__]\n"
                                       "          regex: am2.*\n"
                                       "          action: drop\n"))
                  .ok());
  ASSERT_TRUE(WaitUntil([&] { return m.Alertmanagers().size() == 2; }));
  auto ams = m.Alertmanagers();
  EXPECT_EQ(ams[0].url, "http://am1:9093/api/v2/alerts");
  EXPECT_FALSE(ams[0].dropped);
  EXPECT_EQ(ams[1].url, "http://am2:9093/api/v2/alerts");
  EXPECT_TRUE(ams[1].dropped);
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_alertmanagers_discovered"), 1);
}

TEST_F(NotifierTest, FileSDDiscoveredAlertmanager) {
  Receiver rx;
  auto dir = std::filesystem::temp_directory_path() /
             ("ward_notifier_test_" + std::to_string(getpid()) + "_" + std::to_string(rand()));
  std::filesystem::create_directories(dir);
  std::string file = (dir / "am.json").string();
  Manager m(Opts());
  ASSERT_TRUE(m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n"
                                       "    - file_sd_configs:\n        - files: ['" +
                                       file + "']\n"))
                  .ok());
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(m.Alertmanagers().empty());
  {
    std::ofstream out(file + ".tmp");
    out << R"([{"targets": [")" << rx.addr() << R"("], "labels": {"team": "x"}}])";
  }
  std::filesystem::rename(file + ".tmp", file);
  ASSERT_TRUE(WaitForAlertmanagers(m, 1, 10000ms));
  EXPECT_EQ(m.Alertmanagers()[0].url, "http://" + rx.addr() + "/api/v2/alerts");
  m.Run();
  m.Send({MakeAlert("FromFileSD")});
  ASSERT_TRUE(rx.WaitFor(1));
  EXPECT_NE(rx.requests()[0].body.find("FromFileSD"), std::string::npos);
  m.Stop();
  std::filesystem::remove_all(dir);
}

TEST_F(NotifierTest, StopDrainsQueue) {
  Receiver rx;
  Manager m(Opts());
  ASSERT_TRUE(m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n" + StaticAM(rx.addr()))).ok());
  ASSERT_TRUE(WaitForAlertmanagers(m, 1));
  std::vector<Alert> alerts;
  for (int i = 0; i < 300; ++i) alerts.push_back(MakeAlert(Name("A", i)));
  m.Send(alerts);
  m.Stop();  // never Run: Stop still drains
  auto reqs = rx.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(CountAlerts(reqs[0].body) + CountAlerts(reqs[1].body), 300u);
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_dropped_total"), 0);
  m.Send({MakeAlert("Late")});
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_dropped_total"), 1);
}

TEST_F(NotifierTest, DrainDisabledOrTimedOutDrops) {
  {
    Receiver rx;
    Options o = Opts();
    o.drain_on_shutdown = false;
    Manager m(o);
    ASSERT_TRUE(m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n" + StaticAM(rx.addr()))).ok());
    m.Send({MakeAlert("A"), MakeAlert("B")});
    m.Stop();
    EXPECT_TRUE(rx.requests().empty());
    EXPECT_EQ(Metric(reg_, "prometheus_notifications_dropped_total"), 2);
  }
  {
    metrics::Registry reg;
    Receiver rx;
    rx.set_delay(2000ms);
    Options o = Opts();
    o.registry = &reg;
    o.drain_timeout_ms = 300;
    Manager m(o);
    ASSERT_TRUE(m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n" + StaticAM(rx.addr()))).ok());
    ASSERT_TRUE(WaitForAlertmanagers(m, 1));
    std::vector<Alert> alerts;
    for (int i = 0; i < 300; ++i) alerts.push_back(MakeAlert(Name("A", i)));
    m.Send(alerts);
    auto start = Clock::now();
    m.Stop();
    EXPECT_LT(Clock::now() - start, 1500ms);
    EXPECT_EQ(Metric(reg, "prometheus_notifications_dropped_total"), 300);
  }
}

TEST_F(NotifierTest, ReapplyingSameConfigKeepsAlertmanagers) {
  Receiver rx;
  Manager m(Opts());
  config::Config cfg = LoadConfig("alerting:\n  alertmanagers:\n" + StaticAM(rx.addr()));
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  ASSERT_TRUE(WaitForAlertmanagers(m, 1));
  ASSERT_TRUE(m.ApplyConfig(cfg).ok());
  EXPECT_EQ(m.Alertmanagers().size(), 1u);  // immediately, before discovery reports again
  config::Config v1 = cfg;
  v1.alerting.alertmanagers[0].api_version = "v1";
  Status st = m.ApplyConfig(v1);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(m.Alertmanagers().size(), 1u);
}

// Round trip through the real Alertmanager started by the shared fixtures
// (start-services.sh DIR alertmanager; port ALERTMANAGER_PORT, default 29093).
TEST_F(NotifierTest, RealAlertmanagerRoundTrip) {
  if (!std::filesystem::exists(WARD_SOURCE_DIR "/../shared/fixtures/start-services.sh")) {
    GTEST_SKIP() << "shared fixtures absent (../shared/fixtures/start-services.sh)";
  }
  const char* port_env = getenv("ALERTMANAGER_PORT");
  std::string addr = std::string("127.0.0.1:") + (port_env ? port_env : "29093");
  // Probe with a GET over a raw socket, 1 s budget.
  auto get = [&](const std::string& path, std::string* body) -> bool {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(addr.substr(addr.find(':') + 1))));
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: " + addr + "\r\n\r\n";
    ok = ok && write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size());
    std::string resp;
    auto end = Clock::now() + 1000ms;
    while (ok && Clock::now() < end) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[65536];
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n <= 0) break;
      resp.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    if (!ok || !resp.starts_with("HTTP/1.") || resp.find(" 200 ") == std::string::npos) return false;
    size_t b = resp.find("\r\n\r\n");
    *body = b == std::string::npos ? "" : resp.substr(b + 4);
    return true;
  };
  std::string body;
  if (!get("/-/ready", &body)) {
    GTEST_SKIP() << "no Alertmanager ready on " << addr
                 << " (start it with ../shared/fixtures/start-services.sh DIR alertmanager)";
  }
  Manager m(Opts());
  ASSERT_TRUE(m.ApplyConfig(LoadConfig("alerting:\n  alertmanagers:\n" + StaticAM(addr))).ok());
  ASSERT_TRUE(WaitForAlertmanagers(m, 1));
  m.Run();
  std::string name = "WardNotifierTest" + std::to_string(getpid()) + "x" + std::to_string(rand() % 100000);
  Alert a = MakeAlert(name, labels::Labels{{"severity", "test"}});
  a.starts_at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  a.ends_at_ms = a.starts_at_ms + 5 * 60 * 1000;
  a.annotations = labels::Labels{{"summary", "from ward notifier_test"}};
  m.Send({a});
  std::string url = "http://" + addr + "/api/v2/alerts";
  ASSERT_TRUE(WaitUntil(
      [&] { return Metric(reg_, "prometheus_notifications_sent_total{alertmanager=\"" + url + "\"}") == 1; }));
  EXPECT_EQ(Metric(reg_, "prometheus_notifications_errors_total{alertmanager=\"" + url + "\"}"), 0);
  bool found = WaitUntil(
      [&] {
        return get("/api/v2/alerts?filter=alertname%3D%22" + name + "%22", &body) &&
               body.find(name) != std::string::npos;
      },
      5000ms);
  ASSERT_TRUE(found) << body;
  EXPECT_NE(body.find("\"summary\":\"from ward notifier_test\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"severity\":\"test\""), std::string::npos) << body;
  // Resolve it again so the shared Alertmanager is left clean.
  a.ends_at_ms = a.starts_at_ms + 1;
  m.Send({a});
  EXPECT_TRUE(WaitUntil(
      [&] { return Metric(reg_, "prometheus_notifications_sent_total{alertmanager=\"" + url + "\"}") == 2; }));
}

}  // namespace
}  // namespace ward::notifier
