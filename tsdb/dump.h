// DumpSamples: what `wardtool tsdb dump` prints, like `promtool tsdb dump`:
// every sample of the series matching the matchers in [mint, maxt], one line
// each: `<labels> <value> <timestamp>`, series sorted by labels. Reads the
// data directory without taking its lock and without writing anything:
// every block (<ULID>/) is opened read-only and the WAL is replayed into an
// in-memory head (chunks_head/ is not needed, since every head sample is
// also in the WAL; samples older than the newest block's end are skipped,
// as the DB does), and both are merged, blocks winning on equal timestamps.
// A block that fails to open is an error naming it. Thread-safe (no shared
// state).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "model/labels/matcher.h"
#include "util/status.h"

namespace ward::tsdb {

// Empty `matchers` selects every series.
Status DumpSamples(const std::string& dir, int64_t mint, int64_t maxt,
                   const std::vector<labels::Matcher>& matchers, std::ostream& out);

// Formats v as Go's fmt "%g" does: shortest round-trip digits, exponent form
// when the decimal exponent is < -4 or >= 6 (1e+06, 0.0001, 1.5e-05,
// 123456, 1.234567e+06), and NaN, +Inf, -Inf.
std::string FormatGoFloat(double v);

}  // namespace ward::tsdb
