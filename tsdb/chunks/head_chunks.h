// ChunkDiskMapper: the head's full chunks, written to <data>/chunks_head/
// files (000001, 000002, ...) in Prometheus's head chunk format and read back
// through mmap, so resident memory holds only open chunks. The head writes a
// chunk when it is cut, keeps the returned reference, and replays all chunks
// on startup (IterateAllChunks). Byte-compatible with Prometheus 2.x/3.x.
// Format: tsdb/docs/format/README.md (Prometheus tsdb-format/head_chunks.md).
// Thread-safe: writes are serialised by a mutex, reads share a reader lock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "tsdb/chunkenc/chunk.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::tsdb::chunks {

inline constexpr uint32_t kMagicHeadChunks = 0x0130BC91;
inline constexpr uint8_t kHeadChunksFormatV1 = 1;
inline constexpr int kHeadChunkFileHeaderSize = 8;  // magic(4) version(1) padding(3)
inline constexpr int64_t kMaxHeadChunkFileSize = 128 << 20;
// series ref(8) mint(8) maxt(8) encoding(1) len(<=5 uvarint) crc32c(4).
inline constexpr int kMaxHeadChunkMetaSize = 8 + 8 + 8 + 1 + 5 + 4;
// Highest bit of the encoding byte: an out-of-order head chunk.
inline constexpr uint8_t kOutOfOrderMask = 0x80;

// ChunkDiskMapperRef: file index in the upper 32 bits, byte offset of the
// chunk's series ref field in the lower 32.
inline uint64_t MakeChunkRef(uint32_t file_index, uint32_t offset) {
  return (uint64_t{file_index} << 32) | offset;
}
inline uint32_t ChunkRefFile(uint64_t ref) { return static_cast<uint32_t>(ref >> 32); }
inline uint32_t ChunkRefOffset(uint64_t ref) { return static_cast<uint32_t>(ref); }

// "<dir>/%06d".
std::string HeadChunkFileName(const std::string& dir, uint32_t index);

class ChunkDiskMapper {
 public:
  using IterateFn =
      std::function<Status(uint64_t series_ref, uint64_t chunk_ref, int64_t mint, int64_t maxt,
                           uint16_t num_samples, chunkenc::Encoding enc, bool out_of_order)>;

  // Opens dir (creating it), maps the existing files and checks their
  // headers. An empty or zero-magic last file (crash right after creation)
  // is deleted, as Prometheus does. Writing starts in a new file.
  // Corruption for bad headers or a gap in file numbers.
  static Result<std::unique_ptr<ChunkDiskMapper>> Open(
      const std::string& dir, int64_t max_file_size = kMaxHeadChunkFileSize);
  ~ChunkDiskMapper();  // Close()s; errors are dropped
  ChunkDiskMapper(const ChunkDiskMapper&) = delete;
  ChunkDiskMapper& operator=(const ChunkDiskMapper&) = delete;

  // Appends a chunk to the current file (cutting a new file when this one
  // would exceed max_file_size) and returns its reference. The bytes reach
  // the OS before this returns (readable via Chunk); Sync makes them durable.
  Result<uint64_t> WriteChunk(uint64_t series_ref, int64_t mint, int64_t maxt,
                              chunkenc::Encoding enc, std::string_view data,
                              bool out_of_order = false);

  // The chunk data bytes (CRC-checked). The view points into the mmapped
  // file and stays valid until Truncate removes that file or Close.
  // Corruption for a bad reference or checksum.
  Result<std::string_view> Chunk(uint64_t ref) const;

  // Calls fn for each chunk on disk in file/offset order (replay), reading
  // each chunk's sample count from its data. A torn or corrupt chunk ends
  // the replay: that file is cut just before it and all later files are
  // deleted (the head rebuilds those samples from the WAL); the call still
  // returns OK and `*dropped_bytes` (optional) says how much was removed.
  // An error returned by fn stops the iteration and is returned.
  Status IterateAllChunks(const IterateFn& fn, int64_t* dropped_bytes = nullptr);

  // Makes the next WriteChunk start a new file.
  Status CutNewFile();
  // fdatasync of the current file.
  Status Sync();
  // Syncs and unmaps everything. Further calls fail.
  Status Close();
  // Deletes files with index < file_index_before, never the current file.
  // When the current file holds chunks, the next write cuts a new file.
  Status Truncate(uint32_t file_index_before);

  // Index of the newest file on disk (0 when there is none).
  uint32_t CurrentFile() const;
  // Total bytes of all files (for retention / metrics).
  int64_t Size() const;

 private:
  struct File;
  ChunkDiskMapper(std::string dir, int64_t max_file_size);
  Status OpenFiles();
  Status CutLocked(int64_t first_chunk_bytes);  // REQUIRES: write_mu_ held
  Status FinalizeCurrentLocked();               // REQUIRES: write_mu_ held
  Status Corrupt(uint32_t file, const std::string& why) const;
  // Cuts file `index` to `size` and deletes all later files.
  // REQUIRES: write_mu_ held, mu_ not held.
  Status DropFrom(uint32_t index, int64_t size, int64_t* dropped_bytes);

  const std::string dir_;
  const int64_t max_file_size_;

  // Serialises writers (WriteChunk, cut, truncate); taken before mu_.
  std::mutex write_mu_;
  uint32_t cur_ = 0;       // current file index, 0 = none    (write_mu_)
  int cur_fd_ = -1;        //                                 (write_mu_)
  int64_t cur_size_ = 0;   // bytes written to the current file (write_mu_)
  bool cut_next_ = false;  //                                 (write_mu_)
  std::string buf_;        // scratch for one chunk's bytes   (write_mu_)

  // Guards the file map and the sizes readers may see.
  mutable std::shared_mutex mu_;
  std::map<uint32_t, std::unique_ptr<File>> files_;
  bool closed_ = false;
};

}  // namespace ward::tsdb::chunks
