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

class XORChunk;

// The appender of an XORChunk: the chunk itself seen through its append
// method (an empty base, so it costs no bytes).
class XORChunkAppender {
 public:
  void Append(int64_t t, double v);
};

// The chunk holds its bytes in one malloc'ed buffer that grows with the
// data to the next malloc size class (32-byte steps up to 248 bytes, then
// about an eighth at a time; never by doubling), so an open head chunk
// wastes little: sizeof(XORChunk) is 40 bytes.
class XORChunk : public XORChunkAppender {
 public:
  class Iterator;
  using Appender = XORChunkAppender;

  // An empty chunk: the 2-byte big-endian sample count header, set to 0.
  XORChunk();
  // No chunk at all (has_buffer() false, as a moved-from chunk): a cheap
  // placeholder that allocates nothing. Only has_buffer(), assignment and
  // destruction are allowed on it.
  struct NoBuffer {};
  explicit XORChunk(NoBuffer) {}
  bool has_buffer() const { return buf_ != nullptr; }
  ~XORChunk();
  XORChunk(const XORChunk& o);
  XORChunk& operator=(const XORChunk& o);
  XORChunk(XORChunk&& o) noexcept;
  XORChunk& operator=(XORChunk&& o) noexcept;

  // Copies b. Fails with Corruption if b is shorter than the 2-byte header
  // or longer than any chunk can be. The samples are checked lazily (iterators report
  // Err(); GetAppender() returns nullptr for a chunk whose bytes do not
  // decode).
  static Result<XORChunk> FromBytes(std::string_view b);

  Encoding encoding() const { return Encoding::kXOR; }
  // The chunk's bytes as stored on disk. Valid until the next append.
  std::string_view Bytes() const { return std::string_view(buf_, size_); }
  int NumSamples() const {
    return (static_cast<uint8_t>(buf_[0]) << 8) | static_cast<uint8_t>(buf_[1]);
  }
  // Bytes of the buffer (for memory accounting).
  size_t capacity() const;

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
  // Makes room for `n` more bytes (keeps the contents).
  void Reserve(size_t n);
  // Bits the value part of a sample with these bits takes (after the first).
  int ValueBits(uint64_t vbits) const;
  // Writes the value part of a sample (after the first) and updates the
  // value window.
  template <typename W>
  void WriteValue(W* w, uint64_t vbits);

  char* buf_ = nullptr;     // header + bit stream (malloc'ed)
  uint32_t size_ = 0;       // bytes used
  uint8_t cap_class_ = 0;   // capacity: kCapacities[cap_class_]
  uint8_t free_bits_ = 0;   // unused low bits of the last byte (8: a whole free byte)
  uint8_t leading_ = 0xff;  // current value window; 0xff: none yet
  uint8_t trailing_ = 0;
  int64_t t_ = 0;
  uint64_t v_bits_ = 0;
  uint64_t t_delta_ = 0;
  bool append_ready() const { return leading_ != 0xfe; }
  // leading_ holds 0xfe until InitAppendState ran on bytes from FromBytes.
};

inline void XORChunkAppender::Append(int64_t t, double v) {
  static_cast<XORChunk*>(this)->Append(t, v);
}

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
