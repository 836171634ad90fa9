// Go's net/http StatusText for the HTTP status codes, so that errors read
// like Prometheus's ("server returned HTTP status 404 Not Found"). Used by
// the scrape client and the notifier. Pure; thread-safe.
#pragma once

#include <string_view>

namespace ward {

// The reason phrase of `code` as Go spells it, or "" for an unknown code.
std::string_view HttpStatusText(long code);

}  // namespace ward
