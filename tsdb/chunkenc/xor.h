// XORChunk: Gorilla-compressed float samples (delta-of-delta timestamps, XOR
// values) producing exactly Prometheus's XOR chunk bytes (tsdb/chunkenc/xor.go)
// so ward's head chunk files and blocks are readable by Prometheus and back.
// Written by the head's appenders, read by queriers and compaction.
// Format: tsdb/docs/format/README.md (Prometheus tsdb-format/chunks.md).
// Thread-compatible: an XORChunk may be read by many threads at once but not
// while it is appended to; Iterators over Bytes() are independent values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tsdb/chunkenc/bstream.h"
#include "tsdb/chunkenc/chunk.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::tsdb::chunkenc {

class XORChunk {
 public:
  class Iterator;

  // Appends samples to its chunk; a thin handle kept inside the chunk.
  class Appender {
   public:
    void Append(int64_t t, double v) { c_->Append(t, v); }

   private:
    friend class XORChunk;
    XORChunk* c_ = nullptr;
  };

  // An empty chunk: the 2-byte big-endian sample count header, set to 0.
  XORChunk();

  // Copies b. Fails with Corruption if b is shorter than the 2-byte header.
  // The samples are checked lazily (iterators report Err(); GetAppender()
  // returns nullptr for a chunk whose bytes do not decode).
  static Result<XORChunk> FromBytes(std::string_view b);

  Encoding encoding() const { return Encoding::kXOR; }
  // The chunk's bytes as stored on disk. Valid until the next append.
  std::string_view Bytes() const { return b_; }
  int NumSamples() const {
    return (static_cast<uint8_t>(b_[0]) << 8) | static_cast<uint8_t>(b_[1]);
  }

  // Appends a sample. REQUIRES: no concurrent readers of this chunk; fewer
  // than 65535 samples; for a chunk built by FromBytes, GetAppender() has
  // returned non-null once. Timestamps should increase (not checked; the
  // head rejects out-of-order samples before they reach the chunk).
  void Append(int64_t t, double v);

  // Returns the chunk's appender (the same object each time), positioned
  // after the last sample; nullptr if the existing bytes are corrupt.
  // The pointer is valid while this chunk lives and is not moved or copied.
  Appender* GetAppender();

  // Iterates the samples. The iterator reads Bytes() in place: it is valid
  // while the chunk is neither appended to nor destroyed.
  Iterator NewIterator() const;
  // Iterates chunk bytes owned by someone else (e.g. an mmapped file),
  // without copying. Bytes must outlive the iterator.
  static Iterator IterateBytes(std::string_view b);

  // Drops spare capacity (call when a chunk is complete).
  void Compact();

 private:
  bool InitAppendState();

  std::string b_;          // header + bit stream
  uint8_t free_bits_ = 0;  // unused low bits of b_'s last byte
  bool append_ready_ = true;
  uint8_t leading_ = 0xff;
  uint8_t trailing_ = 0;
  int64_t t_ = 0;
  double v_ = 0;
  uint64_t t_delta_ = 0;
  Appender app_;
};

// Forward iterator over the samples of XOR chunk bytes, mirroring
// Prometheus's xorIterator (Next/Seek/At/Err).
class XORChunk::Iterator {
 public:
  Iterator() = default;
  explicit Iterator(std::string_view chunk_bytes) { Reset(chunk_bytes); }
  // Restarts on other chunk bytes (reuses the object, no allocation).
  void Reset(std::string_view chunk_bytes);

  // Advances to the next sample. False at the end or on error (see Err()).
  bool Next();
  // Advances to the first sample with timestamp >= t (staying put if the
  // current one qualifies). False if there is none or on error.
  bool Seek(int64_t t);
  // REQUIRES: the last Next()/Seek() returned true.
  void At(int64_t* t, double* v) const {
    *t = t_;
    *v = v_;
  }
  int64_t AtT() const { return t_; }
  double AtV() const { return v_; }
  // OK at the end of good data; Corruption if the bytes ended early or
  // held a bad varint.
  Status Err() const;

 private:
  friend class XORChunk;
  bool ReadValue();
  bool Fail(const char* why) {
    err_ = why;
    return false;
  }

  BitReader br_;
  uint16_t total_ = 0;
  uint16_t read_ = 0;
  int64_t t_ = 0;
  double v_ = 0;
  uint64_t t_delta_ = 0;
  uint8_t leading_ = 0;
  uint8_t trailing_ = 0;
  bool have_window_ = false;  // a leading/trailing window has been read
  const char* err_ = nullptr;
};

}  // namespace ward::tsdb::chunkenc
