// RecordingRule: evaluates an expression and records the result under a new
// metric name with the rule's labels (Prometheus's rules/recording.go). The
// group appends the returned samples and marks vanished series stale.
// Thread safety: as Rule (Eval is called by one group thread at a time).
#pragma once

#include <memory>
#include <string>

#include "rules/rule.h"

namespace ward::rules {

class RecordingRule final : public Rule {
 public:
  RecordingRule(std::string record, promql::parser::ExprPtr expr, labels::Labels lbls,
                std::shared_ptr<const Options> opts);

  bool IsAlerting() const override { return false; }

  // Result samples get __name__ = record and the rule labels (overwriting).
  // Errors: "vector contains metrics with the same labelset after applying
  // rule labels", "exceeded limit of N with M series", query errors.
  Result<promql::Vector> Eval(int64_t ts_ms, int64_t query_offset_ms, int64_t limit) override;

  std::string Definition() const override;
};

}  // namespace ward::rules
