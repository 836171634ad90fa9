// Parsing of the API's request parameters with Prometheus's semantics and
// error texts (web/api/v1/api.go): timestamps (Unix seconds as a float, or
// RFC 3339), durations (Prometheus duration or float seconds), limits,
// match[] selectors, and escaped label names in paths ("U__...").
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels/labels.h"
#include "model/labels/matcher.h"
#include "util/result.h"

namespace ward::web::api::v1 {

// The timestamps Prometheus uses for "no start" / "no end" (its MinTime and
// MaxTime, as Unix ms), and their RFC 3339 spellings, which clients such as
// client_golang send and which parse back to these values.
inline constexpr int64_t kMinTimeMs = -9223309901257974000LL;
inline constexpr int64_t kMaxTimeMs = 9223309901257974999LL;
inline constexpr std::string_view kMinTimeFormatted = "-292273086-05-16T16:47:06Z";
inline constexpr std::string_view kMaxTimeFormatted = "292277025-08-18T07:12:54.999999999Z";

// Parses a timestamp: a float of Unix seconds (rounded to ms), RFC 3339
// with optional fraction and a Z or +hh:mm zone, or one of the formatted
// min/max times. InvalidArgument `cannot parse "x" to a valid timestamp`.
Result<int64_t> ParseTime(std::string_view s);

// ParseTime for an optional parameter (Prometheus's parseTimeParam): an
// empty value gives `default_ms`; errors read "Invalid time value for
// 'name': cannot parse ...".
Result<int64_t> ParseTimeParam(std::string_view name, std::string_view value, int64_t default_ms);

// Parses a duration: a float of seconds or a Prometheus duration ("1m30s").
// Returns nanoseconds (Go's time.Duration), as the API's checks use them.
// InvalidArgument `cannot parse "x" to a valid duration` (or "... It
// overflows int64").
Result<int64_t> ParseDurationNs(std::string_view s);

// Parses the `limit` parameter: "" is 0 (no limit); otherwise a decimal
// int, >= 0. Errors as Go's strconv.Atoi or "limit must be non-negative".
Result<int64_t> ParseLimit(std::string_view s);

// Parses each match[] selector; every set must contain a matcher that does
// not match the empty string ("match[] must contain at least one non-empty
// matcher").
Result<std::vector<std::vector<labels::Matcher>>> ParseMatchers(
    const std::vector<std::string_view>& selectors);

// Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.
// False (and *out untouched) for anything else.
bool ParseGoBool(std::string_view s, bool* out);

// Whether `ls` satisfies every matcher of `ms`.
bool MatchesAll(const labels::Labels& ls, const std::vector<labels::Matcher>& ms);

// Undoes Prometheus's value-encoding escaping of a label name given in a
// path ("U__my_2e_label" -> "my.label", "__" -> "_"). Names without the
// "U__" prefix, and malformed escapes, come back unchanged.
std::string UnescapeLabelName(std::string_view s);

// `s` double-quoted as Go's %q writes it (the error texts quote the raw
// parameter this way).
std::string GoQuote(std::string_view s);

}  // namespace ward::web::api::v1
