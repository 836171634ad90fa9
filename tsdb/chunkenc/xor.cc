// XOR chunk encoder/decoder. The bit layout follows Prometheus's
// tsdb/chunkenc/xor.go (itself derived from github.com/dgryski/go-tsz, the
// Gorilla paper's scheme); this is an independent C++ implementation of that
// format.
#include "tsdb/chunkenc/xor.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>

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

namespace {

// Buffer capacities: glibc's usable sizes (16k + 8): 24, 40, 56, then
// 32-byte steps up to 248 (an open chunk of the typical 120 samples is
// 100-300 bytes), then about 1.125x the last, up to past the largest chunk
// (65535 samples of at most 19 bytes each). Finer steps would save a few
// bytes a series but cost a realloc and copy every other sample.
constexpr int kNumClasses = 128;
struct Capacities {
  uint32_t c[kNumClasses];
  constexpr Capacities() : c() {
    uint64_t cap = 24;
    for (int i = 0; i < kNumClasses; ++i) {
      c[i] = static_cast<uint32_t>(cap);
      uint64_t next = cap + cap / 8;
      const uint64_t step = cap < 56 ? 16 : 32;
      if (next < cap + step) next = cap + step;
      next = (next + 7) / 16 * 16 + 8;  // round up to 16k + 8
      cap = next > 0xffffffffu ? 0xffffffffu : next;
    }
  }
};
constexpr Capacities kCapacities;
static_assert(kCapacities.c[kNumClasses - 1] > 65535u * 20u);

// The smallest class holding n bytes.
uint8_t ClassFor(size_t n) {
  // Binary search: the first class holding n (the last if none does).
  int lo = 0, hi = kNumClasses - 1;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (kCapacities.c[mid] < n) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return static_cast<uint8_t>(lo);
}

// Bit writer over a buffer with room reserved up front: writes exactly the
// bits and bytes Prometheus's bstream does (see bstream.h's BitWriter).
struct RawBitWriter {
  char* b;
  uint32_t* size;
  uint8_t* free;

  void WriteBit(bool bit) {
    if (*free == 0) {
      b[(*size)++] = 0;
      *free = 8;
    }
    if (bit) b[*size - 1] |= static_cast<char>(1u << (*free - 1));
    --*free;
  }
  void WriteByte(uint8_t byt) { WriteBits(byt, 8); }
  // Writes the low `nbits` bits of u, most significant first, a byte at a
  // time. Same bytes and end state as bstream's writeBits (whole bytes then
  // single bits): a byte write at a byte boundary leaves a whole free byte.
  void WriteBits(uint64_t u, int nbits) {
    if (nbits == 0) return;
    uint64_t pos = uint64_t{*size} * 8 - *free;  // first bit to write
    // The end state, as bstream's byte and bit writes leave it.
    uint32_t sz = *size;
    uint8_t f = *free;
    const int whole = nbits / 8, rest = nbits % 8;
    if (whole > 0) {
      if (f == 0) {
        ++sz;
        f = 8;
      }
      sz += static_cast<uint32_t>(whole);
    }
    if (rest > 0) {
      if (rest <= f) {
        f = static_cast<uint8_t>(f - rest);
      } else {
        ++sz;
        f = static_cast<uint8_t>(8 - (rest - f));
      }
    }
    for (uint32_t i = *size; i < sz; ++i) b[i] = 0;
    // OR the bits in: place them in a 128-bit window starting at pos's byte,
    // then copy the window's bytes (at most 9) out.
    const int off = static_cast<int>(pos % 8);
    const uint64_t v = nbits == 64 ? u : u & ((uint64_t{1} << nbits) - 1);
    const unsigned __int128 window = static_cast<unsigned __int128>(v) << (128 - off - nbits);
    char* p = b + pos / 8;
    const int nbytes = (off + nbits + 7) / 8;
    p[0] |= static_cast<char>(static_cast<uint64_t>(window >> 120));
    for (int i = 1; i < nbytes; ++i) p[i] = static_cast<char>(static_cast<uint64_t>(window >> (120 - 8 * i)));
    *size = sz;
    *free = f;
  }
};

// Most bytes one Append adds: a 10-byte varint and 64 bits (first sample),
// or 68 bits of timestamp and 77 of value, plus the writer's spare byte.
constexpr size_t kMaxAppendBytes = 24;

}  // namespace

XORChunk::XORChunk() {
  buf_ = static_cast<char*>(std::malloc(kCapacities.c[0]));
  if (buf_ == nullptr) throw std::bad_alloc();
  buf_[0] = buf_[1] = 0;
  size_ = 2;
}

XORChunk::~XORChunk() { std::free(buf_); }

XORChunk::XORChunk(const XORChunk& o)
    : size_(o.size_),
      cap_class_(ClassFor(o.size_)),
      free_bits_(o.free_bits_),
      leading_(o.leading_),
      trailing_(o.trailing_),
      t_(o.t_),
      v_bits_(o.v_bits_),
      t_delta_(o.t_delta_) {
  buf_ = static_cast<char*>(std::malloc(kCapacities.c[cap_class_]));
  if (buf_ == nullptr) throw std::bad_alloc();
  std::memcpy(buf_, o.buf_, size_);
}

XORChunk& XORChunk::operator=(const XORChunk& o) {
  if (this != &o) *this = XORChunk(o);
  return *this;
}

XORChunk::XORChunk(XORChunk&& o) noexcept
    : buf_(o.buf_),
      size_(o.size_),
      cap_class_(o.cap_class_),
      free_bits_(o.free_bits_),
      leading_(o.leading_),
      trailing_(o.trailing_),
      t_(o.t_),
      v_bits_(o.v_bits_),
      t_delta_(o.t_delta_) {
  // The moved-from chunk stays a valid empty chunk only after assignment;
  // it may be destroyed.
  o.buf_ = nullptr;
  o.size_ = 0;
}

XORChunk& XORChunk::operator=(XORChunk&& o) noexcept {
  if (this != &o) {
    std::free(buf_);
    buf_ = o.buf_;
    size_ = o.size_;
    cap_class_ = o.cap_class_;
    free_bits_ = o.free_bits_;
    leading_ = o.leading_;
    trailing_ = o.trailing_;
    t_ = o.t_;
    v_bits_ = o.v_bits_;
    t_delta_ = o.t_delta_;
    o.buf_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

size_t XORChunk::capacity() const { return buf_ == nullptr ? 0 : kCapacities.c[cap_class_]; }

void XORChunk::Reserve(size_t n) {
  const size_t want = size_t{size_} + n;
  if (buf_ != nullptr && want <= kCapacities.c[cap_class_]) return;
  uint8_t k = ClassFor(want);
  char* nb = static_cast<char*>(std::realloc(buf_, kCapacities.c[k]));
  if (nb == nullptr) throw std::bad_alloc();
  buf_ = nb;
  cap_class_ = k;
}

Result<XORChunk> XORChunk::FromBytes(std::string_view b) {
  if (b.size() < 2) return Status::Corruption("XOR chunk shorter than its 2-byte header");
  if (b.size() > kCapacities.c[kNumClasses - 1]) {
    return Status::Corruption("XOR chunk longer than any chunk of 65535 samples");
  }
  XORChunk c;
  c.size_ = 0;
  c.Reserve(b.size());
  std::memcpy(c.buf_, b.data(), b.size());
  c.size_ = static_cast<uint32_t>(b.size());
  c.free_bits_ = 0;
  c.leading_ = 0xfe;  // not append-ready
  return c;
}

bool XORChunk::InitAppendState() {
  Iterator it(Bytes());
  while (it.Next()) {
  }
  if (it.err_ != nullptr) return false;
  if (NumSamples() == 0) {
    size_ = 2;
    free_bits_ = 0;
    leading_ = 0xff;
    trailing_ = 0;
    t_ = 0;
    v_bits_ = 0;
    t_delta_ = 0;
  } else {
    // Position the writer right after the last sample's bits. Prometheus
    // leaves up to one trailing free byte; anything beyond is dropped.
    uint64_t used = 16 + it.br_.consumed();
    uint64_t total = uint64_t{size_} * 8;
    if (total - used > 8) {
      size_ = static_cast<uint32_t>((used + 7) / 8);
      total = uint64_t{size_} * 8;
    }
    free_bits_ = static_cast<uint8_t>(total - used);
    char& last = buf_[size_ - 1];
    if (free_bits_ > 0 && free_bits_ < 8) {
      // Clear stray bits below the last sample so new bits OR in cleanly.
      last = static_cast<char>(static_cast<uint8_t>(last) & ~((1u << free_bits_) - 1));
    } else if (free_bits_ == 8) {
      last = 0;
    }
    // Without a window yet, start fresh (Prometheus would reuse a 0/0
    // window here: decodable either way, ours is smaller and equals the
    // bytes of an uninterrupted chunk).
    leading_ = it.have_window_ ? it.leading_ : 0xff;
    trailing_ = it.have_window_ ? it.trailing_ : 0;
    t_ = it.t_;
    v_bits_ = varint::Float64Bits(it.v_);
    t_delta_ = it.t_delta_;
  }
  return true;
}

XORChunk::Appender* XORChunk::GetAppender() {
  if (!append_ready() && !InitAppendState()) return nullptr;
  return this;
}

void XORChunk::Append(int64_t t, double v) {
  const int num = NumSamples();
  uint64_t t_delta = 0;
  const uint64_t vbits = varint::Float64Bits(v);
  if (num < 2) {
    Reserve(kMaxAppendBytes);
    RawBitWriter w{buf_, &size_, &free_bits_};
    char buf[varint::kMaxVarintLen64];
    if (num == 0) {
      int n = varint::EncodeUvarint(buf, varint::ZigZag(t));
      for (int i = 0; i < n; ++i) w.WriteByte(static_cast<uint8_t>(buf[i]));
      w.WriteBits(vbits, 64);
    } else {
      t_delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
      int n = varint::EncodeUvarint(buf, t_delta);
      for (int i = 0; i < n; ++i) w.WriteByte(static_cast<uint8_t>(buf[i]));
      WriteValue(&w, vbits);
    }
  } else {
    t_delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
    const int64_t dod = static_cast<int64_t>(t_delta - t_delta_);
    // Timestamp bits: 0 / 10+14 / 110+17 / 1110+20 / 1111+64.
    int t_bits;
    if (dod == 0) {
      t_bits = 1;
    } else if (BitRange(dod, 14)) {
      t_bits = 16;
    } else if (BitRange(dod, 17)) {
      t_bits = 20;
    } else if (BitRange(dod, 20)) {
      t_bits = 24;
    } else {
      t_bits = 68;
    }
    // Room for exactly this sample (plus the writer's spare byte), so the
    // buffer grows with the data, not ahead of it.
    Reserve(static_cast<size_t>((t_bits + ValueBits(vbits) + 7) / 8 + 2));
    RawBitWriter w{buf_, &size_, &free_bits_};
    switch (t_bits) {
      case 1:
        w.WriteBit(false);
        break;
      case 16:
        w.WriteBits(0b10, 2);
        w.WriteBits(static_cast<uint64_t>(dod), 14);
        break;
      case 20:
        w.WriteBits(0b110, 3);
        w.WriteBits(static_cast<uint64_t>(dod), 17);
        break;
      case 24:
        w.WriteBits(0b1110, 4);
        w.WriteBits(static_cast<uint64_t>(dod), 20);
        break;
      default:
        w.WriteBits(0b1111, 4);
        w.WriteBits(static_cast<uint64_t>(dod), 64);
        break;
    }
    WriteValue(&w, vbits);
  }
  t_ = t;
  v_bits_ = vbits;
  t_delta_ = t_delta;
  varint::EncodeBE16(buf_, static_cast<uint16_t>(num + 1));
}

int XORChunk::ValueBits(uint64_t vbits) const {
  const uint64_t delta = vbits ^ v_bits_;
  if (delta == 0) return 1;
  int leading = std::countl_zero(delta);
  const int trailing = std::countr_zero(delta);
  if (leading >= 32) leading = 31;
  if (leading_ != 0xff && leading >= leading_ && trailing >= trailing_) {
    return 2 + 64 - leading_ - trailing_;
  }
  return 2 + 5 + 6 + 64 - leading - trailing;
}

template <typename W>
void XORChunk::WriteValue(W* w, uint64_t vbits) {
  // XOR against the previous value.
  const uint64_t delta = vbits ^ v_bits_;
  if (delta == 0) {
    w->WriteBit(false);
    return;
  }
  w->WriteBit(true);
  uint8_t leading = static_cast<uint8_t>(std::countl_zero(delta));
  const uint8_t trailing = static_cast<uint8_t>(std::countr_zero(delta));
  if (leading >= 32) leading = 31;  // 5-bit field
  if (leading_ != 0xff && leading >= leading_ && trailing >= trailing_) {
    w->WriteBit(false);
    w->WriteBits(delta >> trailing_, 64 - leading_ - trailing_);
  } else {
    leading_ = leading;
    trailing_ = trailing;
    w->WriteBit(true);
    w->WriteBits(leading, 5);
    // 64 significant bits are written as 0 (6-bit field); the reader maps
    // 0 back to 64 since 0 significant bits never occur here.
    const int sigbits = 64 - leading - trailing;
    w->WriteBits(static_cast<uint64_t>(sigbits), 6);
    w->WriteBits(delta >> trailing, sigbits);
  }
}

XORChunk::Iterator XORChunk::NewIterator() const { return Iterator(Bytes()); }

XORChunk::Iterator XORChunk::IterateBytes(std::string_view b) { return Iterator(b); }

void XORChunk::Compact() {
  if (buf_ == nullptr) return;
  uint8_t k = ClassFor(size_);
  if (k >= cap_class_) return;
  char* nb = static_cast<char*>(std::realloc(buf_, kCapacities.c[k]));
  if (nb == nullptr) return;  // keep the larger buffer
  buf_ = nb;
  cap_class_ = k;
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
