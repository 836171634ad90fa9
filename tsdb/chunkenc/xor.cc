// XOR chunk encoder/decoder. The bit layout follows Prometheus's
// tsdb/chunkenc/xor.go (itself derived from github.com/dgryski/go-tsz, the
// Gorilla paper's scheme); this is an independent C++ implementation of that
// format.
#include "tsdb/chunkenc/xor.h"

#include <bit>

#include "util/varint.h"

namespace ward::tsdb::chunkenc {

std::string_view EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kNone:
      return "none";
    case Encoding::kXOR:
      return "XOR";
    case Encoding::kHistogram:
      return "histogram";
    case Encoding::kFloatHistogram:
      return "floathistogram";
    case Encoding::kDense:
      return "dense";
  }
  return "<unknown>";
}

namespace {

// Whether x fits the nbits-wide delta-of-delta bucket. The range is
// [-(2^(n-1)-1), 2^(n-1)], asymmetric exactly as in Prometheus.
inline bool BitRange(int64_t x, int nbits) {
  return -((int64_t{1} << (nbits - 1)) - 1) <= x && x <= (int64_t{1} << (nbits - 1));
}

}  // namespace

XORChunk::XORChunk() {
  b_.reserve(128);
  b_.assign(2, '\0');
}

Result<XORChunk> XORChunk::FromBytes(std::string_view b) {
  if (b.size() < 2) return Status::Corruption("XOR chunk shorter than its 2-byte header");
  XORChunk c;
  c.b_.assign(b.data(), b.size());
  c.free_bits_ = 0;
  c.append_ready_ = false;
  return c;
}

bool XORChunk::InitAppendState() {
  Iterator it(b_);
  while (it.Next()) {
  }
  if (it.err_ != nullptr) return false;
  if (NumSamples() == 0) {
    b_.resize(2);
    free_bits_ = 0;
    leading_ = 0xff;
    trailing_ = 0;
    t_ = 0;
    v_ = 0;
    t_delta_ = 0;
  } else {
    // Position the writer right after the last sample's bits. Prometheus
    // leaves up to one trailing free byte; anything beyond is dropped.
    uint64_t used = 16 + it.br_.consumed();
    uint64_t total = uint64_t{b_.size()} * 8;
    if (total - used > 8) {
      b_.resize((used + 7) / 8);
      total = uint64_t{b_.size()} * 8;
    }
    free_bits_ = static_cast<uint8_t>(total - used);
    if (free_bits_ > 0 && free_bits_ < 8) {
      // Clear stray bits below the last sample so new bits OR in cleanly.
      b_.back() = static_cast<char>(static_cast<uint8_t>(b_.back()) & ~((1u << free_bits_) - 1));
    } else if (free_bits_ == 8) {
      b_.back() = 0;
    }
    // Without a window yet, start fresh (Prometheus would reuse a 0/0
    // window here: decodable either way, ours is smaller and equals the
    // bytes of an uninterrupted chunk).
    leading_ = it.have_window_ ? it.leading_ : 0xff;
    trailing_ = it.have_window_ ? it.trailing_ : 0;
    t_ = it.t_;
    v_ = it.v_;
    t_delta_ = it.t_delta_;
  }
  append_ready_ = true;
  return true;
}

XORChunk::Appender* XORChunk::GetAppender() {
  if (!append_ready_ && !InitAppendState()) return nullptr;
  app_.c_ = this;
  return &app_;
}

void XORChunk::Append(int64_t t, double v) {
  BitWriter w(&b_, &free_bits_);
  const int num = NumSamples();
  uint64_t t_delta = 0;
  if (num == 0) {
    char buf[varint::kMaxVarintLen64];
    int n = varint::EncodeUvarint(buf, varint::ZigZag(t));
    for (int i = 0; i < n; ++i) w.WriteByte(static_cast<uint8_t>(buf[i]));
    w.WriteBits(varint::Float64Bits(v), 64);
  } else {
    t_delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
    if (num == 1) {
      char buf[varint::kMaxVarintLen64];
      int n = varint::EncodeUvarint(buf, t_delta);
      for (int i = 0; i < n; ++i) w.WriteByte(static_cast<uint8_t>(buf[i]));
    } else {
      const int64_t dod = static_cast<int64_t>(t_delta - t_delta_);
      if (dod == 0) {
        w.WriteBit(false);
      } else if (BitRange(dod, 14)) {
        w.WriteBits(0b10, 2);
        w.WriteBits(static_cast<uint64_t>(dod), 14);
      } else if (BitRange(dod, 17)) {
        w.WriteBits(0b110, 3);
        w.WriteBits(static_cast<uint64_t>(dod), 17);
      } else if (BitRange(dod, 20)) {
        w.WriteBits(0b1110, 4);
        w.WriteBits(static_cast<uint64_t>(dod), 20);
      } else {
        w.WriteBits(0b1111, 4);
        w.WriteBits(static_cast<uint64_t>(dod), 64);
      }
    }
    // Value: XOR against the previous value.
    const uint64_t delta = varint::Float64Bits(v) ^ varint::Float64Bits(v_);
    if (delta == 0) {
      w.WriteBit(false);
    } else {
      w.WriteBit(true);
      uint8_t leading = static_cast<uint8_t>(std::countl_zero(delta));
      const uint8_t trailing = static_cast<uint8_t>(std::countr_zero(delta));
      if (leading >= 32) leading = 31;  // 5-bit field
      if (leading_ != 0xff && leading >= leading_ && trailing >= trailing_) {
        w.WriteBit(false);
        w.WriteBits(delta >> trailing_, 64 - leading_ - trailing_);
      } else {
        leading_ = leading;
        trailing_ = trailing;
        w.WriteBit(true);
        w.WriteBits(leading, 5);
        // 64 significant bits are written as 0 (6-bit field); the reader
        // maps 0 back to 64 since 0 significant bits never occur here.
        const int sigbits = 64 - leading - trailing;
        w.WriteBits(static_cast<uint64_t>(sigbits), 6);
        w.WriteBits(delta >> trailing, sigbits);
      }
    }
  }
  t_ = t;
  v_ = v;
  t_delta_ = t_delta;
  varint::EncodeBE16(b_.data(), static_cast<uint16_t>(num + 1));
}

XORChunk::Iterator XORChunk::NewIterator() const { return Iterator(b_); }

XORChunk::Iterator XORChunk::IterateBytes(std::string_view b) { return Iterator(b); }

void XORChunk::Compact() {
  if (b_.capacity() > b_.size() + 32) b_.shrink_to_fit();
}

// ---- Iterator ----

void XORChunk::Iterator::Reset(std::string_view b) {
  err_ = nullptr;
  if (b.size() < 2) {
    br_ = BitReader();
    total_ = 0;
    err_ = "XOR chunk shorter than its 2-byte header";
  } else {
    total_ = varint::BE16(b.data());
    br_ = BitReader(b.substr(2));
  }
  read_ = 0;
  t_ = 0;
  v_ = 0;
  t_delta_ = 0;
  leading_ = 0;
  trailing_ = 0;
  have_window_ = false;
}

Status XORChunk::Iterator::Err() const {
  if (err_ == nullptr) return Status::OK();
  return Status::Corruption(std::string("XOR chunk: ") + err_);
}

bool XORChunk::Iterator::Next() {
  if (err_ != nullptr || read_ == total_) return false;
  if (read_ == 0) {
    // Zig-zag varint timestamp, read byte-wise as Go's binary.ReadVarint.
    uint64_t x = 0;
    int shift = 0;
    for (int i = 0;; ++i) {
      if (i == varint::kMaxVarintLen64) return Fail("timestamp varint overflows");
      uint8_t b = br_.ReadByte();
      if (!br_.ok()) return Fail("unexpected end of data");
      if (b < 0x80) {
        if (i == varint::kMaxVarintLen64 - 1 && b > 1) return Fail("timestamp varint overflows");
        x |= uint64_t{b} << shift;
        break;
      }
      x |= uint64_t{b & 0x7fu} << shift;
      shift += 7;
    }
    uint64_t vbits = br_.ReadBits(64);
    if (!br_.ok()) return Fail("unexpected end of data");
    t_ = varint::UnZigZag(x);
    v_ = varint::Float64FromBits(vbits);
    ++read_;
    return true;
  }
  if (read_ == 1) {
    uint64_t x = 0;
    int shift = 0;
    for (int i = 0;; ++i) {
      if (i == varint::kMaxVarintLen64) return Fail("time delta varint overflows");
      uint8_t b = br_.ReadByte();
      if (!br_.ok()) return Fail("unexpected end of data");
      if (b < 0x80) {
        if (i == varint::kMaxVarintLen64 - 1 && b > 1) return Fail("time delta varint overflows");
        x |= uint64_t{b} << shift;
        break;
      }
      x |= uint64_t{b & 0x7fu} << shift;
      shift += 7;
    }
    t_delta_ = x;
    t_ = static_cast<int64_t>(static_cast<uint64_t>(t_) + t_delta_);
    return ReadValue();
  }
  // Delta-of-delta prefix: up to four bits, 0 / 10 / 110 / 1110 / 1111.
  int d = 0;
  for (int i = 0; i < 4; ++i) {
    d <<= 1;
    bool bit = br_.ReadBit();
    if (!br_.ok()) return Fail("unexpected end of data");
    if (!bit) break;
    d |= 1;
  }
  int sz = 0;
  int64_t dod = 0;
  switch (d) {
    case 0b0:
      break;
    case 0b10:
      sz = 14;
      break;
    case 0b110:
      sz = 17;
      break;
    case 0b1110:
      sz = 20;
      break;
    case 0b1111: {
      uint64_t bits = br_.ReadBits(64);
      if (!br_.ok()) return Fail("unexpected end of data");
      dod = static_cast<int64_t>(bits);
      break;
    }
  }
  if (sz != 0) {
    uint64_t bits = br_.ReadBits(sz);
    if (!br_.ok()) return Fail("unexpected end of data");
    if (bits > (uint64_t{1} << (sz - 1))) bits -= uint64_t{1} << sz;  // negative
    dod = static_cast<int64_t>(bits);
  }
  // Unsigned: corrupt bytes may overflow, which must not be undefined.
  t_delta_ = t_delta_ + static_cast<uint64_t>(dod);
  t_ = static_cast<int64_t>(static_cast<uint64_t>(t_) + t_delta_);
  return ReadValue();
}

bool XORChunk::Iterator::ReadValue() {
  bool changed = br_.ReadBit();
  if (!br_.ok()) return Fail("unexpected end of data");
  if (changed) {
    bool new_window = br_.ReadBit();
    if (!br_.ok()) return Fail("unexpected end of data");
    if (new_window) {
      leading_ = static_cast<uint8_t>(br_.ReadBits(5));
      int mbits = static_cast<int>(br_.ReadBits(6));
      if (!br_.ok()) return Fail("unexpected end of data");
      if (mbits == 0) mbits = 64;
      if (leading_ + mbits > 64) return Fail("bad leading/significant bit counts");
      trailing_ = static_cast<uint8_t>(64 - leading_ - mbits);
      have_window_ = true;
    }
    const int mbits = 64 - leading_ - trailing_;
    if (mbits <= 0) return Fail("value delta without a bit window");
    uint64_t bits = br_.ReadBits(mbits);
    if (!br_.ok()) return Fail("unexpected end of data");
    v_ = varint::Float64FromBits(varint::Float64Bits(v_) ^ (bits << trailing_));
  }
  ++read_;
  return true;
}

bool XORChunk::Iterator::Seek(int64_t t) {
  if (err_ != nullptr) return false;
  while (t > t_ || read_ == 0) {
    if (!Next()) return false;
  }
  return true;
}

}  // namespace ward::tsdb::chunkenc
