#include "web/gzip.h"

#include <strings.h>
#include <zlib.h>

#include <cstdlib>

namespace ward::web {

Status GzipCompress(std::string_view in, int level, std::string* out) {
  z_stream zs{};
  // 15 window bits + 16: write a gzip header and trailer instead of zlib's.
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Internal("gzip: deflateInit2 failed");
  }
  out->resize(deflateBound(&zs, static_cast<uLong>(in.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::Internal("gzip: deflate did not finish");
  out->resize(produced);
  return Status::OK();
}

Status GzipDecompress(std::string_view in, size_t max_out, std::string* out) {
  out->clear();
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return Status::Internal("gzip: inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return Status::Corruption("gzip: invalid or truncated stream");
    }
    size_t got = sizeof(buf) - zs.avail_out;
    if (out->size() + got > max_out) {
      inflateEnd(&zs);
      return Status::InvalidArgument("gzip: decompressed size exceeds limit");
    }
    out->append(buf, got);
    if (rc == Z_OK && got == 0 && zs.avail_in == 0) {
      inflateEnd(&zs);
      return Status::Corruption("gzip: truncated stream");
    }
  }
  inflateEnd(&zs);
  return Status::OK();
}

bool AcceptsGzip(std::string_view ae) {
  while (!ae.empty()) {
    size_t comma = ae.find(',');
    std::string_view item = ae.substr(0, comma);
    ae = comma == std::string_view::npos ? std::string_view() : ae.substr(comma + 1);
    size_t semi = item.find(';');
    std::string_view token = item.substr(0, semi);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    bool match = (token.size() == 4 && strncasecmp(token.data(), "gzip", 4) == 0) || token == "*";
    if (!match) continue;
    if (semi == std::string_view::npos) return true;
    std::string_view params = item.substr(semi + 1);
    size_t q = params.find("q=");
    if (q == std::string_view::npos) return true;
    std::string qs(params.substr(q + 2));
    return std::strtod(qs.c_str(), nullptr) > 0;
  }
  return false;
}

}  // namespace ward::web
