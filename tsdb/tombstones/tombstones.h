// Tombstones: deleted time ranges per series of a persistent block, kept in
// the block's `tombstones` file. The block reader hides samples inside them;
// deletes (and compaction) write a new file. Byte-compatible with
// Prometheus's tsdb/tombstones. Format: Prometheus tsdb-format/tombstones.md.
// Thread safety: MemTombstones is thread-compatible (read concurrently, but
// not while it is being modified); the file functions are stateless.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::tsdb::tombstones {

inline constexpr uint32_t kMagicTombstone = 0x0130BA30;
inline constexpr uint8_t kTombstoneFormatV1 = 1;
inline constexpr int kTombstoneHeaderSize = 5;  // magic(4) version(1)
inline constexpr char kTombstonesFilename[] = "tombstones";

// A closed time range [mint, maxt] in milliseconds.
struct Interval {
  int64_t mint = 0;
  int64_t maxt = 0;
  bool InBounds(int64_t t) const { return mint <= t && t <= maxt; }
  bool operator==(const Interval&) const = default;
};

// Sorted, non-overlapping, non-adjacent intervals.
using Intervals = std::vector<Interval>;

// Adds iv to ivs keeping the invariant (merges overlapping or adjacent).
void AddInterval(Intervals* ivs, Interval iv);

// Tombstones of one block, by series ref (the index's series id).
class MemTombstones {
 public:
  void AddInterval(uint64_t ref, Interval iv);
  // The intervals of ref, or null when it has none. Valid until the next
  // modification.
  const Intervals* Get(uint64_t ref) const;
  size_t NumSeries() const { return m_.size(); }
  uint64_t NumIntervals() const;
  // (ref, intervals) sorted by ref.
  std::vector<std::pair<uint64_t, const Intervals*>> Sorted() const;
  bool empty() const { return m_.empty(); }

 private:
  absl::flat_hash_map<uint64_t, Intervals> m_;
};

// The file's bytes: header, entries sorted by series ref, CRC32C of the
// entries.
std::string Encode(const MemTombstones& ts);
// Parses file bytes. Corruption (prefixed with `what`) for a short file,
// bad magic, unknown version, checksum mismatch or bad varints.
Result<MemTombstones> Decode(std::string_view b, const std::string& what = "tombstones");

// Writes <dir>/tombstones (via a .tmp file, fsynced, renamed). Returns the
// file size.
Result<int64_t> WriteFile(const std::string& dir, const MemTombstones& ts);
// Reads <dir>/tombstones; a missing file is an empty set. *size (optional)
// gets the file size.
Result<MemTombstones> ReadFile(const std::string& dir, int64_t* size = nullptr);

}  // namespace ward::tsdb::tombstones
