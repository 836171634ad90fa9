// gzip (RFC 1952) compression of HTTP response bodies, with zlib.
// Thread safety: free functions without shared state.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace ward::web {

// Compresses `in` as one gzip member into `out` (replaced). `level` is
// zlib's 1 (fastest) .. 9 (smallest). Internal error only if zlib fails.
Status GzipCompress(std::string_view in, int level, std::string* out);
// Decompresses a gzip stream (for tests and for clients of ward's own API).
// Corruption on bad input; InvalidArgument when the output would exceed
// `max_out` bytes.
Status GzipDecompress(std::string_view in, size_t max_out, std::string* out);

// Whether an Accept-Encoding header value accepts gzip (a "gzip" or "*"
// token whose q is not 0).
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace ward::web
