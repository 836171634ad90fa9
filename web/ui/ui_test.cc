#include "web/ui/ui.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "util/metrics.h"
#include "web/gzip.h"
#include "web/ui/assets.h"

namespace ward::web::ui {
namespace {

struct Reply {
  long code = 0;
  std::string body;
  std::string headers; // lower-cased
  std::string Header(std::string_view name) const {
    std::string key = "\n" + std::string(name) + ": ";
    size_t p = ("\n" + headers).find(key);
    if (p == std::string::npos)
      return "";
    size_t start = p + key.size() - 1;
    size_t end = headers.find('\r', start);
    return headers.substr(start, end - start);
  }
};

size_t Append(char *p, size_t size, size_t n, void *ud) {
  static_cast<std::string *>(ud)->append(p, size * n);
  return size * n;
}

size_t AppendLower(char *p, size_t size, size_t n, void *ud) {
  auto *s = static_cast<std::string *>(ud);
  for (size_t i = 0; i < size * n; ++i)
    s->push_back(static_cast<char>(tolower(static_cast<unsigned char>(p[i]))));
  return size * n;
}

// GET without following redirects or decoding bodies.
Reply Get(const std::string &url, std::vector<std::string> headers = {}) {
  Reply r;
  CURL *c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &AppendLower);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_slist *hl = nullptr;
  for (const auto &h : headers)
    hl = curl_slist_append(hl, h.c_str());
  if (hl)
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  if (curl_easy_perform(c) == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.code);
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  return r;
}

class UITest : public ::testing::Test {
protected:
  void Start(UIOptions ui, std::string prefix = "") {
    Options o;
    o.listen_address = "127.0.0.1:0";
    o.route_prefix = prefix;
    o.registry = &registry_;
    server_ = std::make_unique<Server>(o);
    RegisterUI(*server_, std::move(ui));
    ASSERT_TRUE(server_->Start().ok());
    server_->SetReady(true);
    base_ = "http://127.0.0.1:" + std::to_string(server_->port()) + prefix;
  }
  void TearDown() override {
    if (server_)
      server_->Stop();
  }
  metrics::Registry registry_;
  std::unique_ptr<Server> server_;
  std::string base_;
};

TEST_F(UITest, PagesCarryRelativeBaseAndTitle) {
  UIOptions ui;
  ui.page_title = "My <Ward>";
  Start(ui);
  for (const char *p : {"/query", "/targets", "/alerts", "/rules", "/status",
                        "/config", "/flags", "/tsdb-status", "/dashboards"}) {
    Reply r = Get(base_ + p);
    EXPECT_EQ(r.code, 200) << p;
    EXPECT_EQ(r.Header("content-type"), "text/html; charset=utf-8") << p;
    EXPECT_NE(r.body.find("<base href=\"./\">"), std::string::npos)
        << p << r.body;
    EXPECT_NE(r.body.find("<title>My &lt;Ward&gt;</title>"), std::string::npos)
        << p;
    EXPECT_NE(r.body.find("src=\"static/app.js\""), std::string::npos) << p;
  }
  Reply d = Get(base_ + "/dashboards/etcd");
  EXPECT_EQ(d.code, 200);
  EXPECT_NE(d.body.find("<base href=\"../\">"), std::string::npos);
  EXPECT_EQ(Get(base_ + "/nope").code, 404);
}

TEST_F(UITest, Redirects) {
  Start({});
  Reply root = Get(base_ + "/");
  EXPECT_EQ(root.code, 302);
  EXPECT_EQ(root.Header("location"), "query");
  Reply graph = Get(base_ + "/graph?g0.expr=up&g0.tab=0");
  EXPECT_EQ(graph.code, 302);
  EXPECT_EQ(graph.Header("location"), "query?g0.expr=up&g0.tab=0");
}

TEST_F(UITest, RoutePrefix) {
  Start({}, "/prom");
  Reply q = Get(base_ + "/query");
  EXPECT_EQ(q.code, 200);
  EXPECT_NE(q.body.find("<base href=\"./\">"), std::string::npos);
  // "/prom" without the slash: the relative redirect must keep the prefix.
  Reply bare = Get(base_);
  EXPECT_EQ(bare.code, 302);
  EXPECT_EQ(bare.Header("location"), "prom/query");
  Reply slash = Get(base_ + "/");
  EXPECT_EQ(slash.Header("location"), "query");
  EXPECT_EQ(Get(base_ + "/static/app.js").code, 200);
  EXPECT_EQ(Get(base_ + "/api/v1/dashboards").code, 200);
}

TEST_F(UITest, StaticAssetsGzipETag) {
  Start({});
  const Asset *js = FindAsset("app.js");
  ASSERT_NE(js, nullptr);
  ASSERT_NE(FindAsset("app.css"), nullptr);
  Reply plain = Get(base_ + "/static/app.js");
  EXPECT_EQ(plain.code, 200);
  EXPECT_EQ(plain.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(plain.body, js->data);
  EXPECT_EQ(plain.Header("etag"), std::string(js->etag));

  ASSERT_FALSE(js->gzip.empty());
  Reply gz = Get(base_ + "/static/app.js", {"Accept-Encoding: gzip"});
  EXPECT_EQ(gz.code, 200);
  EXPECT_EQ(gz.Header("content-encoding"), "gzip");
  std::string unzipped;
  ASSERT_TRUE(GzipDecompress(gz.body, 10 << 20, &unzipped).ok());
  EXPECT_EQ(unzipped, js->data);

  Reply again = Get(base_ + "/static/app.js",
                    {"If-None-Match: " + std::string(js->etag)});
  EXPECT_EQ(again.code, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Get(base_ + "/static/app.js", {"If-None-Match: \"other\""}).code,
            200);

  EXPECT_EQ(Get(base_ + "/static/missing.js").code, 404);
  EXPECT_EQ(Get(base_ + "/static/index.html").code,
            404); // the template is not an asset
}

TEST_F(UITest, DashboardsAPI) {
  auto dir = std::filesystem::temp_directory_path() / "ward_ui_test_dashboards";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "mine.yml")
      << "title: Mine\nrows:\n  - panels:\n    - {title: p, expr: up}\n";
  std::ofstream(dir / "bad.yml") << "title: Bad\nrows: 3\n";
  UIOptions ui;
  ui.dashboards_dir = dir.string();
  Start(ui);
  Reply list = Get(base_ + "/api/v1/dashboards");
  EXPECT_EQ(list.code, 200);
  EXPECT_NE(
      list.body.find(
          R"({"name":"etcd","title":"etcd cluster","source":"builtin","error":""})"),
      std::string::npos)
      << list.body;
  EXPECT_NE(list.body.find(R"("name":"mine","title":"Mine","source":"dir")"),
            std::string::npos)
      << list.body;
  EXPECT_NE(
      list.body.find(R"("name":"bad","title":"","source":"dir","error":")"),
      std::string::npos);

  Reply etcd = Get(base_ + "/api/v1/dashboards/etcd");
  EXPECT_EQ(etcd.code, 200);
  EXPECT_EQ(
      etcd.body.rfind(
          R"({"status":"success","data":{"name":"etcd","title":"etcd cluster")",
          0),
      0u)
      << etcd.body.substr(0, 200);
  EXPECT_NE(etcd.body.find("etcd_server_has_leader"), std::string::npos);

  Reply bad = Get(base_ + "/api/v1/dashboards/bad");
  EXPECT_EQ(bad.code, 400);
  EXPECT_NE(bad.body.find(R"("errorType":"bad_data")"), std::string::npos)
      << bad.body;
  Reply missing = Get(base_ + "/api/v1/dashboards/missing");
  EXPECT_EQ(missing.code, 404);
  EXPECT_NE(missing.body.find(R"("errorType":"not_found")"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_F(UITest, NoBuiltinDashboards) {
  UIOptions ui;
  ui.builtin_dashboards = false;
  Start(ui);
  Reply list = Get(base_ + "/api/v1/dashboards");
  EXPECT_EQ(list.code, 200);
  EXPECT_EQ(list.body, R"({"status":"success","data":[]})");
}

} // namespace
} // namespace ward::web::ui
