// Varint and fixed-width big-endian encoding helpers, byte-compatible with
// Go's encoding/binary (PutUvarint/PutVarint zig-zag, BigEndian). Used by every
// on-disk format in tsdb/ (WAL records, chunks, head chunk files); see
// tsdb/docs/format/. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace ward::varint {

// The most bytes a 64-bit varint takes (Go's binary.MaxVarintLen64).
inline constexpr int kMaxVarintLen64 = 10;

// Writes v as a Go uvarint (7 bits per byte, low groups first) into buf,
// which must hold kMaxVarintLen64 bytes. Returns the bytes written.
inline int EncodeUvarint(char* buf, uint64_t v) {
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(static_cast<uint8_t>(v) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  return n;
}

// Number of bytes EncodeUvarint writes for v.
inline int UvarintSize(uint64_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline void PutUvarint(std::string* out, uint64_t v) {
  char buf[kMaxVarintLen64];
  out->append(buf, EncodeUvarint(buf, v));
}

// Zig-zag encoding as in Go's binary.PutVarint.
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t u) {
  return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
}

inline void PutVarint(std::string* out, int64_t v) { PutUvarint(out, ZigZag(v)); }

// Decodes a uvarint at *p (not reading at or past end). On success stores it
// in *v, advances *p and returns true. Returns false (leaving *p unchanged)
// on truncated input or a value that overflows 64 bits, as Go's
// binary.Uvarint reports n <= 0.
inline bool GetUvarint(const char** p, const char* end, uint64_t* v) {
  const char* q = *p;
  uint64_t x = 0;
  int shift = 0;
  for (int i = 0; i < kMaxVarintLen64; ++i) {
    if (q >= end) return false;
    uint8_t b = static_cast<uint8_t>(*q++);
    if (b < 0x80) {
      if (i == kMaxVarintLen64 - 1 && b > 1) return false;  // overflow
      x |= static_cast<uint64_t>(b) << shift;
      *v = x;
      *p = q;
      return true;
    }
    x |= static_cast<uint64_t>(b & 0x7f) << shift;
    shift += 7;
  }
  return false;  // more than 10 bytes
}

inline bool GetVarint(const char** p, const char* end, int64_t* v) {
  uint64_t u;
  if (!GetUvarint(p, end, &u)) return false;
  *v = UnZigZag(u);
  return true;
}

// Big-endian fixed-width writers (append to *out) and readers (REQUIRES: the
// pointer has at least 2/4/8 readable bytes).
inline void PutBE16(std::string* out, uint16_t v) {
  char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(b, 2);
}
inline void PutBE32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (24 - 8 * i));
  out->append(b, 4);
}
inline void PutBE64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (56 - 8 * i));
  out->append(b, 8);
}
inline void EncodeBE16(char* dst, uint16_t v) {
  dst[0] = static_cast<char>(v >> 8);
  dst[1] = static_cast<char>(v);
}
inline void EncodeBE32(char* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>(v >> (24 - 8 * i));
}
inline void EncodeBE64(char* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>(v >> (56 - 8 * i));
}
inline uint16_t BE16(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return static_cast<uint16_t>((u[0] << 8) | u[1]);
}
inline uint32_t BE32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t BE64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

// Double <-> IEEE 754 bits, as Go's math.Float64bits / Float64frombits.
inline uint64_t Float64Bits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, 8);
  return u;
}
inline double Float64FromBits(uint64_t u) {
  double d;
  std::memcpy(&d, &u, 8);
  return d;
}

}  // namespace ward::varint
