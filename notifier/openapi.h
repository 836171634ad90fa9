// Encoding of alerts for Alertmanager's API v2 (POST /api/v2/alerts): a JSON
// array of postableAlert objects, written the way Prometheus's Go encoder
// writes them (field order annotations, endsAt, startsAt, generatorURL,
// labels; <, > and & escaped; invalid UTF-8 replaced by U+FFFD). Times are
// RFC 3339 in UTC with milliseconds ("2026-11-26T13:00:00.123Z"); a zero
// time, empty annotations and an empty generator URL are left out.
// Stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "notifier/alert.h"

namespace ward::notifier {

// Appends the JSON array of `alerts` to *out.
void EncodeAlerts(std::span<const Alert> alerts, std::string* out);

// Appends `ms` (Unix milliseconds, may be negative) as RFC 3339 with exactly
// three fraction digits and a "Z" suffix.
void AppendRFC3339Millis(int64_t ms, std::string* out);

// Appends `s` as a quoted JSON string.
void AppendJSONString(std::string_view s, std::string* out);

}  // namespace ward::notifier
