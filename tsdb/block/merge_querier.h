// MergeQuerier: one storage::Querier over several (the head's and those of
// the blocks overlapping a query), merging their sorted series sets by
// labels; a series present in several sources gets one iterator that
// chains their samples by timestamp (a timestamp present in several keeps
// the value of the earliest source given). Modeled on Prometheus's
// storage/merge.go. The DB builds one per query (see README.md); it may move
// to storage/ once other storages need it.
// Thread safety: like every Querier, one per query/thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/interface.h"

namespace ward::tsdb::block {

class MergeQuerier final : public storage::Querier {
 public:
  // Takes ownership of the queriers. Order matters only for duplicate
  // timestamps: earlier queriers win.
  explicit MergeQuerier(std::vector<std::unique_ptr<storage::Querier>> queriers);

  // Always sorted by labels (each source is asked for a sorted set).
  std::unique_ptr<storage::SeriesSet> Select(bool sorted, const storage::SelectHints* hints,
                                             const std::vector<labels::Matcher>& matchers) override;
  // Sorted union of the sources' answers; the first error is returned.
  Result<std::vector<std::string>> LabelValues(
      const std::string& name, const std::vector<labels::Matcher>& matchers) override;
  Result<std::vector<std::string>> LabelNames(
      const std::vector<labels::Matcher>& matchers) override;

 private:
  std::vector<std::unique_ptr<storage::Querier>> qs_;
};

// Merges sorted series sets (exposed for tests and for callers that already
// hold sets).
std::unique_ptr<storage::SeriesSet> MergeSeriesSets(
    std::vector<std::unique_ptr<storage::SeriesSet>> sets);

}  // namespace ward::tsdb::block
