// Prometheus durations (model.Duration) and sizes (units.Base2Bytes).
#include <cstdint>
#include <limits>
#include <string>

#include "config/config.h"
#include "config/decode.h"

namespace ward::config {
namespace {

struct Unit {
  std::string_view name;
  int64_t ms;
};

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kWeek = 7 * kDay;
constexpr int64_t kYear = 365 * kDay;

// In the order they must appear.
constexpr Unit kUnits[] = {{"y", kYear},   {"w", kWeek},   {"d", kDay}, {"h", kHour},
                           {"m", kMinute}, {"s", kSecond}, {"ms", 1}};

}  // namespace

Result<Duration> ParseDuration(std::string_view s) {
  auto invalid = [&] {
    return Status::InvalidArgument("not a valid duration string: " + internal::Quote(s));
  };
  if (s.empty()) return Status::InvalidArgument("empty duration string");
  if (s == "0") return Duration{0};
  int64_t total = 0;
  size_t next_unit = 0;  // units must come largest first, each once
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return invalid();
    std::string_view digits = s.substr(start, i - start);
    size_t ustart = i;
    while (i < s.size() && !(s[i] >= '0' && s[i] <= '9')) ++i;
    std::string_view unit = s.substr(ustart, i - ustart);
    size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].name != unit) ++u;
    if (u == std::size(kUnits)) return invalid();
    next_unit = u + 1;
    int64_t v = 0;
    for (char c : digits) {
      if (v > (std::numeric_limits<int64_t>::max() - (c - '0')) / 10) {
        return Status::InvalidArgument("duration out of range");
      }
      v = v * 10 + (c - '0');
    }
    if (v > std::numeric_limits<int64_t>::max() / kUnits[u].ms ||
        total > std::numeric_limits<int64_t>::max() - v * kUnits[u].ms) {
      return Status::InvalidArgument("duration out of range");
    }
    total += v * kUnits[u].ms;
  }
  return total;
}

std::string FormatDuration(Duration d) {
  if (d == 0) return "0s";
  std::string out;
  if (d < 0) {
    out.push_back('-');
    d = -d;
  }
  auto emit = [&](std::string_view unit, int64_t mult, bool exact) {
    if (exact && d % mult != 0) return;
    int64_t v = d / mult;
    if (v > 0) {
      out += std::to_string(v);
      out += unit;
      d -= v * mult;
    }
  };
  emit("y", kYear, true);
  emit("w", kWeek, true);
  emit("d", kDay, false);
  emit("h", kHour, false);
  emit("m", kMinute, false);
  emit("s", kSecond, false);
  emit("ms", 1, false);
  return out;
}

Result<int64_t> ParseSize(std::string_view s) {
  // alecthomas/units Base2Bytes: "0", or one or more <integer><unit> with
  // units B, KB/KiB, MB/MiB, ... EB/EiB (all powers of 1024), e.g. "1GB512MB".
  if (s == "0") return int64_t{0};
  if (s.empty()) return Status::InvalidArgument("units: invalid size \"\"");
  int64_t total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    int64_t v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) {
        return Status::InvalidArgument("units: size out of range " + internal::Quote(s));
      }
      v = v * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start) return Status::InvalidArgument("units: invalid size " + internal::Quote(s));
    size_t ustart = i;
    while (i < s.size() && !(s[i] >= '0' && s[i] <= '9')) ++i;
    std::string_view unit = s.substr(ustart, i - ustart);
    int shift = -1;
    static constexpr std::string_view kPrefixes = "KMGTPE";
    if (unit == "B") {
      shift = 0;
    } else if (unit.size() >= 2 && kPrefixes.find(unit[0]) != std::string_view::npos &&
               (unit.substr(1) == "B" || unit.substr(1) == "iB")) {
      shift = 10 * int(kPrefixes.find(unit[0]) + 1);
    }
    if (shift < 0) {
      return Status::InvalidArgument("units: unknown unit " + std::string(unit) + " in " +
                                     std::string(s));
    }
    if (v > (std::numeric_limits<int64_t>::max() >> shift) ||
        total > std::numeric_limits<int64_t>::max() - (v << shift)) {
      return Status::InvalidArgument("units: size out of range " + internal::Quote(s));
    }
    total += v << shift;
  }
  return total;
}

}  // namespace ward::config
