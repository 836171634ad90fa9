// CRC-32C: hardware (SSE4.2) and table implementations. See crc32c.h.
#include "util/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define WARD_CRC32C_X86 1
#endif

namespace ward::crc32c {
namespace {

constexpr uint32_t kPoly = 0x82F63B78;  // reflected Castagnoli polynomial

// Slicing-by-8 tables: table[0] is the classic byte table; table[k][b] is the
// CRC of byte b followed by k zero bytes.
struct Tables {
  uint32_t t[8][256];
  constexpr Tables() : t{} {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int k = 1; k < 8; ++k) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
    }
  }
};
constexpr Tables kTables;

uint32_t ExtendTable(uint32_t l, const uint8_t* p, size_t n) {
  const auto& t = kTables.t;
  while (n >= 8) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= l;  // little-endian host assumed (x86-64, aarch64)
    l = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
        t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) l = t[0][(l ^ *p++) & 0xff] ^ (l >> 8);
  return l;
}

#ifdef WARD_CRC32C_X86
__attribute__((target("sse4.2"))) uint32_t ExtendHw(uint32_t l, const uint8_t* p, size_t n) {
#if defined(__x86_64__)
  uint64_t l64 = l;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    l64 = _mm_crc32_u64(l64, v);
    p += 8;
    n -= 8;
  }
  l = static_cast<uint32_t>(l64);
#endif
  while (n--) l = _mm_crc32_u8(l, *p++);
  return l;
}

bool DetectHw() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
const bool kHasHw = DetectHw();
#else
const bool kHasHw = false;
#endif

}  // namespace

bool HardwareAccelerated() { return kHasHw; }

uint32_t Extend(uint32_t crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint32_t l = ~crc;
#ifdef WARD_CRC32C_X86
  if (kHasHw) return ~ExtendHw(l, p, n);
#endif
  return ~ExtendTable(l, p, n);
}

namespace internal {
// Table path, exposed for tests that compare both implementations.
uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n) {
  return ~ExtendTable(~crc, reinterpret_cast<const uint8_t*>(data), n);
}
}  // namespace internal

}  // namespace ward::crc32c
