#include "rules/recording.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"

namespace ward::rules {

RecordingRule::RecordingRule(std::string record, promql::parser::ExprPtr expr, labels::Labels lbls,
                             std::shared_ptr<const Options> opts)
    : Rule(std::move(record), std::move(expr), std::move(lbls), std::move(opts)) {}

Result<promql::Vector> RecordingRule::Eval(int64_t ts_ms, int64_t query_offset_ms, int64_t limit) {
  WARD_ASSIGN_OR_RETURN(promql::Vector vec, RunQuery(ts_ms - query_offset_ms));
  labels::Builder b;
  for (promql::Sample& s : vec) {
    b.Reset(s.metric);
    b.Set(labels::kMetricName, name_);
    for (const auto& l : labels_) b.Set(l.name, l.value);
    s.metric = b.Build();
  }
  // Identical label sets after relabelling would overwrite each other.
  if (vec.size() > 1) {
    absl::flat_hash_set<uint64_t> hashes;
    hashes.reserve(vec.size());
    bool maybe_dup = false;
    for (const auto& s : vec) maybe_dup |= !hashes.insert(s.metric.Hash()).second;
    if (maybe_dup) {
      std::vector<const labels::Labels*> ls;
      ls.reserve(vec.size());
      for (const auto& s : vec) ls.push_back(&s.metric);
      std::sort(ls.begin(), ls.end(), [](auto* a, auto* b) { return *a < *b; });
      for (size_t i = 1; i < ls.size(); ++i) {
        if (*ls[i] == *ls[i - 1]) {
          return Status::Execution(
              "vector contains metrics with the same labelset after applying rule labels");
        }
      }
    }
  }
  if (limit > 0 && static_cast<int64_t>(vec.size()) > limit) {
    return Status::Execution("exceeded limit of " + std::to_string(limit) + " with " +
                             std::to_string(vec.size()) + " series");
  }
  return vec;
}

std::string RecordingRule::Definition() const {
  std::string out = "record: " + name_ + "\nexpr: " + query_ + "\n";
  if (!labels_.empty()) out += "labels: " + labels_.ToString() + "\n";
  return out;
}

}  // namespace ward::rules
