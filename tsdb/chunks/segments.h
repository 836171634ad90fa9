// Block chunk segment files: the `chunks/` directory of a persistent block
// (files 000001, 000002, ... of at most 512 MiB), written once by the block
// writer and read through mmap by Block. Byte-compatible with Prometheus's
// tsdb/chunks (Writer / Reader). Also holds MmapFile and small fsync helpers
// shared by the index, tombstones and block code.
// Format: Prometheus tsdb-format/chunks.md, tsdb/docs/format/README.md.
// Thread safety: SegmentWriter is not thread-safe (one writer per block);
// SegmentReader and MmapFile are immutable after Open and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tsdb/chunkenc/chunk.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::tsdb::chunks {

inline constexpr uint32_t kMagicChunks = 0x85BD40DD;
inline constexpr uint8_t kChunksFormatV1 = 1;
inline constexpr int kSegmentHeaderSize = 8;  // magic(4) version(1) padding(3)
inline constexpr int64_t kDefaultMaxSegmentSize = int64_t{512} << 20;
// uvarint len (<=5) + encoding(1) + crc32c(4), besides the data.
inline constexpr int kMaxChunkOverhead = 5 + 1 + 4;

// A block chunk reference: segment sequence (0 for file 000001) in the upper
// 32 bits, byte offset of the chunk's len field in the lower 32.
inline uint64_t MakeBlockChunkRef(uint32_t seq, uint32_t offset) {
  return (uint64_t{seq} << 32) | offset;
}
inline uint32_t BlockChunkSeq(uint64_t ref) { return static_cast<uint32_t>(ref >> 32); }
inline uint32_t BlockChunkOffset(uint64_t ref) { return static_cast<uint32_t>(ref); }

// "<dir>/%06d" (index 1 is the first segment).
std::string SegmentFileName(const std::string& dir, uint32_t index);

// A whole file mapped read-only. Empty files map to an empty view.
class MmapFile {
 public:
  // IOError (naming the path) when the file cannot be opened or mapped.
  static Result<std::unique_ptr<MmapFile>> Open(const std::string& path);
  ~MmapFile();
  MmapFile(const MmapFile&) = delete;
  MmapFile& operator=(const MmapFile&) = delete;

  // Valid while this object lives.
  std::string_view data() const { return {data_, size_}; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MmapFile(std::string path, const char* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  const std::string path_;
  const char* data_;
  size_t size_;
};

// fsync of a directory (after creating or renaming entries in it).
Status SyncDir(const std::string& dir);
// Writes `data` to `path` (truncating) and fsyncs it.
Status WriteFileSync(const std::string& path, std::string_view data);

// Writes chunks into <dir>/000001... in the order given; references
// increase with every call, as the index requires.
class SegmentWriter {
 public:
  // Creates dir if needed. Segments are cut before max_segment_size would
  // be exceeded (a single larger chunk still gets its own segment).
  static Result<std::unique_ptr<SegmentWriter>> Open(
      const std::string& dir, int64_t max_segment_size = kDefaultMaxSegmentSize);
  ~SegmentWriter();  // closes without sync if Close was not called
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Appends one chunk and returns its reference. REQUIRES: not closed.
  Result<uint64_t> WriteChunk(chunkenc::Encoding enc, std::string_view data);
  // Flushes, fsyncs and closes the current segment and syncs the directory.
  Status Close();

  int64_t bytes_written() const { return total_bytes_; }

 private:
  SegmentWriter(std::string dir, int64_t max) : dir_(std::move(dir)), max_size_(max) {}
  Status Cut();
  Status Flush();
  Status FinishSegment();

  const std::string dir_;
  const int64_t max_size_;
  int fd_ = -1;
  uint32_t seq_ = 0;  // files written so far (current file is seq_)
  int64_t size_ = 0;  // bytes in the current segment (incl. buffered)
  int64_t total_bytes_ = 0;
  std::string buf_;  // buffered bytes of the current segment
  bool closed_ = false;
};

// Maps every segment of a block's chunks/ directory.
class SegmentReader {
 public:
  // Corruption (naming the file) for a bad header or a gap in numbering;
  // names that are not numbers are ignored (as Prometheus does); an empty
  // directory is fine.
  static Result<std::unique_ptr<SegmentReader>> Open(const std::string& dir);

  // The data bytes of the chunk at ref (CRC-checked) and its encoding. The
  // view points into the mapping and lives as long as this reader.
  // Corruption for a bad reference, truncation or checksum mismatch.
  Status Chunk(uint64_t ref, chunkenc::Encoding* enc, std::string_view* data) const;

  size_t num_segments() const { return segs_.size(); }
  int64_t Size() const;

 private:
  SegmentReader() = default;
  std::string dir_;
  std::vector<std::unique_ptr<MmapFile>> segs_;
};

}  // namespace ward::tsdb::chunks
