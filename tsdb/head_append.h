// HeadAppender: the storage::Appender of the head. Append checks a sample
// against the series' committed data and buffers it; Commit logs the batch to
// the WAL (one series record for the series this batch created, then one
// samples record) and only then makes the samples visible. Semantics follow
// Prometheus's headAppender (tsdb/head_append.go). Not thread-safe: one
// appender per batch and thread; many may run at once.
#pragma once

#include <string>
#include <vector>

#include "storage/interface.h"
#include "tsdb/head.h"
#include "tsdb/record/record.h"

namespace ward::tsdb {

class HeadAppender final : public storage::Appender {
 public:
  explicit HeadAppender(Head* head);
  ~HeadAppender() override;

  // Rejections: Rejected{kOutOfBounds} "out of bounds" when older than the
  // head's min valid time, {kOutOfOrder} "out of order sample" when older
  // than the series' newest sample, {kDuplicate} "duplicate sample for
  // timestamp" for the same timestamp with other value bits (same bits are
  // dropped silently), {kWriteDisabled} after a failed WAL fsync.
  // InvalidArgument for empty labels or a ref the head does not know.
  Result<storage::SeriesRef> Append(storage::SeriesRef ref, const labels::Labels& lset,
                                    int64_t t_ms, double v) override;
  Status Commit() override;
  Status Rollback() override;

 private:
  Head* const head_;
  const int read_slot_;  // registration in the head's epoch until done_
  const int64_t min_valid_time_;
  // Series to log in this batch's series record: those it created, and
  // those another batch created but has not logged yet (so that no samples
  // record ever names a ref the WAL does not know).
  std::vector<record::RefSeries> new_series_;
  std::vector<MemSeries*> new_series_ptrs_;  // parallel to new_series_
  std::vector<record::RefSample> samples_;
  std::vector<MemSeries*> sample_series_;  // parallel to samples_
  bool done_ = false;

  void AddUnloggedSeries();
  // Ends the batch: releases pending commits and the epoch registration.
  void Finish();
};

}  // namespace ward::tsdb
