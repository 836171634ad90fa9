// Bit streams for Gorilla-style chunks: BitWriter appends bits MSB-first to a
// byte string exactly as Prometheus's bstream does (including its trailing
// free byte after byte writes), so chunk bytes match Prometheus byte for
// byte. BitReader reads them back. Format: tsdb/docs/format/README.md
// (Prometheus tsdb-format/bstream.md). Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ward::tsdb::chunkenc {

// Appends to an external std::string. `free_bits` is the number of unused
// low bits in the last byte (0..8), Prometheus's `count`.
class BitWriter {
 public:
  BitWriter(std::string* s, uint8_t* free_bits) : s_(s), free_(free_bits) {}

  void WriteBit(bool bit) {
    if (*free_ == 0) {
      s_->push_back(0);
      *free_ = 8;
    }
    if (bit) (*s_)[s_->size() - 1] |= static_cast<char>(1u << (*free_ - 1));
    --*free_;
  }

  // Writes 8 bits. Like Prometheus, always appends one byte, so a byte write
  // at a byte boundary leaves a whole free byte at the end.
  void WriteByte(uint8_t byt) {
    if (*free_ == 0) {
      s_->push_back(0);
      *free_ = 8;
    }
    (*s_)[s_->size() - 1] |= static_cast<char>(byt >> (8 - *free_));
    s_->push_back(static_cast<char>(static_cast<uint8_t>(byt << *free_)));
  }

  // Writes the low `nbits` bits of u (nbits <= 64), whole bytes first, then
  // single bits, as bstream.writeBits does.
  void WriteBits(uint64_t u, int nbits) {
    if (nbits == 0) return;
    u <<= 64 - nbits;
    while (nbits >= 8) {
      WriteByte(static_cast<uint8_t>(u >> 56));
      u <<= 8;
      nbits -= 8;
    }
    while (nbits > 0) {
      WriteBit((u >> 63) == 1);
      u <<= 1;
      --nbits;
    }
  }

 private:
  std::string* s_;
  uint8_t* free_;
};

// Reads bits MSB-first from a byte view. Reading past the end sets eof and
// returns zeros; callers check ok() after each logical read.
class BitReader {
 public:
  BitReader() = default;
  explicit BitReader(std::string_view b)
      : p_(reinterpret_cast<const uint8_t*>(b.data())), end_(p_ + b.size()) {}

  bool ok() const { return !eof_; }
  // Bits consumed so far.
  uint64_t consumed() const { return consumed_; }

  bool ReadBit() {
    if (valid_ == 0 && !Refill()) return Fail();
    bool bit = (buf_ >> 63) != 0;
    buf_ <<= 1;
    --valid_;
    ++consumed_;
    return bit;
  }

  // REQUIRES: 1 <= n <= 64.
  uint64_t ReadBits(int n) {
    if (n > 56) {
      uint64_t hi = ReadBits(n - 32);
      return (hi << 32) | ReadBits(32);
    }
    if (valid_ < n) {
      Refill();
      if (valid_ < n) return Fail();
    }
    uint64_t v = buf_ >> (64 - n);
    buf_ <<= n;
    valid_ -= n;
    consumed_ += n;
    return v;
  }

  uint8_t ReadByte() { return static_cast<uint8_t>(ReadBits(8)); }

 private:
  // Tops up buf_ to at least 57 valid bits when input remains.
  bool Refill() {
    while (valid_ <= 56 && p_ < end_) {
      buf_ |= static_cast<uint64_t>(*p_++) << (56 - valid_);
      valid_ += 8;
    }
    return valid_ > 0;
  }
  uint64_t Fail() {
    eof_ = true;
    return 0;
  }

  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  uint64_t buf_ = 0;  // valid_ bits, MSB-aligned
  int valid_ = 0;
  bool eof_ = false;
  uint64_t consumed_ = 0;
};

}  // namespace ward::tsdb::chunkenc
