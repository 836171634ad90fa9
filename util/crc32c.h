// CRC-32C (Castagnoli), the checksum of Prometheus's WAL fragments, head chunk
// files and block chunks (Go's crc32.MakeTable(crc32.Castagnoli)). Uses the
// SSE4.2 crc32 instruction when the CPU has it (checked once at run time) and
// a table otherwise. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ward::crc32c {

// Returns the CRC-32C of concat(A, data[0,n)) where crc is the CRC-32C of A.
// Extend(0, d, n) == Value(d, n).
uint32_t Extend(uint32_t crc, const char* data, size_t n);

// Returns the CRC-32C of data[0,n), e.g. Value("123456789", 9) == 0xE3069283.
inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// True when the hardware path is in use (for tests and benchmarks).
bool HardwareAccelerated();

namespace internal {
// The table implementation regardless of the CPU (for tests).
uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n);
}  // namespace internal

}  // namespace ward::crc32c
