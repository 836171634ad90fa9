// The web UI: registers the pages (/query, /targets, /alerts, /rules,
// /status, /config, /flags, /tsdb-status, /dashboards[/<name>]), the
// embedded static assets (/static/...), and the dashboards API
// (/api/v1/dashboards[/<name>]) on a web::Server. The assets are built by
// esbuild at build time and embedded as byte arrays (ui_assets.cc); nothing
// is fetched at run time. Every link the pages make is relative (each page
// carries a <base href> computed from its own path), so the UI works under
// --web.route-prefix and behind a proxy named by --web.external-url.
// Thread safety: RegisterUI before Server::Start; the handlers it installs
// are thread-safe (the dashboards directory is re-read per request).
#pragma once

#include <string>

#include "web/server.h"

namespace ward::web::ui {

struct UIOptions {
  // Shown in the browser tab and the navigation bar (--web.page-title).
  // Default: "Ward".
  std::string page_title = "Ward";
  // Directory of extra dashboard files, <name>.yml or <name>.yaml
  // (--web.dashboards.dir). Read on every request, so files added or edited
  // there show up without a restart. A file whose name matches a built-in
  // dashboard replaces it. Default: empty (built-in dashboards only).
  std::string dashboards_dir;
  // Whether the dashboards shipped in the binary (dashboards/*.yml of the
  // source tree, e.g. "etcd") are offered. Default: true.
  bool builtin_dashboards = true;
};

// Installs the UI's routes on `server` (relative to its route prefix):
//   GET /                   302 to query
//   GET /graph              302 to query (query string kept)
//   GET /query /targets /alerts /rules /status /config /flags /tsdb-status
//       /dashboards /dashboards/:name          the single-page app's HTML
//   GET /static/*path       embedded assets (gzip when accepted, ETag, 304)
//   GET /api/v1/dashboards {"status":"success","data":[{name,title,source}]}
//   GET /api/v1/dashboards/:name    {"status":"success","data":<dashboard as
//   JSON>}
// REQUIRES: server.Start() not yet called.
void RegisterUI(Server &server, UIOptions options);

} // namespace ward::web::ui
