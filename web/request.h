// Request and Response as handlers see them, independent of Beast: decoded
// path, query and form parameters (repeated keys kept in order, as match[]
// needs), headers, body; and a status/headers/body response. Also the
// URL-decoding helpers the server uses to build them.
// Thread safety: plain values; a handler owns its Request/Response for the
// duration of the call.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace ward::web {

using Params = std::vector<std::pair<std::string, std::string>>;

class Request {
 public:
  std::string method;     // "GET", "POST", ...
  std::string target;     // raw request target, "/api/v1/query?query=up"
  std::string path;       // percent-decoded path, route prefix removed
  std::string raw_query;  // the part after '?', undecoded
  Params query;           // decoded query parameters, in order
  Params form;            // decoded body parameters (POST/PUT/PATCH with
                          // Content-Type application/x-www-form-urlencoded)
  Params path_params;     // values of ":name" / "*name" route segments
  Params headers;         // as received; names compared case-insensitively
  std::string body;
  std::string remote_address;  // "ip:port" of the client
  // The first bad percent-escape in the query or form (those pairs are
  // skipped, as Go's ParseForm does). API handlers answer it with bad_data.
  Status param_error;

  // The first value of `key` in query, then form (Go's FormValue order for
  // query parameters; the API reads both). Empty when absent.
  std::string_view FormValue(std::string_view key) const;
  // Every value of `key` in query then form ("match[]"), in order.
  std::vector<std::string_view> FormValues(std::string_view key) const;
  bool HasFormValue(std::string_view key) const;
  std::string_view QueryValue(std::string_view key) const;
  std::string_view PathParam(std::string_view name) const;
  // The first header named `name` (case-insensitive), or "".
  std::string_view Header(std::string_view name) const;
};

class Response {
 public:
  int status = 200;
  Params headers;  // Content-Length and Content-Encoding are set by the server
  std::string body;

  // Replaces any header of that name (case-insensitive).
  void SetHeader(std::string_view name, std::string_view value);
  std::string_view Header(std::string_view name) const;
  void SetContentType(std::string_view ct) { SetHeader("Content-Type", ct); }
  // Sets status, Content-Type text/plain; charset=utf-8 and body.
  void Text(int code, std::string_view text);
};

// Percent-decodes `s`; with `plus_as_space` '+' becomes ' ' (query strings
// and forms), otherwise it stays (paths). InvalidArgument on a bad escape.
Status PercentDecode(std::string_view s, bool plus_as_space, std::string* out);
// Parses "a=1&b=2&a=3" (application/x-www-form-urlencoded) and appends the
// decoded pairs. A key without '=' has an empty value. Empty segments are
// skipped. InvalidArgument on a bad escape (like Go's url.ParseQuery).
Status ParseQuery(std::string_view s, Params* out);
// Percent-encodes for a query component (RFC 3986 unreserved kept).
std::string QueryEscape(std::string_view s);

}  // namespace ward::web
