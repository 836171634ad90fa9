// The read side of the head: HeadQuerier (storage::Querier over [mint,maxt])
// and the series iterator over a series' full chunks (mmapped from
// chunks_head/ or in memory) followed by a copy of its open chunk. Select
// resolves postings, sorts by labels when asked, and snapshots each series lazily as the
// set advances. A querier, its series sets and their iterators pin the
// head's epoch (HeadReadPin), so Truncate frees nothing they can still see.
// Not thread-safe: one querier per query.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/interface.h"
#include "tsdb/chunkenc/xor.h"
#include "tsdb/head.h"

namespace ward::tsdb {

// The chunks of one series that overlap a query, snapshotted under the series
// lock. Views into full chunks live as long as the head; the open chunk is
// copied into `open_bytes`.
struct ChunkSnapshot {
  struct Ref {
    std::string_view bytes;
    int64_t mint, maxt;
  };
  std::vector<Ref> chunks;
  std::string open_bytes;  // the last entry of `chunks` may point here
  Status err;
  std::shared_ptr<const HeadReadPin> pin;  // keeps mmapped chunk files alive
  tombstones::Intervals deleted;           // the series' tombstones, skipped
  // The series' newest sample when the snapshot was taken (the last sample
  // of `chunks`), when known.
  bool has_last = false;
  int64_t last_t = 0;
  double last_v = 0;
};

// Iterates the samples of a snapshot that fall in [mint, maxt].
class HeadSampleIterator final : public storage::SampleIterator {
 public:
  HeadSampleIterator(std::shared_ptr<const ChunkSnapshot> snap, int64_t mint, int64_t maxt);
  storage::ValueType Next() override;
  storage::ValueType Seek(int64_t t) override;
  void At(int64_t* t, double* v) const override {
    *t = t_;
    *v = v_;
  }
  int64_t AtT() const override { return t_; }
  Status Err() const override { return err_; }

 private:
  bool OpenChunk(size_t i);
  storage::ValueType Done() {
    done_ = true;
    return storage::ValueType::kNone;
  }

  std::shared_ptr<const ChunkSnapshot> snap_;
  const int64_t mint_, maxt_;
  size_t idx_ = 0;
  size_t del_idx_ = 0;  // first interval of snap_->deleted not before t_
  bool started_ = false;
  bool done_ = false;
  bool valid_ = false;
  std::optional<chunkenc::XORChunk::Iterator> it_;
  int64_t t_ = 0;
  double v_ = 0;
  Status err_;
};

class HeadQuerier final : public storage::Querier {
 public:
  HeadQuerier(Head* head, int64_t mint, int64_t maxt)
      : head_(head),
        pin_(std::make_shared<HeadReadPin>(head)),
        tombstones_(head->Tombstones()),
        mint_(mint),
        maxt_(maxt) {}

  std::unique_ptr<storage::SeriesSet> Select(bool sorted, const storage::SelectHints* hints,
                                             const std::vector<labels::Matcher>& matchers) override;
  Result<std::vector<std::string>> LabelValues(
      const std::string& name, const std::vector<labels::Matcher>& matchers) override;
  Result<std::vector<std::string>> LabelNames(
      const std::vector<labels::Matcher>& matchers) override;

 private:
  bool Overlaps() const { return head_->MinTime() <= maxt_ && mint_ <= head_->MaxTime(); }

  Head* const head_;
  const std::shared_ptr<const HeadReadPin> pin_;
  const std::shared_ptr<const tombstones::MemTombstones> tombstones_;  // null: none
  const int64_t mint_, maxt_;
};

}  // namespace ward::tsdb
