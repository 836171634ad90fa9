// Chunk snapshot of the head, written on a clean shutdown so that the next
// start loads every series with its open chunk (and the head's tombstones)
// in one pass instead of replaying the whole WAL: Prometheus's
// memory-snapshot-on-shutdown (tsdb/head_wal.go). A snapshot is a directory
// <data>/chunk_snapshot.NNNNNN.MMMMMMMMMM (N = last WAL segment, M = byte
// offset in it up to which the WAL was written) holding WAL-format segments
// of snapshot records; startup loads it, attaches chunks_head, then replays
// only the WAL after (N, M). The WAL itself is never shortened by a
// snapshot, so deleting one is always safe (the next start replays fully).
// Format: tsdb/docs/format/memory_snapshot.md (Prometheus
// tsdb-format/memory_snapshot.md). Head's methods: head.h. The functions
// here are stateless and thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/labels/labels.h"
#include "tsdb/tombstones/tombstones.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::tsdb {

inline constexpr char kChunkSnapshotPrefix[] = "chunk_snapshot.";
// ward's extra file in a snapshot directory: "<segment> <size>\n" per WAL
// segment up to the snapshot's, as they were when it was written.
inline constexpr char kSnapshotWALSizesFile[] = "wal_sizes";

// First byte of each snapshot record (not the WAL's record types).
inline constexpr uint8_t kSnapshotRecordSeries = 1;
inline constexpr uint8_t kSnapshotRecordTombstones = 2;
inline constexpr uint8_t kSnapshotRecordExemplars = 3;

// Where a snapshot was taken: the WAL held everything up to `offset` bytes
// of segment `segment`. segment < 0: no snapshot.
struct ChunkSnapshotPosition {
  int segment = -1;
  int64_t offset = 0;
  std::string dir;  // the snapshot directory (full path)
  bool loaded() const { return segment >= 0; }
};

struct ChunkSnapshotStats {
  uint64_t series = 0;
  uint64_t head_chunks = 0;
  uint64_t bytes = 0;  // record bytes before compression
  std::string dir;
};

// "<root>/chunk_snapshot.%06d.%010d".
std::string ChunkSnapshotDir(const std::string& root, int segment, int64_t offset);

// The newest snapshot directory in root (highest segment, then offset).
// NotFound when there is none; Corruption when an entry named
// chunk_snapshot.N.M is not a directory (as Prometheus). Names that do not
// parse (e.g. *.tmp leftovers) are ignored.
Result<ChunkSnapshotPosition> LastChunkSnapshot(const std::string& root);

// Deletes the snapshots older than (max_segment, max_offset); the defaults
// delete all. With `tmp` also the unfinished chunk_snapshot.*.tmp dirs.
Status DeleteChunkSnapshots(const std::string& root,
                            int max_segment = std::numeric_limits<int>::max(),
                            int64_t max_offset = std::numeric_limits<int64_t>::max(),
                            bool tmp = false);

// One decoded series record. Views point into the record bytes.
struct SnapshotSeries {
  uint64_t ref = 0;
  labels::Labels lset;
  int64_t chunk_range = 0;  // unused since Prometheus 2.4x; written as the head's range
  bool has_chunk = false;
  int64_t mint = 0;
  int64_t maxt = 0;
  uint8_t encoding = 0;
  std::string_view chunk;
  // Prometheus 2.42's sampleBuf: the chunk's last (up to) four samples,
  // newest in [3]; later versions write zeros and the last value in [3].v.
  int64_t buf_t[4] = {0, 0, 0, 0};
  double buf_v[4] = {0, 0, 0, 0};
};

// Appends a series record to *out. `chunk` empty means no open chunk. The
// sample buffer gets the chunk's last min(n, 4) samples, right-aligned
// (Prometheus 2.42 serves a head chunk's last four samples from it).
// Label pairs come from `label_at(i, &name, &value)` for i < nlabels, in order.
template <typename LabelAt>
void EncodeSnapshotSeries(std::string* out, uint64_t ref, uint32_t nlabels, LabelAt label_at,
                          int64_t chunk_range, std::string_view chunk, int64_t mint, int64_t maxt);

// Parses a series record; Corruption for a wrong type, truncation or
// trailing bytes.
Status DecodeSnapshotSeries(std::string_view rec, SnapshotSeries* out);

// A tombstones record: uvarint length, then Prometheus's tombstones.Encode
// bytes: format version 1 <1>, then per interval uvarint ref, varint mint,
// varint maxt (no magic, no checksum: unlike the block file).
void EncodeSnapshotTombstones(const tombstones::MemTombstones& ts, std::string* out);
// Appends the intervals to *out; Corruption for a bad version or varint.
Status DecodeSnapshotTombstones(std::string_view rec,
                                std::vector<std::pair<uint64_t, tombstones::Interval>>* out);

namespace snapshot_internal {
void PutSeriesHeader(std::string* out, uint64_t ref, uint32_t nlabels);
void PutLabel(std::string* out, std::string_view name, std::string_view value);
void PutChunk(std::string* out, int64_t chunk_range, std::string_view chunk, int64_t mint,
              int64_t maxt);
}  // namespace snapshot_internal

template <typename LabelAt>
void EncodeSnapshotSeries(std::string* out, uint64_t ref, uint32_t nlabels, LabelAt label_at,
                          int64_t chunk_range, std::string_view chunk, int64_t mint, int64_t maxt) {
  snapshot_internal::PutSeriesHeader(out, ref, nlabels);
  for (uint32_t i = 0; i < nlabels; ++i) {
    std::string_view n, v;
    label_at(i, &n, &v);
    snapshot_internal::PutLabel(out, n, v);
  }
  snapshot_internal::PutChunk(out, chunk_range, chunk, mint, maxt);
}

}  // namespace ward::tsdb
