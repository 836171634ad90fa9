// Block: one persistent block directory (meta.json, index, chunks/,
// tombstones) opened read-only through mmap, and its Querier, which resolves
// matchers over the index postings and decodes chunks lazily, hiding samples
// covered by tombstones. The DB opens every block at startup and merges
// their queriers with the head's. Formats: meta.h, tsdb/index, tsdb/chunks
// (segments.h), tsdb/tombstones.
// Thread safety: Block is thread-safe (its files are immutable after Open;
// Delete swaps in a new tombstone set under a mutex, queriers keep the set
// they started with); each querier and series set is for one thread.
// Queriers and their iterators hold a shared_ptr to the Block, so it stays
// mapped while read.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/interface.h"
#include "tsdb/block/meta.h"
#include "tsdb/chunks/segments.h"
#include "tsdb/index/index.h"
#include "tsdb/tombstones/tombstones.h"
#include "util/result.h"

namespace ward::tsdb::block {

class Block : public storage::Queryable, public std::enable_shared_from_this<Block> {
 public:
  // Opens and validates the block in `dir`. Every failure names the block
  // directory and the file at fault: Corruption for bad or missing
  // meta.json, index, chunk segments or tombstones; IOError when the OS
  // refuses. The DB moves such a block aside.
  static Result<std::shared_ptr<Block>> Open(const std::string& dir);

  // A copy of meta.json's contents (stats.num_tombstones follows Delete).
  BlockMeta meta() const;
  const std::string& dir() const { return dir_; }
  // Samples satisfy MinTime() <= t < MaxTime().
  int64_t MinTime() const { return meta_.min_time; }
  int64_t MaxTime() const { return meta_.max_time; }
  // Bytes on disk (index + chunks + tombstones + meta).
  int64_t Size() const { return size_; }

  const index::IndexReader& index() const { return *index_; }
  const chunks::SegmentReader& chunks() const { return *chunks_; }
  // The current tombstones (a snapshot: later Deletes do not change it).
  std::shared_ptr<const tombstones::MemTombstones> tombstones() const;
  // meta() with the current stats.num_tombstones.
  uint64_t NumTombstones() const { return tombstones()->NumIntervals(); }

  // Marks samples with mint <= t <= maxt of every series matching `ms` as
  // deleted: rewrites the tombstones file, then meta.json's numTombstones
  // (as Prometheus's Block.Delete). Series without a chunk overlapping the
  // range get no tombstone. Queriers opened earlier are unaffected.
  Status Delete(int64_t mint, int64_t maxt, const std::vector<labels::Matcher>& ms);

  // A querier over samples with mint <= t <= maxt (inclusive, as for every
  // storage::Querier).
  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override;

 private:
  Block() = default;

  std::string dir_;
  BlockMeta meta_;
  std::unique_ptr<index::IndexReader> index_;
  std::unique_ptr<chunks::SegmentReader> chunks_;
  int64_t size_ = 0;

  mutable std::mutex mu_;  // guards tombstones_ and meta_.stats on Delete
  std::shared_ptr<const tombstones::MemTombstones> tombstones_;
};

// Sorted series ids of `ix` selected by `ms`, with the same semantics as the
// head's postings (Prometheus's PostingsForMatchers): no matchers select
// nothing; matchers accepting "" also select series lacking the label.
Result<std::vector<uint32_t>> PostingsForMatchers(const index::IndexReader& ix,
                                                  const std::vector<labels::Matcher>& ms);

}  // namespace ward::tsdb::block
