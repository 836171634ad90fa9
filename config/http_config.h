// Internal to ward_config: decodes the inline HTTP client fields
// (<http_config>) of a scrape, alertmanager, remote write or remote read
// section and applies Prometheus common's validation. Thread-compatible.
#pragma once

#include <string_view>

#include "config/config.h"
#include "config/decode.h"

namespace ward::config::internal {

// Takes basic_auth, authorization, oauth2, bearer_token(_file), tls_config,
// proxy_*, follow_redirects, enable_http2 and http_headers from `m` (other
// fields are left for the caller) into *out; relative files join `dir`.
Status DecodeHTTPClientFields(MapDecoder& m, std::string_view dir, HTTPClientConfig* out);

}  // namespace ward::config::internal
