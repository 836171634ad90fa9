// WAL record encoding and decoding; layouts as in Prometheus's wal.md.
#include "tsdb/record/record.h"

#include "util/varint.h"

namespace ward::tsdb::record {

namespace {

constexpr std::string_view kUnitField = "UNIT";
constexpr std::string_view kHelpField = "HELP";

// Bounds-checked reader over a record; the first failure sticks.
class Decbuf {
 public:
  explicit Decbuf(std::string_view b) : p_(b.data()), end_(b.data() + b.size()) {}

  bool ok() const { return err_ == nullptr; }
  const char* err() const { return err_; }
  size_t len() const { return static_cast<size_t>(end_ - p_); }

  uint8_t Byte() {
    if (!Need(1)) return 0;
    return static_cast<uint8_t>(*p_++);
  }
  uint64_t Be64() {
    if (!Need(8)) return 0;
    uint64_t v = varint::BE64(p_);
    p_ += 8;
    return v;
  }
  uint64_t Uvarint() {
    uint64_t v = 0;
    if (ok() && !varint::GetUvarint(&p_, end_, &v)) Fail("invalid or truncated uvarint");
    return v;
  }
  int64_t Varint() {
    int64_t v = 0;
    if (ok() && !varint::GetVarint(&p_, end_, &v)) Fail("invalid or truncated varint");
    return v;
  }
  std::string_view UvarintStr() {
    uint64_t n = Uvarint();
    if (!ok() || !Need(n)) return {};
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }

 private:
  bool Need(uint64_t n) {
    if (!ok()) return false;
    if (static_cast<uint64_t>(end_ - p_) < n) {
      Fail("record truncated");
      return false;
    }
    return true;
  }
  void Fail(const char* why) {
    if (err_ == nullptr) err_ = why;
  }

  const char* p_;
  const char* end_;
  const char* err_ = nullptr;
};

Status Corrupt(std::string_view what, const Decbuf& d, size_t decoded) {
  return Status::Corruption(std::string("decode ") + std::string(what) + " record: " + d.err() +
                            " after " + std::to_string(decoded) + " entries");
}

Status CheckType(std::string_view rec, Type want, Decbuf* d) {
  if (rec.empty() || static_cast<Type>(static_cast<uint8_t>(rec[0])) != want) {
    return Status::Corruption(std::string("decode ") + std::string(TypeName(want)) +
                              " record: invalid record type");
  }
  d->Byte();
  return Status::OK();
}

Status Leftover(std::string_view what, const Decbuf& d) {
  if (d.len() == 0) return Status::OK();
  return Status::Corruption(std::string("decode ") + std::string(what) + " record: unexpected " +
                            std::to_string(d.len()) + " bytes left in entry");
}

void PutStr(std::string* out, std::string_view s) {
  varint::PutUvarint(out, s.size());
  out->append(s);
}

void PutLabels(std::string* out, const labels::Labels& ls) {
  varint::PutUvarint(out, ls.size());
  for (const auto& l : ls) {
    PutStr(out, l.name);
    PutStr(out, l.value);
  }
}

bool DecodeLabels(Decbuf* d, labels::Labels* ls) {
  uint64_t n = d->Uvarint();
  if (!d->ok()) return false;
  // Each label takes at least two bytes; reject absurd counts before
  // reserving memory (the caller reports it, as d stays ok()).
  if (n > d->len() / 2) return false;
  std::vector<labels::Label> v;
  v.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name = d->UvarintStr();
    std::string_view value = d->UvarintStr();
    if (!d->ok()) return false;
    v.push_back({std::string(name), std::string(value)});
  }
  *ls = labels::Labels(std::move(v));
  return true;
}

}  // namespace

Type GetType(std::string_view rec) {
  if (rec.empty()) return Type::kUnknown;
  const uint8_t t = static_cast<uint8_t>(rec[0]);
  if (t >= 1 && t <= 10) return static_cast<Type>(t);
  return Type::kUnknown;
}

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kSeries:
      return "series";
    case Type::kSamples:
      return "samples";
    case Type::kTombstones:
      return "tombstones";
    case Type::kExemplars:
      return "exemplars";
    case Type::kMmapMarkers:
      return "mmapmarkers";
    case Type::kMetadata:
      return "metadata";
    case Type::kHistogramSamples:
      return "histogram_samples";
    case Type::kFloatHistogramSamples:
      return "float_histogram_samples";
    case Type::kCustomBucketsHistogramSamples:
      return "custom_buckets_histogram_samples";
    case Type::kCustomBucketsFloatHistogramSamples:
      return "custom_buckets_float_histogram_samples";
    case Type::kUnknown:
      break;
  }
  return "unknown";
}

// ---- Encoders ----

void BeginSeries(std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(Type::kSeries));
}

void AddSeries(std::string* out, uint64_t ref, size_t num_labels) {
  varint::PutBE64(out, ref);
  varint::PutUvarint(out, num_labels);
}

void AddLabel(std::string* out, std::string_view name, std::string_view value) {
  PutStr(out, name);
  PutStr(out, value);
}

void EncodeSeries(std::span<const RefSeries> series, std::string* out) {
  BeginSeries(out);
  for (const auto& s : series) {
    varint::PutBE64(out, s.ref);
    PutLabels(out, s.labels);
  }
}

void EncodeSamples(std::span<const RefSample> samples, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(Type::kSamples));
  if (samples.empty()) return;
  // Refs and timestamps are stored as signed deltas to the first sample.
  const RefSample& first = samples[0];
  varint::PutBE64(out, first.ref);
  varint::PutBE64(out, static_cast<uint64_t>(first.t));
  for (const auto& s : samples) {
    varint::PutVarint(out, static_cast<int64_t>(s.ref - first.ref));
    varint::PutVarint(
        out, static_cast<int64_t>(static_cast<uint64_t>(s.t) - static_cast<uint64_t>(first.t)));
    varint::PutBE64(out, varint::Float64Bits(s.v));
  }
}

void EncodeTombstones(std::span<const Stone> stones, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(Type::kTombstones));
  for (const auto& s : stones) {
    varint::PutBE64(out, s.ref);
    varint::PutVarint(out, s.mint);
    varint::PutVarint(out, s.maxt);
  }
}

void EncodeExemplars(std::span<const RefExemplar> exemplars, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(Type::kExemplars));
  if (exemplars.empty()) return;
  const RefExemplar& first = exemplars[0];
  varint::PutBE64(out, first.ref);
  varint::PutBE64(out, static_cast<uint64_t>(first.t));
  for (const auto& e : exemplars) {
    varint::PutVarint(out, static_cast<int64_t>(e.ref - first.ref));
    varint::PutVarint(
        out, static_cast<int64_t>(static_cast<uint64_t>(e.t) - static_cast<uint64_t>(first.t)));
    varint::PutBE64(out, varint::Float64Bits(e.v));
    PutLabels(out, e.labels);
  }
}

void EncodeMmapMarkers(std::span<const RefMmapMarker> markers, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(Type::kMmapMarkers));
  for (const auto& m : markers) {
    varint::PutBE64(out, m.ref);
    varint::PutBE64(out, m.mmap_ref);
  }
}

void EncodeMetadata(std::span<const RefMetadata> metadata, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(Type::kMetadata));
  for (const auto& m : metadata) {
    varint::PutUvarint(out, m.ref);
    out->push_back(static_cast<char>(m.type));
    varint::PutUvarint(out, 2);  // two fields follow: UNIT and HELP
    PutStr(out, kUnitField);
    PutStr(out, m.unit);
    PutStr(out, kHelpField);
    PutStr(out, m.help);
  }
}

// ---- Decoders ----

Status DecodeSeries(std::string_view rec, std::vector<RefSeries>* out) {
  Decbuf d(rec);
  WARD_RETURN_IF_ERROR(CheckType(rec, Type::kSeries, &d));
  size_t n = 0;
  while (d.ok() && d.len() > 0) {
    RefSeries s;
    s.ref = d.Be64();
    if (!d.ok()) break;
    if (!DecodeLabels(&d, &s.labels)) {
      if (d.ok())
        return Status::Corruption("decode series record: label count exceeds record size");
      break;
    }
    out->push_back(std::move(s));
    ++n;
  }
  if (!d.ok()) return Corrupt("series", d, n);
  return Leftover("series", d);
}

Status DecodeSamples(std::string_view rec, std::vector<RefSample>* out) {
  Decbuf d(rec);
  WARD_RETURN_IF_ERROR(CheckType(rec, Type::kSamples, &d));
  if (d.len() == 0) return Status::OK();
  const uint64_t base_ref = d.Be64();
  const uint64_t base_t = d.Be64();
  if (!d.ok()) return Corrupt("samples", d, 0);
  out->reserve(out->size() + d.len() / 10);  // >= 10 bytes per sample
  size_t n = 0;
  while (d.ok() && d.len() > 0) {
    const int64_t dref = d.Varint();
    const int64_t dt = d.Varint();
    const uint64_t val = d.Be64();
    if (!d.ok()) break;
    out->push_back({base_ref + static_cast<uint64_t>(dref),
                    static_cast<int64_t>(base_t + static_cast<uint64_t>(dt)),
                    varint::Float64FromBits(val)});
    ++n;
  }
  if (!d.ok()) return Corrupt("samples", d, n);
  return Leftover("samples", d);
}

Status DecodeTombstones(std::string_view rec, std::vector<Stone>* out) {
  Decbuf d(rec);
  WARD_RETURN_IF_ERROR(CheckType(rec, Type::kTombstones, &d));
  size_t n = 0;
  while (d.ok() && d.len() > 0) {
    Stone s;
    s.ref = d.Be64();
    s.mint = d.Varint();
    s.maxt = d.Varint();
    if (!d.ok()) break;
    out->push_back(s);
    ++n;
  }
  if (!d.ok()) return Corrupt("tombstones", d, n);
  return Leftover("tombstones", d);
}

Status DecodeExemplars(std::string_view rec, std::vector<RefExemplar>* out) {
  Decbuf d(rec);
  WARD_RETURN_IF_ERROR(CheckType(rec, Type::kExemplars, &d));
  if (d.len() == 0) return Status::OK();
  const uint64_t base_ref = d.Be64();
  const uint64_t base_t = d.Be64();
  if (!d.ok()) return Corrupt("exemplars", d, 0);
  size_t n = 0;
  while (d.ok() && d.len() > 0) {
    RefExemplar e;
    const int64_t dref = d.Varint();
    const int64_t dt = d.Varint();
    const uint64_t val = d.Be64();
    if (!d.ok()) break;
    if (!DecodeLabels(&d, &e.labels)) {
      if (d.ok())
        return Status::Corruption("decode exemplars record: label count exceeds record size");
      break;
    }
    e.ref = base_ref + static_cast<uint64_t>(dref);
    e.t = static_cast<int64_t>(base_t + static_cast<uint64_t>(dt));
    e.v = varint::Float64FromBits(val);
    out->push_back(std::move(e));
    ++n;
  }
  if (!d.ok()) return Corrupt("exemplars", d, n);
  return Leftover("exemplars", d);
}

Status DecodeMmapMarkers(std::string_view rec, std::vector<RefMmapMarker>* out) {
  Decbuf d(rec);
  WARD_RETURN_IF_ERROR(CheckType(rec, Type::kMmapMarkers, &d));
  size_t n = 0;
  while (d.ok() && d.len() > 0) {
    RefMmapMarker m;
    m.ref = d.Be64();
    m.mmap_ref = d.Be64();
    if (!d.ok()) break;
    out->push_back(m);
    ++n;
  }
  if (!d.ok()) return Corrupt("mmapmarkers", d, n);
  return Leftover("mmapmarkers", d);
}

Status DecodeMetadata(std::string_view rec, std::vector<RefMetadata>* out) {
  Decbuf d(rec);
  WARD_RETURN_IF_ERROR(CheckType(rec, Type::kMetadata, &d));
  size_t n = 0;
  while (d.ok() && d.len() > 0) {
    RefMetadata m;
    m.ref = d.Uvarint();
    m.type = d.Byte();
    const uint64_t fields = d.Uvarint();
    // Unknown fields are skipped; each still has to be parsed to stay aligned.
    for (uint64_t i = 0; i < fields && d.ok(); ++i) {
      std::string_view name = d.UvarintStr();
      std::string_view value = d.UvarintStr();
      if (name == kUnitField) {
        m.unit.assign(value);
      } else if (name == kHelpField) {
        m.help.assign(value);
      }
    }
    if (!d.ok()) break;
    out->push_back(std::move(m));
    ++n;
  }
  if (!d.ok()) return Corrupt("metadata", d, n);
  return Leftover("metadata", d);
}

}  // namespace ward::tsdb::record
