// Dense chunk encoder and iterator; the byte layout is specified in
// tsdb/docs/format/dense_chunks.md. The decimal-mantissa idea follows
// VictoriaMetrics' lib/decimal (values as integer * 10^exponent); this is an
// independent implementation with its own exactness check.
#include "tsdb/chunkenc/dense.h"

#include <zstd.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <memory>

#include "util/varint.h"

namespace ward::tsdb::chunkenc {
namespace {

constexpr uint8_t kFlagZstd = 0x01;
constexpr uint8_t kModeDecimal = 0;
constexpr uint8_t kModeFloat = 1;
constexpr uint8_t kModeFloatBits = 2;
// Values per group of a packed sequence.
constexpr size_t kDenseGroup = 256;
constexpr int kMaxScale = 15;                        // decimal: at most 15 digits after the point
constexpr double kMaxExactInt = 9007199254740992.0;  // 2^53
// A decimal chunk may hold at most n/kExceptionDivisor exceptions (values
// stored as raw bits); beyond that the float mode is used.
constexpr uint32_t kExceptionDivisor = 16;

constexpr double kPow10[kMaxScale + 1] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                          1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

// Bound on the uncompressed column bytes per sample (timestamp varint 10;
// value: packed 8 + group header share + exception 18, or XOR 1 + 8), for
// rejecting a corrupt length before allocating.
constexpr uint64_t kMaxRawBytesPerSample = 40;

inline uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

inline uint64_t Load64LE(const char* p) {
  uint64_t x = 0;
  for (int j = 0; j < 8; ++j) x |= uint64_t{static_cast<uint8_t>(p[j])} << (8 * j);
  return x;
}

// Whether v == m / 10^k exactly (bitwise) for an integer m with |m| < 2^53;
// stores m. The decoder computes exactly (double)m / kPow10[k].
inline bool DecimalAt(double v, int k, int64_t* m) {
  double s = v * kPow10[k];
  if (!(std::fabs(s) < kMaxExactInt)) return false;  // also NaN
  double r = std::nearbyint(s);
  int64_t mi = static_cast<int64_t>(r);
  if (Bits(static_cast<double>(mi) / kPow10[k]) != Bits(v)) return false;
  *m = mi;
  return true;
}

// The smallest scale in [from, kMaxScale] at which v is decimal, or -1.
inline int MinScaleFrom(double v, int from) {
  int64_t m;
  for (int k = from; k <= kMaxScale; ++k) {
    if (DecimalAt(v, k, &m)) return k;
  }
  return -1;
}

ZSTD_CCtx* CompressCtx() {
  struct Free {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
  };
  thread_local std::unique_ptr<ZSTD_CCtx, Free> ctx(ZSTD_createCCtx());
  return ctx.get();
}

ZSTD_DCtx* DecompressCtx() {
  struct Free {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
  };
  thread_local std::unique_ptr<ZSTD_DCtx, Free> ctx(ZSTD_createDCtx());
  return ctx.get();
}

void PutTimestamps(std::span<const int64_t> ts, std::string* out) {
  std::string col;
  col.reserve(ts.size() + 16);
  uint64_t prev = static_cast<uint64_t>(ts[0]);
  uint64_t delta = 0;
  varint::PutVarint(&col, ts[0]);
  for (size_t i = 1; i < ts.size(); ++i) {
    uint64_t t = static_cast<uint64_t>(ts[i]);
    uint64_t d = t - prev;  // wraps; the decoder wraps the same way
    varint::PutVarint(&col, static_cast<int64_t>(i == 1 ? d : d - delta));
    delta = d;
    prev = t;
  }
  varint::PutUvarint(out, col.size());
  out->append(col);
}

// Float mode: per value x = bits ^ previous bits (previous starts at 0); a
// control byte (high nibble: zero low bytes dropped, low nibble: bytes kept)
// per value, then the kept bytes, little endian.
void PutXORColumn(std::span<const double> vs, std::string* out) {
  out->push_back(static_cast<char>(kModeFloat));
  size_t ctl = out->size();
  out->append(vs.size(), '\0');
  uint64_t prev = 0;
  for (size_t i = 0; i < vs.size(); ++i) {
    uint64_t b = Bits(vs[i]);
    uint64_t x = b ^ prev;
    prev = b;
    if (x == 0) continue;
    int tz = std::countr_zero(x) / 8;
    int lz = std::countl_zero(x) / 8;
    int keep = 8 - tz - lz;
    (*out)[ctl + i] = static_cast<char>((tz << 4) | keep);
    x >>= 8 * tz;
    for (int j = 0; j < keep; ++j) out->push_back(static_cast<char>(x >> (8 * j)));
  }
}

// ---- packed integer sequences (dense_chunks.md "Packed sequence")

// Residuals of m under `order` (0 raw, 1 delta, 2 delta-of-delta) after the
// first `order` values, which are heads (stored as varints); 64-bit
// wrapping arithmetic throughout.
void Heads(const int64_t* m, size_t n, int order, int64_t* heads) {
  if (order >= 1 && n >= 1) heads[0] = m[0];
  if (order >= 2 && n >= 2) {
    heads[1] = static_cast<int64_t>(static_cast<uint64_t>(m[1]) - static_cast<uint64_t>(m[0]));
  }
}

inline int64_t Residual(const int64_t* m, size_t i, int order) {
  uint64_t a = static_cast<uint64_t>(m[i]);
  if (order == 0) return m[i];
  uint64_t b = static_cast<uint64_t>(m[i - 1]);
  if (order == 1) return static_cast<int64_t>(a - b);
  uint64_t c = static_cast<uint64_t>(m[i - 2]);
  return static_cast<int64_t>((a - b) - (b - c));
}

inline int BitWidth(uint64_t x) { return x == 0 ? 0 : 64 - std::countl_zero(x); }

// Groups code each residual r as v = r - min in [0, R), R = max - min + 1,
// with a truncated binary code over R' >= R (R rounded up to 8 significant
// bits, so the header holds one byte q for it): with u = 2^w - R', values
// below u take w-1 bits, the others w bits. See dense_chunks.md.
struct GroupCode {
  int w = 0;      // bit width of max - min (0: all equal)
  uint8_t q = 0;  // R' from w and q (RoundedRange)
  uint64_t u = 0;
};

// R' for (w, q), 64-bit wrapping (2^64 becomes 0). REQUIRES: w >= 1.
inline uint64_t RoundedRange(int w, uint8_t q) {
  if (w <= 8) return (uint64_t{1} << (w - 1)) + 1 + q;
  return (uint64_t{129} + q) << (w - 8);
}

inline uint64_t UnusedCodes(int w, uint64_t rounded_range) {
  return w == 64 ? uint64_t{0} - rounded_range : (uint64_t{1} << w) - rounded_range;
}

GroupCode MakeGroupCode(uint64_t span) {
  GroupCode c;
  c.w = BitWidth(span);
  if (c.w == 0) return c;
  if (c.w <= 8) {
    c.q = static_cast<uint8_t>(span - (uint64_t{1} << (c.w - 1)));  // R = span + 1
  } else {
    // Smallest q with (129 + q) << (w-8) >= span + 1.
    int sh = c.w - 8;
    uint64_t need = (span >> sh) + 1;  // ceil((span + 1) / 2^sh)
    c.q = static_cast<uint8_t>(need < 129 ? 0 : need - 129);
  }
  c.u = UnusedCodes(c.w, RoundedRange(c.w, c.q));
  return c;
}

// Bytes PutPacked writes for the residuals of m under `order`.
size_t PackedSize(const int64_t* m, size_t n, int order) {
  size_t hdr = 0;
  uint64_t bits = 0;
  int64_t heads[2];
  size_t h = std::min<size_t>(order, n);
  Heads(m, n, order, heads);
  size_t bytes = 0;
  for (size_t i = 0; i < h; ++i) bytes += varint::UvarintSize(varint::ZigZag(heads[i]));
  for (size_t g = h; g < n; g += kDenseGroup) {
    size_t e = std::min(n, g + kDenseGroup);
    int64_t mn = Residual(m, g, order), mx = mn;
    for (size_t i = g + 1; i < e; ++i) {
      int64_t r = Residual(m, i, order);
      mn = std::min(mn, r);
      mx = std::max(mx, r);
    }
    GroupCode c = MakeGroupCode(static_cast<uint64_t>(mx) - static_cast<uint64_t>(mn));
    hdr += varint::UvarintSize(varint::ZigZag(mn)) + 1 + (c.w > 0 ? 1 : 0);
    if (c.w == 0) continue;
    for (size_t i = g; i < e; ++i) {
      uint64_t v = static_cast<uint64_t>(Residual(m, i, order)) - static_cast<uint64_t>(mn);
      bits += v < c.u ? c.w - 1 : c.w;
    }
  }
  return bytes + varint::UvarintSize(hdr) + hdr + (bits + 7) / 8;
}

// Appends bit fields LSB first.
class BitPacker {
 public:
  explicit BitPacker(std::string* out) : out_(out) {}
  void Put(uint64_t x, int nbits) {
    if (nbits == 0) return;
    if (nbits > 32) {
      Put(x & 0xffffffffu, 32);
      Put(x >> 32, nbits - 32);
      return;
    }
    acc_ |= (x & ((uint64_t{1} << nbits) - 1)) << n_;
    n_ += nbits;
    while (n_ >= 8) {
      out_->push_back(static_cast<char>(acc_));
      acc_ >>= 8;
      n_ -= 8;
    }
  }
  void Finish() {
    if (n_ > 0) out_->push_back(static_cast<char>(acc_));
    acc_ = 0;
    n_ = 0;
  }

 private:
  std::string* out_;
  uint64_t acc_ = 0;
  int n_ = 0;
};

void PutPacked(const int64_t* m, size_t n, int order, std::string* out) {
  int64_t heads[2];
  size_t h = std::min<size_t>(order, n);
  Heads(m, n, order, heads);
  for (size_t i = 0; i < h; ++i) varint::PutVarint(out, heads[i]);
  int64_t r[kDenseGroup];
  thread_local std::string hdr, bits;
  hdr.clear();
  bits.clear();
  BitPacker bp(&bits);
  for (size_t g = h; g < n; g += kDenseGroup) {
    size_t cnt = std::min<size_t>(n - g, kDenseGroup);
    int64_t mn = INT64_MAX, mx = INT64_MIN;
    for (size_t i = 0; i < cnt; ++i) {
      r[i] = Residual(m, g + i, order);
      mn = std::min(mn, r[i]);
      mx = std::max(mx, r[i]);
    }
    GroupCode c = MakeGroupCode(static_cast<uint64_t>(mx) - static_cast<uint64_t>(mn));
    varint::PutVarint(&hdr, mn);
    hdr.push_back(static_cast<char>(c.w));
    if (c.w == 0) continue;
    hdr.push_back(static_cast<char>(c.q));
    for (size_t i = 0; i < cnt; ++i) {
      uint64_t v = static_cast<uint64_t>(r[i]) - static_cast<uint64_t>(mn);
      if (v < c.u) {
        bp.Put(v, c.w - 1);
      } else {
        uint64_t x = v + c.u;
        bp.Put(x >> 1, c.w - 1);
        bp.Put(x & 1, 1);
      }
    }
  }
  bp.Finish();
  varint::PutUvarint(out, hdr.size());
  out->append(hdr);
  out->append(bits);
}

int BestOrder(const int64_t* m, size_t n, size_t* size) {
  int best = 0;
  *size = PackedSize(m, n, 0);
  for (int o = 1; o <= 2; ++o) {
    size_t s = PackedSize(m, n, o);
    if (s < *size) {
      *size = s;
      best = o;
    }
  }
  return best;
}

// Decimal mode, or false when too many values are not decimal.
bool PutDecimalColumn(std::span<const double> vs, std::string* out) {
  const size_t n = vs.size();
  const size_t max_exc = n / kExceptionDivisor;
  // Pass 1: the largest scale any value needs.
  int scale = 0;
  size_t exc = 0;
  for (double v : vs) {
    int64_t m;
    if (DecimalAt(v, scale, &m)) continue;
    int k = MinScaleFrom(v, scale + 1);
    if (k < 0) {
      if (++exc > max_exc) return false;
      continue;
    }
    scale = k;
  }
  // Pass 2: mantissas at that scale; values that do not fit are exceptions
  // (their mantissa repeats the previous one).
  thread_local std::vector<int64_t> ms;
  ms.assign(n, 0);
  std::string excs;
  size_t nexc = 0;
  uint32_t last_exc = 0;
  int64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    int64_t m;
    if (DecimalAt(vs[i], scale, &m)) {
      ms[i] = prev = m;
      continue;
    }
    if (++nexc > max_exc) return false;
    ms[i] = prev;
    varint::PutUvarint(&excs, nexc == 1 ? i : i - last_exc - 1);
    last_exc = static_cast<uint32_t>(i);
    uint64_t b = Bits(vs[i]);
    for (int j = 0; j < 8; ++j) excs.push_back(static_cast<char>(b >> (8 * j)));
  }
  size_t size;
  int order = BestOrder(ms.data(), n, &size);
  out->push_back(static_cast<char>(kModeDecimal));
  out->push_back(static_cast<char>(scale));
  out->push_back(static_cast<char>(order));
  varint::PutUvarint(out, nexc);
  varint::PutUvarint(out, excs.size());
  out->append(excs);
  PutPacked(ms.data(), n, order, out);
  return true;
}

// Float modes: XORed bytes, or the bit patterns as integers, packed;
// whichever is smaller.
void PutFloatColumn(std::span<const double> vs, std::string* out) {
  const size_t n = vs.size();
  thread_local std::vector<int64_t> bits;
  bits.resize(n);
  size_t xor_size = n;
  uint64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t b = Bits(vs[i]);
    bits[i] = static_cast<int64_t>(b);
    uint64_t x = b ^ prev;
    prev = b;
    if (x != 0) xor_size += 8 - std::countr_zero(x) / 8 - std::countl_zero(x) / 8;
  }
  size_t packed_size;
  int order = BestOrder(bits.data(), n, &packed_size);
  if (packed_size + 1 < xor_size) {
    out->push_back(static_cast<char>(kModeFloatBits));
    out->push_back(static_cast<char>(order));
    PutPacked(bits.data(), n, order, out);
  } else {
    PutXORColumn(vs, out);
  }
}

}  // namespace

Status EncodeDense(std::span<const int64_t> ts, std::span<const double> vs, std::string* out,
                   const DenseEncodeOptions& opts) {
  const size_t n = ts.size();
  if (n != vs.size()) return Status::InvalidArgument("dense chunk: timestamp/value count differ");
  if (n == 0 || n > kDenseMaxSamples) {
    return Status::InvalidArgument("dense chunk: bad sample count " + std::to_string(n));
  }
  thread_local std::string cols;
  cols.clear();
  PutTimestamps(ts, &cols);
  size_t vstart = cols.size();
  if (!PutDecimalColumn(vs, &cols)) {
    cols.resize(vstart);
    PutFloatColumn(vs, &cols);
  }
  out->clear();
  if (opts.zstd_level > 0) {
    size_t bound = ZSTD_compressBound(cols.size());
    out->resize(1 + 2 * varint::kMaxVarintLen64 + bound);
    char* p = out->data();
    size_t h = 1;
    h += varint::EncodeUvarint(p + h, n);
    h += varint::EncodeUvarint(p + h, cols.size());
    size_t z =
        ZSTD_compressCCtx(CompressCtx(), p + h, bound, cols.data(), cols.size(), opts.zstd_level);
    if (!ZSTD_isError(z) && h + z < 1 + varint::UvarintSize(n) + cols.size()) {
      p[0] = static_cast<char>(kFlagZstd);
      out->resize(h + z);
      return Status::OK();
    }
    out->clear();
  }
  out->push_back('\0');
  varint::PutUvarint(out, n);
  out->append(cols);
  return Status::OK();
}

Status DenseEncoder::Finish(std::string* out, const DenseEncodeOptions& opts) {
  Status s = EncodeDense(ts_, vs_, out, opts);
  Clear();
  return s;
}

Result<uint32_t> DenseNumSamples(std::string_view chunk) {
  if (chunk.empty() || (static_cast<uint8_t>(chunk[0]) & ~kFlagZstd) != 0) {
    return Status::Corruption("dense chunk: bad header");
  }
  const char* p = chunk.data() + 1;
  const char* end = chunk.data() + chunk.size();
  uint64_t n;
  if (!varint::GetUvarint(&p, end, &n) || n == 0 || n > kDenseMaxSamples) {
    return Status::Corruption("dense chunk: bad header");
  }
  return static_cast<uint32_t>(n);
}

void DenseIterator::Reset(std::string_view chunk) {
  n_ = read_ = 0;
  err_ = nullptr;
  t_ = 0;
  t_delta_ = 0;
  v_ = 0;
  m_ = m_delta_ = bits_ = 0;
  g_p_ = g_end_ = nullptr;
  hp_ = hend_ = nullptr;
  g_u_ = 0;
  g_bit_ = g_min_ = 0;
  g_left_ = 0;
  g_w_ = 0;
  order_ = 0;
  next_exc_ = UINT32_MAX;
  tp_ = tend_ = vp_ = vend_ = xp_ = xend_ = nullptr;
  const char* p = chunk.data();
  const char* end = p + chunk.size();
  if (p == end) {
    Fail("empty chunk");
    return;
  }
  uint8_t flags = static_cast<uint8_t>(*p++);
  if ((flags & ~kFlagZstd) != 0) {
    Fail("unknown flags");
    return;
  }
  uint64_t n;
  if (!varint::GetUvarint(&p, end, &n) || n == 0 || n > kDenseMaxSamples) {
    Fail("bad sample count");
    return;
  }
  if (flags & kFlagZstd) {
    uint64_t raw_len;
    if (!varint::GetUvarint(&p, end, &raw_len) || raw_len > n * kMaxRawBytesPerSample + 64) {
      Fail("bad column length");
      return;
    }
    buf_.resize(raw_len);
    size_t got = ZSTD_decompressDCtx(DecompressCtx(), buf_.data(), buf_.size(), p, end - p);
    if (ZSTD_isError(got) || got != raw_len) {
      Fail("zstd payload does not decompress to the stated length");
      return;
    }
    p = buf_.data();
    end = p + buf_.size();
  }
  uint64_t ts_len;
  if (!varint::GetUvarint(&p, end, &ts_len) || ts_len > static_cast<uint64_t>(end - p)) {
    Fail("bad timestamp column length");
    return;
  }
  tp_ = p;
  tend_ = p + ts_len;
  p = tend_;
  if (p == end) {
    Fail("missing value column");
    return;
  }
  mode_ = static_cast<uint8_t>(*p++);
  if (mode_ == kModeDecimal || mode_ == kModeFloatBits) {
    uint8_t k = 0;
    if (mode_ == kModeDecimal) {
      if (p == end) {
        Fail("truncated decimal header");
        return;
      }
      k = static_cast<uint8_t>(*p++);
    }
    if (p == end) {
      Fail("truncated value header");
      return;
    }
    order_ = static_cast<uint8_t>(*p++);
    if (k > kMaxScale || order_ > 2) {
      Fail("bad decimal scale or order");
      return;
    }
    scale_ = kPow10[k];
    xp_ = xend_ = p;
    if (mode_ == kModeDecimal) {
      uint64_t nexc, exc_len;
      if (!varint::GetUvarint(&p, end, &nexc) || nexc > n ||
          !varint::GetUvarint(&p, end, &exc_len) || exc_len > static_cast<uint64_t>(end - p)) {
        Fail("bad exception list");
        return;
      }
      xp_ = p;
      xend_ = p + exc_len;
      if (nexc > 0) {
        uint64_t idx;
        if (!varint::GetUvarint(&xp_, xend_, &idx) || idx >= n || xend_ - xp_ < 8) {
          Fail("bad exception");
          return;
        }
        next_exc_ = static_cast<uint32_t>(idx);
        exc_bits_ = Load64LE(xp_);
        xp_ += 8;
      }
    }
    p = xend_;
    for (uint32_t i = 0; i < std::min<uint64_t>(order_, n); ++i) {
      int64_t h;
      if (!varint::GetVarint(&p, end, &h)) {
        Fail("truncated heads");
        return;
      }
      heads_[i] = static_cast<uint64_t>(h);
    }
    uint64_t hdr_len;
    if (!varint::GetUvarint(&p, end, &hdr_len) || hdr_len > static_cast<uint64_t>(end - p)) {
      Fail("bad group header length");
      return;
    }
    hp_ = p;
    hend_ = p + hdr_len;
    g_p_ = reinterpret_cast<const uint8_t*>(hend_);
    g_end_ = reinterpret_cast<const uint8_t*>(end);
    vp_ = vend_ = end;
    n_ = static_cast<uint32_t>(n);
  } else if (mode_ == kModeFloat) {
    if (static_cast<uint64_t>(end - p) < n) {
      Fail("truncated control column");
      return;
    }
    xp_ = p;
    xend_ = p + n;
    vp_ = xend_;
    vend_ = end;
    n_ = static_cast<uint32_t>(n);
  } else {
    Fail("unknown value mode");
  }
}

namespace {

// w bits (LSB first) at bit offset `bit` of p; the bytes up to `end` may be
// read. REQUIRES: 0 <= w <= 64 and the bits lie before end.
inline uint64_t ReadBitsLE(const uint8_t* p, const uint8_t* end, uint64_t bit, int w) {
  if (w == 0) return 0;
  p += bit >> 3;
  int sh = static_cast<int>(bit & 7);
  int nb = (sh + w + 7) >> 3;  // 1..9
  uint64_t lo = 0;
  if (end - p >= 8) {
    std::memcpy(&lo, p, 8);
    if constexpr (std::endian::native == std::endian::big) lo = __builtin_bswap64(lo);
  } else {
    for (int i = 0; i < nb && i < 8; ++i) lo |= uint64_t{p[i]} << (8 * i);
  }
  uint64_t x = lo >> sh;
  if (nb == 9) x |= uint64_t{p[8]} << (64 - sh);
  return w == 64 ? x : x & ((uint64_t{1} << w) - 1);
}

}  // namespace

bool DenseIterator::ReadResidual(uint64_t* r) {
  if (read_ < order_) {
    *r = heads_[read_];
    return true;
  }
  if (g_left_ == 0) {
    int64_t mn;
    if (!varint::GetVarint(&hp_, hend_, &mn) || hp_ == hend_) return Fail("bad group header");
    int w = static_cast<uint8_t>(*hp_++);
    if (w > 64) return Fail("bad group width");
    g_u_ = 0;
    if (w > 0) {
      if (hp_ == hend_) return Fail("bad group header");
      uint8_t q = static_cast<uint8_t>(*hp_++);
      if (w <= 8 ? q >= (1u << (w - 1)) : q > 127) return Fail("bad group range");
      g_u_ = UnusedCodes(w, RoundedRange(w, q));
    }
    g_min_ = static_cast<uint64_t>(mn);
    g_w_ = w;
    g_left_ = std::min<uint32_t>(n_ - read_, static_cast<uint32_t>(kDenseGroup));
  }
  --g_left_;
  if (g_w_ == 0) {
    *r = g_min_;
    return true;
  }
  const uint64_t avail = static_cast<uint64_t>(g_end_ - g_p_) * 8;
  if (g_bit_ + (g_w_ - 1) > avail) return Fail("truncated bit stream");
  uint64_t x = ReadBitsLE(g_p_, g_end_, g_bit_, g_w_ - 1);
  g_bit_ += g_w_ - 1;
  if (x >= g_u_) {
    if (g_bit_ + 1 > avail) return Fail("truncated bit stream");
    x = ((x << 1) | ReadBitsLE(g_p_, g_end_, g_bit_, 1)) - g_u_;
    g_bit_ += 1;
  }
  *r = g_min_ + x;
  return true;
}

bool DenseIterator::ReadValue() {
  if (mode_ == kModeFloat) {
    uint8_t c = static_cast<uint8_t>(*xp_++);
    if (c != 0) {
      int keep = c & 15, tz = c >> 4;
      if (keep == 0 || keep + tz > 8 || vend_ - vp_ < keep) return Fail("bad float value");
      uint64_t x = 0;
      for (int j = 0; j < keep; ++j) x |= uint64_t{static_cast<uint8_t>(vp_[j])} << (8 * j);
      vp_ += keep;
      bits_ ^= x << (8 * tz);
    }
    v_ = std::bit_cast<double>(bits_);
    return true;
  }
  uint64_t u;
  if (!ReadResidual(&u)) return false;
  if (order_ == 0) {
    m_ = u;
  } else if (order_ == 1 || read_ == 0) {
    m_delta_ = u;
    m_ += u;
  } else if (read_ == 1) {
    m_delta_ = u;  // the second head is the first delta
    m_ += u;
  } else {
    m_delta_ += u;
    m_ += m_delta_;
  }
  if (mode_ == kModeFloatBits) {
    v_ = std::bit_cast<double>(m_);
    return true;
  }
  if (read_ == next_exc_) {
    v_ = std::bit_cast<double>(exc_bits_);
    next_exc_ = UINT32_MAX;
    if (xp_ != xend_) {
      uint64_t gap;
      if (!varint::GetUvarint(&xp_, xend_, &gap) || gap >= n_ - read_ - 1 || xend_ - xp_ < 8) {
        return Fail("bad exception");
      }
      next_exc_ = read_ + 1 + static_cast<uint32_t>(gap);
      exc_bits_ = Load64LE(xp_);
      xp_ += 8;
    }
  } else {
    v_ = static_cast<double>(static_cast<int64_t>(m_)) / scale_;
  }
  return true;
}

bool DenseIterator::Next() {
  if (read_ >= n_) {
    if (err_ == nullptr && n_ > 0 &&
        (tp_ != tend_ || vp_ != vend_ || xp_ != xend_ || next_exc_ != UINT32_MAX || hp_ != hend_ ||
         (g_bit_ + 7) / 8 != static_cast<uint64_t>(g_end_ - g_p_))) {
      Fail("trailing bytes");
    }
    return false;
  }
  int64_t x;
  if (!varint::GetVarint(&tp_, tend_, &x)) return Fail("truncated timestamp column");
  uint64_t u = static_cast<uint64_t>(x);
  if (read_ == 0) {
    t_ = x;
  } else {
    if (read_ > 1) u += t_delta_;
    t_delta_ = u;
    t_ = static_cast<int64_t>(static_cast<uint64_t>(t_) + u);
  }
  if (!ReadValue()) return false;
  ++read_;
  return true;
}

bool DenseIterator::Seek(int64_t t) {
  if (read_ > 0 && t_ >= t && err_ == nullptr) return true;
  while (Next()) {
    if (t_ >= t) return true;
  }
  return false;
}

Status DenseIterator::Err() const {
  if (err_ == nullptr) return Status::OK();
  return Status::Corruption(std::string("dense chunk: ") + err_);
}

}  // namespace ward::tsdb::chunkenc
