// Reader: replays the records of WAL segments (or a checkpoint directory) in
// order, joining fragments across pages, decompressing, and stopping at the
// first damaged byte with its position so Repair can cut the log there.
// Mirrors Prometheus's wlog.Reader over a segment range. Segments are
// memory-mapped and read in place. Format: tsdb/docs/format/README.md.
// Thread-compatible: one thread drives a Reader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/status.h"

namespace ward::tsdb::wlog {

class Reader {
 public:
  struct SegmentFile {
    int index;
    std::string path;
  };

  // Reads segments first..last (inclusive; -1 leaves that end open) of dir.
  // A checkpoint directory is read the same way.
  // `first_offset` skips that many bytes of the first segment read (a
  // chunk snapshot's WAL position; page padding is found from the absolute
  // position, so any offset a writer reported is a valid start).
  static Result<std::unique_ptr<Reader>> Open(const std::string& dir, int first = -1, int last = -1,
                                              int64_t first_offset = 0);
  explicit Reader(std::vector<SegmentFile> segments, int64_t first_offset = 0);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Advances to the next record. False at the end of the last segment or on
  // error; then check Err().
  bool Next();
  // The current record, decompressed. Valid until the next Next().
  std::string_view Record() const { return rec_; }
  // OK at a clean end. Otherwise Corruption whose message names the segment
  // and offset (see ParseCorruption in wlog.h), or IOError.
  Status Err() const { return err_; }
  // Index of the segment being read (of the damage after an error).
  int Segment() const;
  // After Next() returned true: byte offset just past the current record in
  // its segment. After a corruption: offset where the damaged record starts
  // (everything before it is good).
  int64_t Offset() const { return offset_; }

 private:
  bool OpenSegment(size_t i);
  void CloseSegment();
  bool Corrupt(int64_t at, const std::string& why);
  bool Decompress(uint8_t flags, std::string_view data);

  std::vector<SegmentFile> segs_;
  int64_t first_offset_ = 0;    // start position in segs_[0]
  size_t cur_ = 0;              // index into segs_
  const char* data_ = nullptr;  // mmapped segment
  size_t size_ = 0;
  size_t pos_ = 0;      // read position in the segment
  size_t dropped_ = 0;  // bytes released with madvise
  bool opened_ = false;
  std::string_view rec_;
  std::string buf_;  // joined fragments
  std::string dec_;  // decompressed record
  int64_t offset_ = 0;
  Status err_;
  void* zstd_dctx_ = nullptr;
};

}  // namespace ward::tsdb::wlog
