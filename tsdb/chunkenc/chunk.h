// Chunk encodings shared by head chunks, head chunk files and block chunk
// files. Values are Prometheus's (tsdb/chunkenc/chunk.go); the byte is
// stored on disk (tsdb/docs/format/README.md). Thread-safe (constants only).
#pragma once

#include <cstdint>
#include <string_view>

namespace ward::tsdb::chunkenc {

// kDense (0x90) is ward's own opt-in encoding for chunks of persistent
// blocks only (dense.h, tsdb/docs/format/dense_chunks.md); Prometheus does
// not read it. Head chunks, head chunk files and the WAL stay XOR.
enum class Encoding : uint8_t {
  kNone = 0,
  kXOR = 1,
  kHistogram = 2,
  kFloatHistogram = 3,
  kDense = 0x90,
};

// "none", "XOR", "histogram", "floathistogram", "dense", or "<unknown>".
std::string_view EncodingName(Encoding e);

// True for the encodings Prometheus defines (ward reads only XOR today).
inline bool IsValidEncoding(uint8_t e) { return e >= 1 && e <= 3; }
// True for the encodings ward reads in a block's chunk segments.
inline bool IsBlockEncoding(uint8_t e) {
  return e == static_cast<uint8_t>(Encoding::kXOR) || e == static_cast<uint8_t>(Encoding::kDense);
}

// Prometheus cuts head chunks at 120 samples (or earlier by time).
inline constexpr int kSamplesPerChunk = 120;
// Prometheus's chunk-size soft limit for XOR chunks.
inline constexpr int kMaxBytesPerXORChunk = 1024;

}  // namespace ward::tsdb::chunkenc
