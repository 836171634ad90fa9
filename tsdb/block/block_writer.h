// WriteBlock: persists the samples of a sorted SeriesSet (typically the head
// querier over one block range) as a Prometheus block directory: chunks/
// segments, index, tombstones and meta.json, written into
// <dir>/<ULID>.tmp-for-creation, fsynced, then renamed to <dir>/<ULID>.
// Called by the DB's head compaction (and tools). Formats: tsdb/chunks,
// tsdb/index, tsdb/tombstones, meta.h.
// Thread safety: stateless; the source must not be used concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/interface.h"
#include "tsdb/block/meta.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/dense.h"
#include "tsdb/chunks/segments.h"
#include "util/result.h"

namespace ward::tsdb::block {

struct WriteBlockOptions {
  // meta.json compaction.level. Default: 1 (a block cut from the head).
  int compaction_level = 1;
  // meta.json compaction.sources. Default (empty): the new block's ULID.
  std::vector<std::string> sources;
  // meta.json compaction.parents: the blocks a compaction merged (their
  // directories are deleted after this block is in place). Default: none.
  std::vector<BlockDesc> parents;
  // The block's ULID. Default (empty): NewULID(now).
  std::string ulid;
  // Samples per chunk before a new chunk is cut. Default: 120 (Prometheus).
  int samples_per_chunk = 120;
  // Encoding of every chunk written: kXOR (Prometheus's format) or kDense
  // (ward's opt-in columnar format, tsdb/docs/format/dense_chunks.md, not
  // readable by Prometheus; `wardtool tsdb convert` turns it back into XOR).
  // A dense block's meta.json has version kMetaVersionDense (meta.h), so
  // Prometheus skips it rather than misread it. Default: kXOR.
  chunkenc::Encoding chunk_encoding = chunkenc::Encoding::kXOR;
  // Samples per chunk for kDense (samples_per_chunk applies to kXOR only).
  // Default: chunkenc::kDenseSamplesPerChunk.
  int dense_samples_per_chunk = chunkenc::kDenseSamplesPerChunk;
  // Bytes per chunk segment file. Default: 512 MiB.
  int64_t max_segment_size = chunks::kDefaultMaxSegmentSize;
};

// Writes the samples of `set` with mint <= t < maxt into a new block under
// `dir` and returns its ULID, or "" when there was no sample in range (no
// block is written then, as Prometheus does). REQUIRES: `set` yields series
// in strictly increasing label order (Select(sorted=true)); otherwise
// InvalidArgument. Errors of the set or of the file system are returned
// and the temporary directory is removed.
Result<std::string> WriteBlock(const std::string& dir, storage::SeriesSet& set, int64_t mint,
                               int64_t maxt, const WriteBlockOptions& opts = {});

// Same, selecting every series of `q` (sorted) over [mint, maxt).
Result<std::string> WriteBlock(const std::string& dir, storage::Querier& q, int64_t mint,
                               int64_t maxt, const WriteBlockOptions& opts = {});

}  // namespace ward::tsdb::block
