// WL: the write-ahead log (and the checkpoint/WBL container format) in
// Prometheus's on-disk layout: numbered 128 MiB segment files (00000000, ...)
// of 32 KiB pages holding CRC-32C-checked record fragments, optionally
// snappy- or zstd-compressed per record. The head logs series/sample records
// (tsdb/record) here before acknowledging appends; Reader replays them.
// Format: tsdb/docs/format/README.md (Prometheus tsdb-format/wal.md).
// Thread-safe: every WL method takes an internal mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.h"
#include "util/status.h"

namespace ward::tsdb::wlog {

inline constexpr int kPageSize = 32 * 1024;
inline constexpr int kRecordHeaderSize = 7;  // type(1) len(2, BE) crc32c(4, BE)
inline constexpr int64_t kDefaultSegmentSize = 128 << 20;

// Fragment type byte: low 3 bits are the fragment kind, then flags.
enum FragmentType : uint8_t {
  kPageTerm = 0,  // rest of the page is zero padding
  kFull = 1,
  kFirst = 2,
  kMiddle = 3,
  kLast = 4,
};
inline constexpr uint8_t kFragmentTypeMask = 0x07;
inline constexpr uint8_t kSnappyFlag = 0x08;
inline constexpr uint8_t kZstdFlag = 0x10;

enum class Compression { kNone, kSnappy, kZstd };
// "none", "snappy", "zstd" (Prometheus's --storage.tsdb.wal-compression-type).
std::string_view CompressionName(Compression c);
// Parses the names above; InvalidArgument otherwise.
Result<Compression> ParseCompression(std::string_view name);

struct Options {
  // Segment file size; a multiple of kPageSize. Default: 128 MiB.
  int64_t segment_size = kDefaultSegmentSize;
  // Per-record compression of new records. Readers handle all kinds
  // regardless. Default: none.
  Compression compression = Compression::kNone;
};

// "<dir>/%08d".
std::string SegmentName(const std::string& dir, int index);

// The numbered segment files in dir as (index, file name), ascending.
// Non-numeric names (checkpoint.*, *.tmp) are ignored. Corruption if the
// indices have a gap; IOError if dir cannot be read.
Result<std::vector<std::pair<int, std::string>>> ListSegments(const std::string& dir);
// {first, last} segment index in dir, or {-1, -1} when there is none.
Result<std::pair<int, int>> SegmentRange(const std::string& dir);

class WL;
Status Repair(const std::string& dir, int segment, int64_t offset, Options opts);

class WL {
 public:
  // Opens (creating if needed) the log in dir and starts a NEW segment after
  // the last existing one, as Prometheus does (and after the last
  // checkpoint's index, should a checkpoint cover every segment); existing
  // segments are never written again. Replay them with Reader first.
  static Result<std::unique_ptr<WL>> Open(const std::string& dir, Options opts = {});
  ~WL();  // Close()s if still open; errors are dropped (call Close to see them)
  WL(const WL&) = delete;
  WL& operator=(const WL&) = delete;

  // Appends records as one batch: they go to the page buffer, full pages and
  // then the batch's partial page are written to the OS (not fsynced). A
  // record that does not fit in the rest of the segment starts a new one;
  // records never span segments. Empty records are allowed.
  Status Log(const std::vector<std::string_view>& records);
  Status Log(std::string_view record);

  // Writes the partial page to the OS (Log already does this per batch).
  Status Flush();
  // Flush + fdatasync of the active segment (and of any segment completed
  // since the last Sync). The fsync runs without the lock, so Log() calls
  // from other threads proceed meanwhile. After a failed Sync the state on
  // disk is unknown: callers stop appending.
  Status Sync();
  // Pads the last page, syncs and closes. Further calls fail.
  Status Close();

  // Pads the current page and starts segment ActiveSegment()+1.
  Status NextSegment();
  int ActiveSegment() const;
  // {first, last} segment index on disk.
  Result<std::pair<int, int>> Segments() const;
  // Deletes the segments with index < i (after a checkpoint).
  Status Truncate(int i);

  // Repairs the log after Reader reported `corruption` (see wlog::Repair):
  // the active segment is dropped, the log is cut at the corruption, and a
  // new active segment follows the repaired one.
  Status Repair(const Status& corruption);

  const std::string& dir() const { return dir_; }
  Compression compression() const { return opts_.compression; }

 private:
  friend Status Repair(const std::string& dir, int segment, int64_t offset, Options opts);
  WL(std::string dir, Options opts);
  Status CreateSegment(int index);  // REQUIRES: mu_ held
  Status LogOne(std::string_view rec, bool final);
  Status FlushPage(bool clear);
  Status NextSegmentLocked();
  Status SyncLocked();
  Status CloseLocked();

  const std::string dir_;
  const Options opts_;

  mutable std::mutex mu_;
  int fd_ = -1;                    // active segment
  int segment_ = -1;               // its index
  int done_pages_ = 0;             // pages completed in the active segment
  std::vector<int> unsynced_fds_;  // completed segments awaiting fsync+close
  std::unique_ptr<char[]> page_;   // kPageSize bytes
  int alloc_ = 0;                  // bytes used in page_
  int flushed_ = 0;                // bytes of page_ written to the OS
  bool closed_ = false;
  std::string compress_buf_;
  void* zstd_cctx_ = nullptr;
};

// Truncates the log in dir at a corruption reported by Reader::Err() (or at
// segment/offset directly): deletes every segment after the corrupt one and
// rewrites the corrupt segment with its records that end at or before the
// offset (like Prometheus's WL.Repair). Callers log that data was dropped.
// REQUIRES: no WL is writing to dir (use WL::Repair then).
// InvalidArgument if the status does not carry a WAL position.
Status Repair(const std::string& dir, const Status& corruption, Options opts = {});
Status Repair(const std::string& dir, int segment, int64_t offset, Options opts = {});

// Extracts the position from a Reader corruption status.
bool ParseCorruption(const Status& s, int* segment, int64_t* offset);

}  // namespace ward::tsdb::wlog
