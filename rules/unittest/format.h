// Go formatting that `promtool test rules` output depends on, so that
// failure messages read byte for byte as promtool's: time.Duration's
// String() ("5m0s"), strconv.FormatFloat(v, 'E', -1, 64) ("5E+01"), and
// unittest.go's indentLines. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ward::rules::unittest {

// Go's time.Duration String() of `ms` milliseconds: "0s", "1.5s", "5m0s",
// "1h0m0s", "500ms", "-1m0s".
std::string GoDurationString(int64_t ms);

// Go's strconv.FormatFloat(v, 'E', -1, 64): shortest digits in exponent
// form, at least two exponent digits ("5E+01", "1.25E-07"), "NaN", "+Inf",
// "-Inf".
std::string FormatFloatE(double v);

// Prefixes every line but the first of `lines` with `indent`.
std::string IndentLines(std::string_view lines, std::string_view indent);

// Go's %q of `s` (strconv.Quote).
std::string GoQuote(std::string_view s);

}  // namespace ward::rules::unittest
