// `wardtool tsdb print KIND PATH`: prints the on-disk formats ward writes
// (WAL and checkpoints, chunk snapshots, block index, block chunk segments,
// head chunk files, tombstones, meta.json) as plain text, one item a line,
// checking every checksum and stopping with a Corruption status at damage.
// Read-only; formats: tsdb/docs/format/README.md and memory_snapshot.md.
// Thread-compatible: pure functions over files, no shared state.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "util/status.h"

namespace ward::wardtool {

struct PrintOptions {
  // At most this many top-level items (records, series, chunks, symbols,
  // intervals) and entries within one record are printed; the rest is
  // still read and checked, and a "... N more" line says what was left
  // out. 0 prints everything. Default: 0.
  int64_t limit = 0;
};

// The KIND names accepted by PrintTsdb, space-separated, for help texts.
inline constexpr char kPrintKinds[] = "wal snapshot index chunks tombstones meta";

// Dispatches on kind (see kPrintKinds). Output goes to `out` even when the
// result is an error: everything read before the damage is printed, then a
// line naming it. Returns InvalidArgument for an unknown kind, NotFound or
// IOError for missing/unreadable paths, Corruption for damaged bytes
// (checksum mismatches, torn or undecodable data).
Status PrintTsdb(std::string_view kind, const std::string& path, const PrintOptions& opts,
                 std::ostream& out);

// PATH: a wal/ directory, a checkpoint.N directory or one segment file.
// Per record: `SEGMENT:OFFSET TYPE n=COUNT`, then its entries indented.
// OFFSET is where the record's first fragment starts (or the end of the
// previous record when page padding lies between them).
Status PrintWAL(const std::string& path, const PrintOptions& opts, std::ostream& out);
// PATH: a chunk_snapshot.N.M directory.
Status PrintSnapshot(const std::string& path, const PrintOptions& opts, std::ostream& out);
// PATH: a block's index file or the block directory.
Status PrintIndex(const std::string& path, const PrintOptions& opts, std::ostream& out);
// PATH: a block chunks/ directory or one of its segments, or a chunks_head/
// directory or one of its files (told apart by the file magic).
Status PrintChunks(const std::string& path, const PrintOptions& opts, std::ostream& out);
// PATH: a block's tombstones file or the block directory.
Status PrintTombstones(const std::string& path, const PrintOptions& opts, std::ostream& out);
// PATH: a block directory or its meta.json.
Status PrintMeta(const std::string& path, const PrintOptions& opts, std::ostream& out);

// "1", "0.25", "NaN", "StaleNaN", "+Inf", "-Inf": shortest round-trip form.
std::string FormatSampleValue(double v);

}  // namespace ward::wardtool
