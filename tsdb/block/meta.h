// Block identity and metadata: ULIDs (the block directory names) and the
// block's meta.json, read and written exactly as Prometheus does
// (tsdb/block.go BlockMeta, oklog/ulid). Used by the block writer, Block and
// later by the compactor and retention.
// Thread safety: pure functions and plain values; NewULID is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/status.h"

namespace ward::tsdb::block {

inline constexpr char kMetaFilename[] = "meta.json";
inline constexpr int kMetaVersion1 = 1;
// ward only: the block may hold dense chunks (tsdb/docs/format/dense_chunks.md).
// Prometheus accepts version 1 only, so it skips such a block (logging an
// error) instead of serving queries from chunks it cannot decode;
// `wardtool tsdb convert --chunk-encoding=xor` writes version 1 again.
inline constexpr int kMetaVersionDense = 2;
inline constexpr char kTmpForCreationSuffix[] = ".tmp-for-creation";

// A new ULID: 48-bit milliseconds then 80 random bits, as 26 characters of
// Crockford base32 (sorts by time).
std::string NewULID(int64_t unix_ms);
// True when s is a well-formed ULID; *unix_ms (optional) gets its time.
bool ParseULID(std::string_view s, int64_t* unix_ms = nullptr);

struct BlockStats {
  uint64_t num_samples = 0;
  uint64_t num_series = 0;
  uint64_t num_chunks = 0;
  uint64_t num_tombstones = 0;  // written only when non-zero (omitempty)
};

struct BlockDesc {
  std::string ulid;
  int64_t min_time = 0;
  int64_t max_time = 0;
};

struct BlockMetaCompaction {
  int level = 1;
  std::vector<std::string> sources;
  std::vector<BlockDesc> parents;  // omitted when empty
  bool failed = false;             // omitted when false
  bool deletable = false;          // omitted when false
};

// meta.json. The block holds samples with min_time <= t < max_time.
struct BlockMeta {
  std::string ulid;
  int64_t min_time = 0;
  int64_t max_time = 0;
  BlockStats stats;
  BlockMetaCompaction compaction;
  int version = kMetaVersion1;
};

// The meta.json text (tab-indented like Go's json.MarshalIndent).
std::string EncodeMeta(const BlockMeta& m);
// Parses meta.json text; unknown fields are ignored. Corruption (prefixed by
// `what`) for malformed JSON, a missing or bad ulid, a version other than
// kMetaVersion1 or kMetaVersionDense, or
// min_time > max_time.
Result<BlockMeta> DecodeMeta(std::string_view text, const std::string& what = kMetaFilename);

// <dir>/meta.json, written via a .tmp file, fsynced and renamed.
Status WriteMetaFile(const std::string& dir, const BlockMeta& m);
Result<BlockMeta> ReadMetaFile(const std::string& dir);

}  // namespace ward::tsdb::block
