// Test fixture shared by api_test.cc and promtool_test.cc: an in-memory
// tsdb::Head with known samples, a promql::Engine, and a web::Server on
// 127.0.0.1:0 serving RegisterAPI; plus libcurl helpers. Not part of the
// library. Thread safety: one fixture per test.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "promql/engine.h"
#include "tsdb/head.h"
#include "util/metrics.h"
#include "web/api/v1/api.h"
#include "web/server.h"

namespace ward::web::api::v1 {

struct HttpReply {
  long code = 0;
  std::string body;
  std::string headers;  // raw header block, lower-cased
  std::string content_type;
};

class APIServerFixture : public ::testing::Test {
 protected:
  // Samples every 15 s from kT0 (1690000000 s) to kT0 + 300 s:
  //   up{instance="localhost:9090",job="prometheus"} 1
  //   up{instance="localhost:9100",job="node"}       0
  //   http_requests_total{code="200",job="api"}      0, 10, 20, ...
  //   http_requests_total{code="500",job="api"}      0, 1, 2, ...
  //   dup_a{job="dup"} 1, dup_b{job="dup"} 2
  static constexpr int64_t kT0 = 1690000000000;

  void SetUp() override {
    head_ = std::make_unique<tsdb::Head>(tsdb::HeadOptions{}, nullptr, nullptr);
    auto app = head_->NewAppender();
    for (int i = 0; i <= 20; i++) {
      int64_t t = kT0 + i * 15000;
      Add(*app, {{"__name__", "up"}, {"job", "prometheus"}, {"instance", "localhost:9090"}}, t, 1);
      Add(*app, {{"__name__", "up"}, {"job", "node"}, {"instance", "localhost:9100"}}, t, 0);
      Add(*app, {{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "200"}}, t,
          10.0 * i);
      Add(*app, {{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "500"}}, t, 1.0 * i);
      Add(*app, {{"__name__", "dup_a"}, {"job", "dup"}}, t, 1);
      Add(*app, {{"__name__", "dup_b"}, {"job", "dup"}}, t, 2);
    }
    ASSERT_TRUE(app->Commit().ok());
    engine_ = std::make_unique<promql::Engine>(promql::EngineOptions{});

    web::Options wo;
    wo.listen_address = "127.0.0.1:0";
    wo.registry = &registry_;
    wo.worker_threads = 2;
    CustomizeWebOptions(&wo);
    server_ = std::make_unique<web::Server>(wo);
    APIOptions ao;
    ao.db = head_.get();
    ao.engine = engine_.get();
    ao.config_yaml = [] { return std::string("global:\n  scrape_interval: 15s\n"); };
    ao.flags = {{"web.listen-address", "0.0.0.0:9090"}, {"query.lookback-delta", "5m"}};
    ao.version = "0.1.0";
    ao.build_info.revision = "abc";
    ao.build_info.branch = "main";
    ao.build_info.go_version = "gcc";
    ao.runtime_info = [] {
      RuntimeInfo ri;
      ri.start_time_ms = kT0;
      ri.cwd = "/data";
      ri.storage_retention = "15d";
      return ri;
    };
    ao.now_ms = [] { return kT0 + 300250; };
    CustomizeOptions(&ao);
    RegisterAPI(*server_, std::move(ao));
    ASSERT_TRUE(server_->Start().ok());
    server_->SetReady(true);
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  // Lets a derived fixture change the options before RegisterAPI.
  virtual void CustomizeOptions(APIOptions* opts) {}
  // Lets a derived fixture change the web server's options (route prefix).
  virtual void CustomizeWebOptions(web::Options* opts) {}

  void TearDown() override {
    if (server_) server_->Stop();
  }

  static void Add(storage::Appender& app, labels::Labels l, int64_t t, double v) {
    ASSERT_TRUE(app.Append(0, l, t, v).ok());
  }

  // Percent-encodes the characters libcurl would refuse in a URL; keeps
  // '%', '&', '=' and '+' so tests can write their own encoding.
  static std::string Escape(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (std::string_view("{}\"[] <>|\\^`").find(c) != std::string_view::npos) {
        char buf[4];
        snprintf(buf, sizeof(buf), "%%%02X", static_cast<unsigned char>(c));
        out.append(buf);
      } else {
        out.push_back(c);
      }
    }
    return out;
  }

  HttpReply Request(const std::string& method, const std::string& path, const std::string& body,
                    const std::vector<std::string>& headers = {}) {
    HttpReply r;
    CURL* c = curl_easy_init();
    std::string url = base_ + Escape(path);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &AppendLower);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (method == "POST") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    } else if (method != "GET") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    curl_slist* hl = nullptr;
    for (const auto& h : headers) hl = curl_slist_append(hl, h.c_str());
    if (hl) curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.code);
      char* ct = nullptr;
      curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
      if (ct) r.content_type = ct;
    } else {
      r.code = -static_cast<long>(rc);
      r.body = curl_easy_strerror(rc);
    }
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return r;
  }
  HttpReply Get(const std::string& path, const std::vector<std::string>& headers = {}) {
    return Request("GET", path, "", headers);
  }
  HttpReply Post(const std::string& path, const std::string& form) {
    return Request("POST", path, form, {"Content-Type: application/x-www-form-urlencoded"});
  }

  static size_t AppendBody(char* p, size_t size, size_t n, void* ud) {
    static_cast<std::string*>(ud)->append(p, size * n);
    return size * n;
  }
  static size_t AppendLower(char* p, size_t size, size_t n, void* ud) {
    auto* s = static_cast<std::string*>(ud);
    for (size_t i = 0; i < size * n; ++i) {
      s->push_back(static_cast<char>(tolower(static_cast<unsigned char>(p[i]))));
    }
    return size * n;
  }

  metrics::Registry registry_;
  std::unique_ptr<tsdb::Head> head_;
  std::unique_ptr<promql::Engine> engine_;
  std::unique_ptr<web::Server> server_;
  std::string base_;
};

}  // namespace ward::web::api::v1
