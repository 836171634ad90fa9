// The UI's static files, embedded into the binary at build time:
// gen_assets.mjs writes ui_assets.cc (in the build directory) from the
// esbuild output and the shipped dashboards/*.yml. Each asset carries its
// content type, a gzip copy (level 9, made at build time) and a strong ETag
// (a hash of the bytes).
// Thread safety: immutable static data.
#pragma once

#include <span>
#include <string_view>

namespace ward::web::ui {

struct Asset {
  std::string_view path;         // "app.js", relative to /static/
  std::string_view content_type; // "text/javascript; charset=utf-8"
  std::string_view data;         // the file
  std::string_view gzip;         // the file gzipped; empty if not smaller
  std::string_view etag;         // "\"<hex>\"" (with the quotes)
};

struct EmbeddedDashboard {
  std::string_view name; // file name without .yml
  std::string_view yaml;
};

// Every embedded asset, sorted by path. "index.html" is the page template.
std::span<const Asset> Assets();
// The asset at `path`, or nullptr.
const Asset *FindAsset(std::string_view path);
// The dashboards shipped with ward, sorted by name.
std::span<const EmbeddedDashboard> EmbeddedDashboards();

} // namespace ward::web::ui
