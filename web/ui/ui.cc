#include "web/ui/ui.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/gostr.h"
#include "web/gzip.h"
#include "web/ui/assets.h"
#include "web/ui/dashboards.h"

namespace ward::web::ui {

namespace {

// The single-page app's routes (relative to the route prefix).
constexpr std::string_view kPages[] = {
    "/query",  "/targets", "/alerts",      "/rules",      "/status",
    "/config", "/flags",   "/tsdb-status", "/dashboards", "/dashboards/:name"};

// "../" once per directory level of `path` below the root, so that a
// relative <base href> points at the route prefix wherever the page is
// served from: "/query" -> "./", "/dashboards/etcd" -> "../".
std::string RelativeBase(std::string_view path) {
  size_t depth = 0;
  for (size_t i = 1; i < path.size(); ++i) {
    if (path[i] == '/')
      ++depth;
  }
  if (depth == 0)
    return "./";
  std::string b;
  for (size_t i = 0; i < depth; ++i)
    b += "../";
  return b;
}

std::string HtmlEscape(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
    case '&':
      o += "&amp;";
      break;
    case '<':
      o += "&lt;";
      break;
    case '>':
      o += "&gt;";
      break;
    case '"':
      o += "&quot;";
      break;
    case '\'':
      o += "&#39;";
      break;
    default:
      o.push_back(c);
    }
  }
  return o;
}

void ReplaceAll(std::string *s, std::string_view from, std::string_view to) {
  for (size_t pos = s->find(from); pos != std::string::npos;
       pos = s->find(from, pos + to.size())) {
    s->replace(pos, from.size(), to);
  }
}

// Whether the request's If-None-Match lists `etag` (or is "*").
bool ETagMatches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view t = header.substr(0, comma);
    while (!t.empty() && t.front() == ' ')
      t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ')
      t.remove_suffix(1);
    if (t.starts_with("W/"))
      t.remove_prefix(2);
    if (t == etag || t == "*")
      return true;
    if (comma == std::string_view::npos)
      break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

void ServeAsset(const Asset &a, const Request &req, Response &resp) {
  resp.SetHeader("ETag", a.etag);
  resp.SetHeader("Cache-Control", "no-cache");
  resp.SetHeader("Vary", "Accept-Encoding");
  resp.SetHeader("X-Content-Type-Options", "nosniff");
  if (ETagMatches(req.Header("If-None-Match"), a.etag)) {
    resp.status = 304;
    return;
  }
  resp.SetContentType(a.content_type);
  if (!a.gzip.empty() && AcceptsGzip(req.Header("Accept-Encoding"))) {
    resp.SetHeader("Content-Encoding", "gzip");
    resp.body.assign(a.gzip);
  } else {
    resp.body.assign(a.data);
  }
}

// Prometheus's API envelope around already-encoded JSON data.
void JsonOK(Response &resp, std::string_view data) {
  resp.status = 200;
  resp.SetContentType("application/json");
  resp.body.reserve(data.size() + 32);
  resp.body = "{\"status\":\"success\",\"data\":";
  resp.body.append(data);
  resp.body.push_back('}');
}

std::string JsonString(std::string_view s) {
  std::string o;
  gostr::AppendJsonString(&o, s, {.escape_html = true, .check_utf8 = false});
  return o;
}

void JsonError(Response &resp, const Status &st) {
  int code = 500;
  std::string_view type = "internal";
  if (st.IsNotFound()) {
    code = 404;
    type = "not_found";
  } else if (st.IsInvalidArgument()) {
    code = 400;
    type = "bad_data";
  }
  resp.status = code;
  resp.SetContentType("application/json");
  resp.body = "{\"status\":\"error\",\"errorType\":\"" + std::string(type) +
              "\",\"error\":" + JsonString(st.ToString()) + "}";
}

} // namespace

void RegisterUI(Server &server, UIOptions options) {
  // The page: index.html with its title and base filled in per request
  // (the template is small; this is not a hot path).
  std::string title =
      HtmlEscape(options.page_title.empty() ? "Ward" : options.page_title);
  auto page = [title](const Request &req, Response &resp) {
    const Asset *tpl = FindAsset("index.html");
    if (tpl == nullptr) {
      resp.Text(500, "UI assets missing from this build\n");
      return;
    }
    std::string html(tpl->data);
    ReplaceAll(&html, "%BASE%", RelativeBase(req.path));
    ReplaceAll(&html, "%TITLE%", title);
    resp.SetContentType("text/html; charset=utf-8");
    resp.SetHeader("Cache-Control", "no-cache");
    resp.SetHeader("X-Content-Type-Options", "nosniff");
    // Only our own script, styles (uPlot sets inline styles) and API.
    resp.SetHeader("Content-Security-Policy",
                   "default-src 'self'; img-src 'self' data:; style-src 'self' "
                   "'unsafe-inline'; "
                   "frame-ancestors 'self'");
    resp.body = std::move(html);
  };
  for (std::string_view p : kPages)
    server.Handle("GET", std::string(p), page);

  // "/" -> query. Relative Location, resolved by the client against the
  // URL it asked for: "/prom" (no slash) needs the last segment repeated.
  server.Handle("GET", "/", [](const Request &req, Response &resp) {
    std::string_view t = req.target;
    t = t.substr(0, t.find('?'));
    std::string loc = "query";
    if (!t.empty() && t.back() != '/') {
      std::string_view last = t.substr(t.rfind('/') + 1);
      loc = std::string(last) + "/query";
    }
    resp.status = 302;
    resp.SetHeader("Location", loc);
  });
  server.Handle("GET", "/graph", [](const Request &req, Response &resp) {
    resp.status = 302;
    resp.SetHeader("Location", req.raw_query.empty()
                                   ? std::string("query")
                                   : "query?" + req.raw_query);
  });

  server.Handle("GET", "/static/*path", [](const Request &req, Response &resp) {
    std::string_view p = req.PathParam("path");
    const Asset *a = p == "index.html" ? nullptr : FindAsset(p);
    if (a == nullptr) {
      resp.Text(404, "404 page not found\n");
      return;
    }
    ServeAsset(*a, req, resp);
  });

  // Dashboards.
  std::vector<DashboardSource::File> builtin;
  if (options.builtin_dashboards) {
    for (const EmbeddedDashboard &d : EmbeddedDashboards()) {
      builtin.push_back({std::string(d.name), std::string(d.yaml)});
    }
  }
  auto source = std::make_shared<const DashboardSource>(std::move(builtin),
                                                        options.dashboards_dir);
  server.Handle(
      "GET", "/api/v1/dashboards",
      [source](const Request &, Response &resp) {
        auto list = source->List();
        if (!list.ok())
          return JsonError(resp, list.status());
        std::string data = "[";
        for (size_t i = 0; i < list->size(); ++i) {
          const DashboardInfo &d = (*list)[i];
          if (i)
            data.push_back(',');
          data += "{\"name\":" + JsonString(d.name) +
                  ",\"title\":" + JsonString(d.title) +
                  ",\"source\":" + JsonString(d.source) +
                  ",\"error\":" + JsonString(d.error) + "}";
        }
        data.push_back(']');
        JsonOK(resp, data);
      },
      RouteOptions{.offload = true});
  server.Handle(
      "GET", "/api/v1/dashboards/:name",
      [source](const Request &req, Response &resp) {
        auto d = source->Get(req.PathParam("name"));
        if (!d.ok())
          return JsonError(resp, d.status());
        JsonOK(resp, DashboardToJson(*d));
      },
      RouteOptions{.offload = true});
}

} // namespace ward::web::ui
