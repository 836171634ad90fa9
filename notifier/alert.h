// Alert: one alert as rules hand it to the notifier and the notifier sends it
// to Alertmanager (API v2 `postableAlert`). A plain value type shared by
// rules/ (producer) and notifier/ (consumer), so neither depends on the other.
#pragma once

#include <cstdint>
#include <string>

#include "model/labels/labels.h"

namespace ward::notifier {

struct Alert {
  labels::Labels labels;       // includes alertname; external labels added by the notifier
  labels::Labels annotations;  // expanded annotation texts
  int64_t starts_at_ms = 0;    // 0: unset (omitted from the JSON)
  int64_t ends_at_ms = 0;      // 0: unset
  std::string generator_url;   // link back to the expression ("" when unknown)

  // Alertmanager resolves an alert whose end lies in the past.
  bool Resolved(int64_t now_ms) const { return ends_at_ms != 0 && ends_at_ms <= now_ms; }
};

}  // namespace ward::notifier
