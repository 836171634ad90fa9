// Block compaction planning and execution (Prometheus's tsdb/compact.go
// LeveledCompactor): which persistent blocks to merge next, and writing the
// merged block. The DB calls Plan after each head cut and runs
// CompactBlocks on the result until the plan is empty; parents are deleted
// by the DB once the merged block is in place (and on Open, any block named
// as a parent by another present block is deleted).
// Plan order: first any run of overlapping blocks (vertical compaction,
// e.g. after a backfill), else the oldest group of adjacent blocks that
// fills one of the ranges 2h, 6h, 18h, ... (never the newest block, which
// the head may still extend).
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tsdb/block/block.h"
#include "tsdb/block/meta.h"
#include "tsdb/chunkenc/chunk.h"
#include "util/result.h"

namespace ward::tsdb {

// {min, min*f, min*f^2, ...} with `steps` entries (Prometheus's
// ExponentialBlockRanges).
std::vector<int64_t> ExponentialBlockRanges(int64_t min_ms, int steps, int64_t factor);

// The ranges the DB compacts into: ExponentialBlockRanges(min, 10, 3)
// without those above max_ms (at least {min_ms}).
std::vector<int64_t> CompactionRanges(int64_t min_ms, int64_t max_ms);

// Indexes (into `metas`, any order) of the blocks to merge next, sorted by
// min time; empty when nothing is due. `ranges` as CompactionRanges.
std::vector<size_t> PlanCompaction(const std::vector<block::BlockMeta>& metas,
                                   const std::vector<int64_t>& ranges);

// Merges `parents` (at least one) into a new block under `dir`: every
// sample of the parents not hidden by their tombstones, over
// [min parent min_time, max parent max_time); on equal timestamps the
// parent listed first wins. compaction.level = max parent level + 1,
// sources = sorted union of the parents' sources, parents listed. Returns
// the ULID, or "" when the parents held no sample (nothing is written).
// The parents are not touched. Chunks are written in `chunk_encoding`
// (kXOR with samples_per_chunk per chunk, or kDense with
// chunkenc::kDenseSamplesPerChunk), whatever the parents' encodings.
Result<std::string> CompactBlocks(const std::string& dir,
                                  const std::vector<std::shared_ptr<block::Block>>& parents,
                                  int samples_per_chunk = 120,
                                  chunkenc::Encoding chunk_encoding = chunkenc::Encoding::kXOR);

}  // namespace ward::tsdb
