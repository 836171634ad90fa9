// Dense chunks: ward's opt-in columnar encoding (Encoding::kDense, 0x90) for
// the chunks of compacted and backfilled blocks. Timestamps are zig-zag
// varint delta-of-deltas; values are decimal mantissas when (nearly) every
// value is m / 10^k exactly, else the float bit patterns, as raw, delta or
// delta-of-delta residuals bit-packed in groups of 256 (or XORed bytes when
// smaller); the columns are then zstd-compressed when that is smaller.
// Written by the block writer (tsdb/block), read by block queriers.
// Format: tsdb/docs/format/dense_chunks.md.
// Thread safety: DenseEncoder and DenseIterator are single-thread values;
// the free functions are thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tsdb/chunkenc/chunk.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::tsdb::chunkenc {

// Samples per dense chunk written by the block writer by default: about a
// day at a 15 s interval, so a compacted block has about one chunk per
// series and day.
inline constexpr int kDenseSamplesPerChunk = 8192;
// Upper bound accepted by the decoder (a corrupt count is rejected early).
inline constexpr uint32_t kDenseMaxSamples = 1u << 20;

struct DenseEncodeOptions {
  // zstd level for the column payload; 0 writes the columns uncompressed.
  // Default: 3 (zstd's default; higher levels gain <2% here, measured).
  int zstd_level = 3;
};

// Encodes samples (timestamps strictly increasing are expected but not
// required; any int64 and any double bit pattern round-trips exactly,
// including stale NaNs, -0.0 and infinities) into dense chunk bytes,
// replacing *out. REQUIRES: ts.size() == vs.size(), 1 <= size <=
// kDenseMaxSamples (InvalidArgument otherwise).
Status EncodeDense(std::span<const int64_t> ts, std::span<const double> vs, std::string* out,
                   const DenseEncodeOptions& opts = {});

// Collects one chunk's samples, then encodes them; reusable (no
// allocation once its buffers have grown).
class DenseEncoder {
 public:
  void Append(int64_t t, double v) {
    ts_.push_back(t);
    vs_.push_back(v);
  }
  size_t size() const { return ts_.size(); }
  int64_t MinTime() const { return ts_.front(); }  // REQUIRES: size() > 0
  int64_t MaxTime() const { return ts_.back(); }   // REQUIRES: size() > 0
  // Encodes the samples into *out and clears them for the next chunk.
  Status Finish(std::string* out, const DenseEncodeOptions& opts = {});
  void Clear() {
    ts_.clear();
    vs_.clear();
  }

 private:
  std::vector<int64_t> ts_;
  std::vector<double> vs_;
};

// The sample count stored in dense chunk bytes; Corruption if the header
// does not parse.
Result<uint32_t> DenseNumSamples(std::string_view chunk);

// Forward iterator over dense chunk bytes (Next/Seek/At/Err, as the XOR
// iterator). Reset validates the header and, for a zstd chunk,
// decompresses the columns into a buffer owned by the iterator (reused
// across Resets); an uncompressed chunk is read in place, so its bytes must
// outlive the iterator. Any malformed input ends iteration with a
// Corruption in Err(); nothing is read outside the given bytes.
class DenseIterator {
 public:
  DenseIterator() = default;
  explicit DenseIterator(std::string_view chunk) { Reset(chunk); }
  DenseIterator(const DenseIterator&) = delete;
  DenseIterator& operator=(const DenseIterator&) = delete;

  void Reset(std::string_view chunk);

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
  uint32_t NumSamples() const { return n_; }
  // The chunk's value mode (dense_chunks.md: 0 decimal, 1 XOR bytes, 2
  // float bits packed), valid after a Reset without error.
  int ValueMode() const { return mode_; }
  // OK at the end of good data, Corruption otherwise.
  Status Err() const;

 private:
  bool Fail(const char* why) {
    if (err_ == nullptr) err_ = why;
    read_ = n_;
    return false;
  }
  bool ReadValue();
  bool ReadResidual(uint64_t* r);

  std::string buf_;           // decompressed columns of a zstd chunk
  const char* tp_ = nullptr;  // timestamp column cursor
  const char* tend_ = nullptr;
  const char* vp_ = nullptr;  // value column cursor
  const char* vend_ = nullptr;
  const char* xp_ = nullptr;  // exceptions (decimal mode)
  const char* xend_ = nullptr;
  uint32_t n_ = 0;
  uint32_t read_ = 0;
  uint8_t mode_ = 0;                // value mode (dense_chunks.md)
  uint8_t order_ = 0;               // packed modes: 0 raw, 1 delta, 2 delta-of-delta
  double scale_ = 1;                // decimal: 10^k
  uint32_t next_exc_ = UINT32_MAX;  // index of the next exception sample
  uint64_t exc_bits_ = 0;
  int64_t t_ = 0;
  uint64_t t_delta_ = 0;
  double v_ = 0;
  uint64_t m_ = 0;  // decimal mantissa (two's complement, wraps)
  uint64_t m_delta_ = 0;
  uint64_t bits_ = 0;  // float mode: previous value bits
  // Packed sequence (modes 0 and 2): heads, group headers, bit stream.
  uint64_t heads_[2] = {0, 0};
  const char* hp_ = nullptr;  // group header cursor
  const char* hend_ = nullptr;
  const uint8_t* g_p_ = nullptr;  // bit stream
  const uint8_t* g_end_ = nullptr;
  uint64_t g_bit_ = 0;
  uint64_t g_min_ = 0;
  uint64_t g_u_ = 0;
  uint32_t g_left_ = 0;
  int g_w_ = 0;
  const char* err_ = nullptr;
};

}  // namespace ward::tsdb::chunkenc
