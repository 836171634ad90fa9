#include "cmd/wardtool/print.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "model/labels/labels.h"
#include "storage/interface.h"
#include "tsdb/block/meta.h"
#include "tsdb/chunkenc/chunk.h"
#include "tsdb/chunkenc/dense.h"
#include "tsdb/chunkenc/xor.h"
#include "tsdb/chunks/head_chunks.h"
#include "tsdb/chunks/segments.h"
#include "tsdb/head_snapshot.h"
#include "tsdb/index/index.h"
#include "tsdb/record/record.h"
#include "tsdb/tombstones/tombstones.h"
#include "tsdb/wlog/reader.h"
#include "util/crc32c.h"
#include "util/varint.h"

namespace ward::wardtool {
namespace {

namespace fs = std::filesystem;
namespace block = tsdb::block;
namespace chunkenc = tsdb::chunkenc;
namespace chunks = tsdb::chunks;
namespace index = tsdb::index;
namespace record = tsdb::record;
namespace tombstones = tsdb::tombstones;
namespace wlog = tsdb::wlog;

// Counts printed items against the limit; Take() says whether to print.
class Limiter {
 public:
  explicit Limiter(int64_t limit) : limit_(limit) {}
  bool Take() {
    ++seen_;
    return limit_ <= 0 || seen_ <= limit_;
  }
  // Writes "<indent>... N more <what>" when items were left out.
  void Footer(std::ostream& out, std::string_view indent, std::string_view what) const {
    if (limit_ > 0 && seen_ > limit_) out << indent << "... " << (seen_ - limit_) << " more " << what << "\n";
  }

 private:
  int64_t limit_;
  int64_t seen_ = 0;
};

Status ReadWholeFile(const std::string& path, std::string* out) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::NotFound(path + ": no such file");
  if (!fs::is_regular_file(path, ec)) return Status::InvalidArgument(path + ": not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("open " + path);
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  out->assign(size > 0 ? static_cast<size_t>(size) : 0, '\0');
  if (size > 0 && !in.read(out->data(), size)) return Status::IOError("read " + path);
  return Status::OK();
}

// `s` in double quotes with \\, \" and \n escaped (as label values print).
std::string Quote(std::string_view s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '\\' || c == '"') {
      q += '\\';
      q += c;
    } else if (c == '\n') {
      q += "\\n";
    } else {
      q += c;
    }
  }
  return q + "\"";
}

void AppendValue(fmt::memory_buffer* buf, double v) {
  std::string_view special;
  if (storage::IsStaleNaN(v)) {
    special = "StaleNaN";
  } else if (std::isnan(v)) {
    special = "NaN";
  } else if (std::isinf(v)) {
    special = v > 0 ? "+Inf" : "-Inf";
  } else {
    fmt::format_to(std::back_inserter(*buf), "{}", v);
    return;
  }
  buf->append(special.data(), special.data() + special.size());
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string BaseName(const std::string& path) {
  fs::path p(path);
  if (!p.has_filename()) p = p.parent_path();  // trailing '/'
  return p.filename().string();
}

// Files of `dir` with all-digit names, in numeric order.
std::vector<std::pair<uint64_t, std::string>> NumberedFiles(const std::string& dir) {
  std::vector<std::pair<uint64_t, std::string>> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (!AllDigits(name) || name.size() > 18 || !e.is_regular_file(ec)) continue;
    files.emplace_back(std::stoull(name), e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Dense chunks (tsdb/docs/format/dense_chunks.md): count, first and last.
std::string DenseChunkSummary(std::string_view data, bool* bad) {
  auto want = chunkenc::DenseNumSamples(data);
  if (!want.ok()) {
    *bad = true;
    return fmt::format("samples=? ({})", want.status().message());
  }
  chunkenc::DenseIterator it(data);
  uint32_t n = 0;
  int64_t t = 0, first_t = 0;
  double v = 0;
  while (it.Next()) {
    it.At(&t, &v);
    if (n++ == 0) first_t = t;
  }
  Status st = it.Err();
  if (!st.ok()) {
    *bad = true;
    return fmt::format("samples={} (decode error after {}: {})", want.value(), n, st.message());
  }
  return fmt::format("samples={} first={} last={}:{}", n, first_t, t, FormatSampleValue(v));
}

std::string ChunkSummary(chunkenc::Encoding enc, std::string_view data, bool* bad) {
  if (enc == chunkenc::Encoding::kDense) return DenseChunkSummary(data, bad);
  if (enc != chunkenc::Encoding::kXOR) return "samples=?";
  if (data.size() < 2) {
    *bad = true;
    return "samples=? (chunk shorter than its header)";
  }
  int want = (static_cast<uint8_t>(data[0]) << 8) | static_cast<uint8_t>(data[1]);
  chunkenc::XORChunk::Iterator it(data);
  int n = 0;
  int64_t t = 0;
  double v = 0;
  while (it.Next()) {
    it.At(&t, &v);
    ++n;
  }
  Status st = it.Err();
  if (!st.ok()) {
    *bad = true;
    return fmt::format("samples={} (decode error after {}: {})", want, n, st.message());
  }
  if (n != want) {
    *bad = true;
    return fmt::format("samples={} (decoded {})", want, n);
  }
  if (n == 0) return "samples=0";
  return fmt::format("samples={} last={}:{}", n, t, FormatSampleValue(v));
}

// ---- WAL and snapshot records --------------------------------------------

// Prints one WAL record's entries; Corruption when it does not decode.
Status PrintWALRecord(std::string_view rec, const PrintOptions& o, std::ostream& out,
                      std::string_view head) {
  using record::Type;
  Type t = record::GetType(rec);
  if (rec.empty()) {
    out << head << " empty\n";
    return Status::OK();
  }
  Limiter lim(o.limit);
  Status st;
  switch (t) {
    case Type::kSeries: {
      std::vector<record::RefSeries> v;
      st = record::DecodeSeries(rec, &v);
      if (!st.ok()) break;
      out << head << " series n=" << v.size() << "\n";
      for (const auto& s : v) {
        if (lim.Take()) out << "  ref=" << s.ref << " " << s.labels.ToString() << "\n";
      }
      lim.Footer(out, "  ", "series");
      break;
    }
    case Type::kSamples: {
      std::vector<record::RefSample> v;
      st = record::DecodeSamples(rec, &v);
      if (!st.ok()) break;
      out << head << " samples n=" << v.size() << "\n";
      // The bulk of a WAL: formatted into one buffer per record.
      fmt::memory_buffer buf;
      for (const auto& s : v) {
        if (!lim.Take()) continue;
        fmt::format_to(std::back_inserter(buf), "  ref={} t={} v=", s.ref, s.t);
        AppendValue(&buf, s.v);
        buf.push_back('\n');
      }
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      lim.Footer(out, "  ", "samples");
      break;
    }
    case Type::kTombstones: {
      std::vector<record::Stone> v;
      st = record::DecodeTombstones(rec, &v);
      if (!st.ok()) break;
      out << head << " tombstones n=" << v.size() << "\n";
      for (const auto& s : v) {
        if (lim.Take()) out << "  ref=" << s.ref << " [" << s.mint << ", " << s.maxt << "]\n";
      }
      lim.Footer(out, "  ", "tombstones");
      break;
    }
    case Type::kExemplars: {
      std::vector<record::RefExemplar> v;
      st = record::DecodeExemplars(rec, &v);
      if (!st.ok()) break;
      out << head << " exemplars n=" << v.size() << "\n";
      for (const auto& e : v) {
        if (lim.Take()) {
          out << "  ref=" << e.ref << " t=" << e.t << " v=" << FormatSampleValue(e.v) << " "
              << e.labels.ToString() << "\n";
        }
      }
      lim.Footer(out, "  ", "exemplars");
      break;
    }
    case Type::kMmapMarkers: {
      std::vector<record::RefMmapMarker> v;
      st = record::DecodeMmapMarkers(rec, &v);
      if (!st.ok()) break;
      out << head << " mmap_markers n=" << v.size() << "\n";
      for (const auto& m : v) {
        if (lim.Take()) {
          out << "  ref=" << m.ref << " mmap_ref=" << m.mmap_ref << " ("
              << chunks::ChunkRefFile(m.mmap_ref) << ":" << chunks::ChunkRefOffset(m.mmap_ref)
              << ")\n";
        }
      }
      lim.Footer(out, "  ", "markers");
      break;
    }
    case Type::kMetadata: {
      std::vector<record::RefMetadata> v;
      st = record::DecodeMetadata(rec, &v);
      if (!st.ok()) break;
      out << head << " metadata n=" << v.size() << "\n";
      static constexpr const char* kTypes[] = {"unknown",   "counter", "gauge", "histogram",
                                               "gaugehistogram", "summary", "info", "stateset"};
      for (const auto& m : v) {
        if (!lim.Take()) continue;
        std::string type = m.type < 8 ? kTypes[m.type] : fmt::format("type{}", m.type);
        out << "  ref=" << m.ref << " type=" << type << " unit=" << Quote(m.unit)
            << " help=" << Quote(m.help) << "\n";
      }
      lim.Footer(out, "  ", "metadata");
      break;
    }
    case Type::kHistogramSamples:
    case Type::kFloatHistogramSamples:
    case Type::kCustomBucketsHistogramSamples:
    case Type::kCustomBucketsFloatHistogramSamples:
      out << head << " " << record::TypeName(t) << " bytes=" << rec.size() << " (not decoded)\n";
      break;
    case Type::kUnknown:
      return Status::Corruption(
          fmt::format("unknown record type {}", static_cast<unsigned>(static_cast<uint8_t>(rec[0]))));
  }
  return st;
}

Status PrintSnapshotRecord(std::string_view rec, const PrintOptions& o, std::ostream& out,
                           std::string_view head, uint64_t* nseries, uint64_t* nstones,
                           bool print) {
  if (rec.empty()) return Status::Corruption("empty snapshot record");
  Limiter lim(o.limit);
  switch (static_cast<uint8_t>(rec[0])) {
    case tsdb::kSnapshotRecordSeries: {
      tsdb::SnapshotSeries s;
      WARD_RETURN_IF_ERROR(tsdb::DecodeSnapshotSeries(rec, &s));
      ++*nseries;
      if (!print) return Status::OK();
      out << head << " series ref=" << s.ref << " " << s.lset.ToString() << "\n";
      if (!s.has_chunk) {
        out << "  no head chunk\n";
        return Status::OK();
      }
      auto enc = static_cast<chunkenc::Encoding>(s.encoding);
      bool bad = false;
      out << "  head chunk mint=" << s.mint << " maxt=" << s.maxt
          << " encoding=" << chunkenc::EncodingName(enc) << " bytes=" << s.chunk.size() << " "
          << ChunkSummary(enc, s.chunk, &bad) << "\n";
      if (bad) return Status::Corruption("head chunk of series " + std::to_string(s.ref) + " does not decode");
      return Status::OK();
    }
    case tsdb::kSnapshotRecordTombstones: {
      std::vector<std::pair<uint64_t, tombstones::Interval>> v;
      WARD_RETURN_IF_ERROR(tsdb::DecodeSnapshotTombstones(rec, &v));
      *nstones += v.size();
      out << head << " tombstones n=" << v.size() << "\n";
      for (const auto& [ref, iv] : v) {
        if (lim.Take()) out << "  ref=" << ref << " [" << iv.mint << ", " << iv.maxt << "]\n";
      }
      lim.Footer(out, "  ", "tombstones");
      return Status::OK();
    }
    case tsdb::kSnapshotRecordExemplars: {
      // The body is that of a WAL exemplars record.
      std::string w(rec);
      w[0] = static_cast<char>(record::Type::kExemplars);
      return PrintWALRecord(w, o, out, head);
    }
    default:
      return Status::Corruption(fmt::format("unknown snapshot record type {}",
                                            static_cast<unsigned>(static_cast<uint8_t>(rec[0]))));
  }
}

// Drives a WAL reader over all records. `snapshot` selects the record set.
Status PrintRecords(wlog::Reader* r, const PrintOptions& o, std::ostream& out, bool snapshot) {
  Limiter lim(o.limit);
  int last_seg = -1;
  int64_t last_end = 0;
  uint64_t nrec = 0, nseries = 0, nstones = 0;
  while (r->Next()) {
    int seg = r->Segment();
    int64_t start = seg == last_seg ? last_end : 0;
    last_seg = seg;
    last_end = r->Offset();
    ++nrec;
    std::string head = fmt::format("{:08d}:{}", seg, start);
    Status st;
    if (snapshot) {
      bool print = static_cast<uint8_t>(r->Record().empty() ? 0 : r->Record()[0]) !=
                       tsdb::kSnapshotRecordSeries ||
                   lim.Take();
      st = PrintSnapshotRecord(r->Record(), o, out, head, &nseries, &nstones, print);
    } else if (lim.Take()) {
      st = PrintWALRecord(r->Record(), o, out, head);
    } else {
      // Still decoded, so damage past the limit is found.
      std::ostringstream sink;
      st = PrintWALRecord(r->Record(), o, sink, head);
    }
    if (!st.ok()) {
      out << head << " error: " << st.message() << "\n";
      return Status::Corruption(fmt::format("record at {}: {}", head, st.message()));
    }
  }
  Status err = r->Err();
  if (!err.ok()) {
    out << fmt::format("{:08d}:{}", r->Segment(), r->Offset()) << " error: " << err.ToString()
        << "\n";
    return err;
  }
  lim.Footer(out, "", snapshot ? "series records" : "records");
  if (snapshot) {
    out << "total: records=" << nrec << " series=" << nseries << " tombstones=" << nstones << "\n";
  } else {
    out << "total: records=" << nrec << "\n";
  }
  return Status::OK();
}

// ---- index -------------------------------------------------------------------

struct Crc {
  uint64_t ok = 0, failed = 0;
  std::string Summary() const {
    return failed == 0 ? fmt::format("crc ok ({})", ok)
                       : fmt::format("crc FAILED ({} ok, {} failed)", ok, failed);
  }
};

// A len<4> body crc<4> section at `off`. Returns the body, or an error text.
bool IndexSection(std::string_view b, uint64_t off, uint64_t limit, std::string_view* body,
                  bool* crc_ok, std::string* why) {
  if (off > limit || limit - off < 8) {
    *why = fmt::format("section at {} out of bounds", off);
    return false;
  }
  uint64_t len = varint::BE32(b.data() + off);
  if (limit - off - 8 < len) {
    *why = fmt::format("section at {} truncated (len {})", off, len);
    return false;
  }
  const char* p = b.data() + off + 4;
  *crc_ok = crc32c::Value(p, len) == varint::BE32(p + len);
  *body = std::string_view(p, len);
  return true;
}

bool GetStr(const char** p, const char* end, std::string_view* s) {
  uint64_t n;
  if (!varint::GetUvarint(p, end, &n) || n > static_cast<uint64_t>(end - *p)) return false;
  *s = std::string_view(*p, n);
  *p += n;
  return true;
}

// Decodes one series entry body into text; false on malformed bytes.
bool DecodeSeriesEntry(std::string_view e, const std::vector<std::string_view>& syms,
                       std::string* lset, std::vector<index::ChunkMeta>* chks) {
  const char* p = e.data();
  const char* end = p + e.size();
  uint64_t n;
  if (!varint::GetUvarint(&p, end, &n) || n > e.size()) return false;
  *lset = "{";
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t k, v;
    if (!varint::GetUvarint(&p, end, &k) || !varint::GetUvarint(&p, end, &v) || k >= syms.size() ||
        v >= syms.size()) {
      return false;
    }
    if (i > 0) *lset += ", ";
    *lset += fmt::format("{}={}", syms[k], Quote(syms[v]));
  }
  *lset += "}";
  if (!varint::GetUvarint(&p, end, &n) || n > e.size()) return false;
  chks->clear();
  index::ChunkMeta c;
  for (uint64_t i = 0; i < n; ++i) {
    if (i == 0) {
      uint64_t d, ref;
      if (!varint::GetVarint(&p, end, &c.mint) || !varint::GetUvarint(&p, end, &d) ||
          !varint::GetUvarint(&p, end, &ref)) {
        return false;
      }
      c.maxt = static_cast<int64_t>(static_cast<uint64_t>(c.mint) + d);
      c.ref = ref;
    } else {
      uint64_t d1, d2;
      int64_t dref;
      if (!varint::GetUvarint(&p, end, &d1) || !varint::GetUvarint(&p, end, &d2) ||
          !varint::GetVarint(&p, end, &dref)) {
        return false;
      }
      c.mint = static_cast<int64_t>(static_cast<uint64_t>(c.maxt) + d1);
      c.maxt = static_cast<int64_t>(static_cast<uint64_t>(c.mint) + d2);
      c.ref += static_cast<uint64_t>(dref);
    }
    chks->push_back(c);
  }
  return p == end;
}

uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// Moves *pos up to a multiple of `align` (at most `end`); false if a
// skipped padding byte is not zero (ward and Prometheus write zeros).
bool SkipPadding(std::string_view b, uint64_t* pos, uint64_t align, uint64_t end) {
  uint64_t to = std::min(AlignUp(*pos, align), end);
  bool zero = true;
  for (uint64_t i = *pos; i < to; ++i) zero &= b[i] == 0;
  *pos = to;
  return zero;
}

}  // namespace

std::string FormatSampleValue(double v) {
  fmt::memory_buffer buf;
  AppendValue(&buf, v);
  return fmt::to_string(buf);
}

Status PrintWAL(const std::string& path, const PrintOptions& opts, std::ostream& out) {
  std::error_code ec;
  std::unique_ptr<wlog::Reader> r;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> cps;
    for (const auto& e : fs::directory_iterator(path, ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind("checkpoint.", 0) == 0) cps.push_back(name);
    }
    std::sort(cps.begin(), cps.end());
    for (const std::string& c : cps) out << "# " << c << " not printed (pass its path)\n";
    WARD_ASSIGN_OR_RETURN(r, wlog::Reader::Open(path));
  } else if (fs::is_regular_file(path, ec)) {
    std::string name = BaseName(path);
    int index = AllDigits(name) && name.size() <= 9 ? std::stoi(name) : 0;
    r = std::make_unique<wlog::Reader>(
        std::vector<wlog::Reader::SegmentFile>{{index, path}});
  } else {
    return Status::NotFound(path + ": no such WAL directory or segment file");
  }
  return PrintRecords(r.get(), opts, out, false);
}

Status PrintSnapshot(const std::string& path, const PrintOptions& opts, std::ostream& out) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return Status::NotFound(path + ": not a snapshot directory");
  std::string name = BaseName(path);
  std::string_view rest(name);
  bool parsed = false;
  if (rest.rfind(tsdb::kChunkSnapshotPrefix, 0) == 0) {
    rest.remove_prefix(sizeof(tsdb::kChunkSnapshotPrefix) - 1);
    size_t dot = rest.find('.');
    if (dot != std::string_view::npos && AllDigits(rest.substr(0, dot)) &&
        AllDigits(rest.substr(dot + 1)) && dot <= 9 && rest.size() - dot - 1 <= 18) {
      out << "position: segment=" << std::stoi(std::string(rest.substr(0, dot)))
          << " offset=" << std::stoll(std::string(rest.substr(dot + 1))) << "\n";
      parsed = true;
    }
  }
  if (!parsed) out << "position: unknown (directory name is not chunk_snapshot.N.M)\n";
  std::string sizes;
  if (ReadWholeFile(path + "/" + tsdb::kSnapshotWALSizesFile, &sizes).ok()) {
    size_t pos = 0;
    while (pos < sizes.size()) {
      size_t nl = sizes.find('\n', pos);
      if (nl == std::string::npos) nl = sizes.size();
      if (nl > pos) out << "wal_sizes: " << sizes.substr(pos, nl - pos) << "\n";
      pos = nl + 1;
    }
  }
  WARD_ASSIGN_OR_RETURN(std::unique_ptr<wlog::Reader> r, wlog::Reader::Open(path));
  return PrintRecords(r.get(), opts, out, true);
}

Status PrintIndex(const std::string& path_in, const PrintOptions& opts, std::ostream& out) {
  std::error_code ec;
  std::string path = path_in;
  if (fs::is_directory(path, ec)) path += std::string("/") + index::kIndexFilename;
  std::string data;
  WARD_RETURN_IF_ERROR(ReadWholeFile(path, &data));
  std::string_view b = data;
  auto corrupt = [&](const std::string& why) {
    out << "error: " << why << "\n";
    return Status::Corruption("index " + path + ": " + why);
  };
  if (b.size() < index::kHeaderLen + index::kTOCLen) return corrupt("file too short");
  if (varint::BE32(b.data()) != index::kMagicIndex) return corrupt("bad magic number");
  int version = static_cast<uint8_t>(b[4]);
  out << "index: version " << version << " size " << b.size() << "\n";
  if (version != index::kFormatV2) return corrupt("unsupported index version");
  const uint64_t toc_start = b.size() - index::kTOCLen;
  const char* t = b.data() + toc_start;
  index::TOC toc;
  toc.symbols = varint::BE64(t);
  toc.series = varint::BE64(t + 8);
  toc.label_indices = varint::BE64(t + 16);
  toc.label_indices_table = varint::BE64(t + 24);
  toc.postings = varint::BE64(t + 32);
  toc.postings_table = varint::BE64(t + 40);
  bool toc_ok = crc32c::Value(t, index::kTOCLen - 4) == varint::BE32(t + index::kTOCLen - 4);
  out << "toc: symbols=" << toc.symbols << " series=" << toc.series
      << " label_indices=" << toc.label_indices
      << " label_indices_table=" << toc.label_indices_table << " postings=" << toc.postings
      << " postings_table=" << toc.postings_table << " " << (toc_ok ? "crc ok" : "crc FAILED")
      << "\n";
  if (!toc_ok) return corrupt("TOC checksum mismatch");
  if (!(index::kHeaderLen <= toc.symbols && toc.symbols <= toc.series &&
        toc.series <= toc.label_indices && toc.label_indices <= toc.postings &&
        toc.postings <= toc.label_indices_table &&
        toc.label_indices_table <= toc.postings_table && toc.postings_table <= toc_start)) {
    return corrupt("TOC offsets out of order or out of range");
  }
  int failed_sections = 0;
  std::string why;
  std::string_view body;
  bool ok = false;

  // Symbols.
  if (!IndexSection(b, toc.symbols, toc.series, &body, &ok, &why) || body.size() < 4) {
    return corrupt("symbol table: " + (why.empty() ? "too short" : why));
  }
  std::vector<std::string_view> syms;
  {
    uint32_t count = varint::BE32(body.data());
    out << "symbols: " << count << " " << (ok ? "crc ok" : "crc FAILED") << "\n";
    if (!ok) ++failed_sections;
    const char* p = body.data() + 4;
    const char* end = body.data() + body.size();
    for (uint32_t i = 0; i < count; ++i) {
      std::string_view s;
      if (!GetStr(&p, end, &s)) return corrupt(fmt::format("symbol table: bad entry {}", i));
      syms.push_back(s);
    }
    Limiter lim(opts.limit);
    for (size_t i = 0; i < syms.size(); ++i) {
      if (lim.Take()) out << "  symbol " << i << " " << Quote(syms[i]) << "\n";
    }
    lim.Footer(out, "  ", "symbols");
  }

  // Series, each 16-byte aligned: len<uvarint> body crc<4>.
  {
    Crc crc;
    Limiter lim(opts.limit);
    std::string lset;
    std::vector<index::ChunkMeta> chks;
    uint64_t pos = toc.series;
    const uint64_t end = toc.label_indices;
    uint64_t count = 0;
    for (;;) {
      uint64_t pad_at = pos;
      if (!SkipPadding(b, &pos, index::kSeriesByteAlign, end)) {
        out << "  nonzero padding after " << pad_at << "\n";
        ++crc.failed;
      }
      if (pos >= end) break;
      const char* p = b.data() + pos;
      const char* pe = b.data() + end;
      uint64_t len;
      if (!varint::GetUvarint(&p, pe, &len) || len == 0 ||
          len > static_cast<uint64_t>(pe - p) || static_cast<uint64_t>(pe - p) - len < 4) {
        return corrupt(fmt::format("series entry at {}: bad length", pos));
      }
      std::string_view e(p, len);
      bool c_ok = crc32c::Value(e) == varint::BE32(p + len);
      c_ok ? ++crc.ok : ++crc.failed;
      ++count;
      bool dec = DecodeSeriesEntry(e, syms, &lset, &chks);
      if (lim.Take()) {
        out << fmt::format("  series {} {} chunks={}{}\n", pos / index::kSeriesByteAlign,
                           dec ? lset : "<undecodable>", dec ? chks.size() : 0,
                           c_ok ? "" : " crc FAILED");
        if (dec) {
          for (const auto& c : chks) {
            out << fmt::format("    chunk mint={} maxt={} ref={} ({}:{})\n", c.mint, c.maxt,
                               c.ref, chunks::BlockChunkSeq(c.ref),
                               chunks::BlockChunkOffset(c.ref));
          }
        }
      }
      if (!dec && c_ok) {
        return corrupt(fmt::format("series entry at {}: does not decode", pos));
      }
      pos = static_cast<uint64_t>(p - b.data()) + len + 4;
    }
    lim.Footer(out, "  ", "series");
    out << "series: " << count << " " << crc.Summary() << "\n";
    if (crc.failed) ++failed_sections;
  }

  // Label indices and postings lists: 4-byte aligned len<4> body crc<4>.
  auto walk = [&](const char* what, uint64_t from, uint64_t to) -> Status {
    Crc crc;
    uint64_t pos = from;
    for (;;) {
      uint64_t pad_at = pos;
      if (!SkipPadding(b, &pos, 4, to)) {
        out << "  nonzero padding after " << pad_at << "\n";
        ++crc.failed;
      }
      if (pos >= to) break;
      bool c_ok;
      if (!IndexSection(b, pos, to, &body, &c_ok, &why)) return corrupt(std::string(what) + ": " + why);
      c_ok ? ++crc.ok : ++crc.failed;
      pos += 8 + body.size();
    }
    out << what << ": " << (crc.ok + crc.failed) << " " << crc.Summary() << "\n";
    if (crc.failed) ++failed_sections;
    return Status::OK();
  };
  WARD_RETURN_IF_ERROR(walk("label indices", toc.label_indices, toc.postings));
  WARD_RETURN_IF_ERROR(walk("postings lists", toc.postings, toc.label_indices_table));

  // Label indices table: #entries<4> (n<uvarint> name offset<uvarint>)*.
  if (!IndexSection(b, toc.label_indices_table, toc.postings_table, &body, &ok, &why) ||
      body.size() < 4) {
    return corrupt("label indices table: " + (why.empty() ? "too short" : why));
  }
  out << "label indices table: " << varint::BE32(body.data()) << " entries "
      << (ok ? "crc ok" : "crc FAILED") << "\n";
  if (!ok) ++failed_sections;

  // Postings offset table: #entries<4> (2 name value offset<uvarint>)*.
  if (!IndexSection(b, toc.postings_table, toc_start, &body, &ok, &why) || body.size() < 4) {
    return corrupt("postings offset table: " + (why.empty() ? "too short" : why));
  }
  if (!ok) {
    out << "postings offset table: " << varint::BE32(body.data()) << " entries crc FAILED\n";
    ++failed_sections;
  } else {
    uint32_t count = varint::BE32(body.data());
    const char* p = body.data() + 4;
    const char* end = body.data() + body.size();
    std::vector<std::pair<std::string_view, uint64_t>> names;  // name, #values
    for (uint32_t i = 0; i < count; ++i) {
      uint64_t keys, off;
      std::string_view name, value;
      if (!varint::GetUvarint(&p, end, &keys) || keys != 2 || !GetStr(&p, end, &name) ||
          !GetStr(&p, end, &value) || !varint::GetUvarint(&p, end, &off)) {
        return corrupt(fmt::format("postings offset table: bad entry {}", i));
      }
      if (names.empty() || names.back().first != name) names.emplace_back(name, 0);
      ++names.back().second;
    }
    out << "postings offset table: " << count << " entries crc ok\n";
    Limiter lim(opts.limit);
    for (const auto& [name, n] : names) {
      if (lim.Take()) out << "  label " << Quote(name) << " values=" << n << "\n";
    }
    lim.Footer(out, "  ", "label names");
  }
  if (failed_sections > 0) {
    return corrupt(fmt::format("{} section(s) failed their checksum", failed_sections));
  }
  return Status::OK();
}

Status PrintChunks(const std::string& path, const PrintOptions& opts, std::ostream& out) {
  std::error_code ec;
  std::vector<std::pair<uint64_t, std::string>> files;
  if (fs::is_directory(path, ec)) {
    files = NumberedFiles(path);
  } else if (fs::is_regular_file(path, ec)) {
    std::string name = BaseName(path);
    files.emplace_back(AllDigits(name) && name.size() <= 18 ? std::stoull(name) : 0, path);
  } else {
    return Status::NotFound(path + ": no such chunks directory or file");
  }
  Limiter lim(opts.limit);
  uint64_t total = 0, bad_chunks = 0;
  std::string data;
  for (const auto& [num, file] : files) {
    WARD_RETURN_IF_ERROR(ReadWholeFile(file, &data));
    std::string_view b = data;
    std::string fname = BaseName(file);
    auto corrupt = [&](uint64_t off, const std::string& why) {
      out << fname << ":" << off << " error: " << why << "\n";
      return Status::Corruption(fmt::format("{} at offset {}: {}", file, off, why));
    };
    if (b.size() < 8) return corrupt(0, "file shorter than its header");
    uint32_t magic = varint::BE32(b.data());
    bool head;
    if (magic == chunks::kMagicChunks) {
      head = false;
    } else if (magic == chunks::kMagicHeadChunks) {
      head = true;
    } else {
      return corrupt(0, fmt::format("bad magic number 0x{:08x}", magic));
    }
    out << "file " << fname << ": " << (head ? "head chunks" : "block chunks") << " version "
        << static_cast<unsigned>(static_cast<uint8_t>(b[4])) << " size " << b.size() << "\n";
    if (b[4] != 1) return corrupt(4, "unsupported format version");
    const uint32_t seq = num > 0 ? static_cast<uint32_t>(num - 1) : 0;
    uint64_t off = chunks::kSegmentHeaderSize;
    while (off < b.size()) {
      const char* p = b.data() + off;
      const char* end = b.data() + b.size();
      uint64_t series_ref = 0;
      int64_t mint = 0, maxt = 0;
      if (head) {
        if (end - p < 25) {
          if (std::all_of(p, end, [](char c) { return c == 0; })) break;
          return corrupt(off, "truncated chunk header");
        }
        series_ref = varint::BE64(p);
        mint = static_cast<int64_t>(varint::BE64(p + 8));
        maxt = static_cast<int64_t>(varint::BE64(p + 16));
        if (series_ref == 0 && mint == 0 && maxt == 0) break;  // preallocated zeros
        p += 24;
      }
      const char* crc_from = b.data() + off;
      uint8_t enc_byte = static_cast<uint8_t>(*p);
      uint64_t len;
      if (head) {
        ++p;
        if (!varint::GetUvarint(&p, end, &len)) return corrupt(off, "bad chunk length");
      } else {
        if (!varint::GetUvarint(&p, end, &len) || p >= end) return corrupt(off, "bad chunk length");
        crc_from = p;
        enc_byte = static_cast<uint8_t>(*p++);
      }
      if (len > static_cast<uint64_t>(end - p) || static_cast<uint64_t>(end - p) - len < 4) {
        return corrupt(off, fmt::format("chunk truncated (len {})", len));
      }
      std::string_view chunk(p, len);
      bool crc_ok = crc32c::Value(crc_from, static_cast<size_t>(p + len - crc_from)) ==
                    varint::BE32(p + len);
      bool ooo = head && (enc_byte & chunks::kOutOfOrderMask);
      // Head chunk files flag out-of-order chunks in the top bit; block
      // segments may hold ward's dense chunks (0x90) besides XOR.
      auto enc =
          static_cast<chunkenc::Encoding>(head ? (enc_byte & ~chunks::kOutOfOrderMask) : enc_byte);
      bool bad = !crc_ok || !(head ? chunkenc::IsValidEncoding(static_cast<uint8_t>(enc))
                                   : chunkenc::IsBlockEncoding(static_cast<uint8_t>(enc)));
      std::string summary = ChunkSummary(enc, chunk, &bad);
      if (bad) ++bad_chunks;
      ++total;
      if (lim.Take()) {
        uint64_t ref = head ? chunks::MakeChunkRef(static_cast<uint32_t>(num), static_cast<uint32_t>(off))
                            : chunks::MakeBlockChunkRef(seq, static_cast<uint32_t>(off));
        out << "  ref=" << ref << " off=" << off;
        if (head) out << " series=" << series_ref << " mint=" << mint << " maxt=" << maxt;
        out << " encoding=" << chunkenc::EncodingName(enc) << (ooo ? " ooo" : "") << " len=" << len
            << (crc_ok ? " crc ok " : " crc FAILED ") << summary << "\n";
      }
      off = static_cast<uint64_t>(p - b.data()) + len + 4;
    }
  }
  lim.Footer(out, "", "chunks");
  out << "total: files=" << files.size() << " chunks=" << total << " bad=" << bad_chunks << "\n";
  if (bad_chunks > 0) {
    return Status::Corruption(fmt::format("{}: {} chunk(s) failed their checksum or decoding",
                                          path, bad_chunks));
  }
  return Status::OK();
}

Status PrintTombstones(const std::string& path_in, const PrintOptions& opts, std::ostream& out) {
  std::error_code ec;
  std::string path = path_in;
  if (fs::is_directory(path, ec)) path += std::string("/") + tombstones::kTombstonesFilename;
  std::string data;
  WARD_RETURN_IF_ERROR(ReadWholeFile(path, &data));
  Result<tombstones::MemTombstones> ts = tombstones::Decode(data, path);
  if (!ts.ok()) {
    out << "error: " << ts.status().message() << "\n";
    return ts.status();
  }
  out << "tombstones: version " << static_cast<unsigned>(static_cast<uint8_t>(data[4]))
      << " series=" << ts->NumSeries() << " intervals=" << ts->NumIntervals() << " crc ok\n";
  Limiter lim(opts.limit);
  for (const auto& [ref, ivs] : ts->Sorted()) {
    for (const auto& iv : *ivs) {
      if (lim.Take()) out << "  ref=" << ref << " [" << iv.mint << ", " << iv.maxt << "]\n";
    }
  }
  lim.Footer(out, "  ", "intervals");
  return Status::OK();
}

namespace {
std::string FormatTimeMs(int64_t ms) {
  // Beyond year 9999 (or before 0) the plain number is clearer.
  if (ms < -62167219200000 || ms > 253402300799999) return std::to_string(ms);
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (gmtime_r(&tt, &tm) == nullptr) return std::to_string(ms);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     static_cast<int>(ms - secs * 1000));
}

// max - min as "2h0m0s" (Go's time.Duration style without days).
std::string FormatDurationMs(int64_t min, int64_t max) {
  std::string s = max < min ? "-" : "";
  uint64_t u = max < min ? static_cast<uint64_t>(min) - static_cast<uint64_t>(max)
                         : static_cast<uint64_t>(max) - static_cast<uint64_t>(min);
  uint64_t h = u / 3600000, m = u / 60000 % 60, sec = u / 1000 % 60, rem = u % 1000;
  s += fmt::format("{}h{}m{}", h, m, sec);
  if (rem) s += fmt::format(".{:03d}", rem);
  return s + "s";
}
}  // namespace

Status PrintMeta(const std::string& path, const PrintOptions&, std::ostream& out) {
  std::error_code ec;
  std::string file = path;
  if (fs::is_directory(path, ec)) file += std::string("/") + block::kMetaFilename;
  std::string data;
  WARD_RETURN_IF_ERROR(ReadWholeFile(file, &data));
  Result<block::BlockMeta> m = block::DecodeMeta(data, file);
  if (!m.ok()) {
    out << "error: " << m.status().message() << "\n";
    return m.status();
  }
  std::string json = block::EncodeMeta(*m);
  out << json;
  if (json.empty() || json.back() != '\n') out << "\n";
  out << "time range: [" << m->min_time << ", " << m->max_time << ") = "
      << FormatTimeMs(m->min_time) << " to " << FormatTimeMs(m->max_time) << "\n";
  out << "duration: " << FormatDurationMs(m->min_time, m->max_time) << "\n";
  if (m->max_time < m->min_time) {
    return Status::Corruption(file + ": maxTime is before minTime");
  }
  return Status::OK();
}

Status PrintTsdb(std::string_view kind, const std::string& path, const PrintOptions& opts,
                 std::ostream& out) {
  if (kind == "wal") return PrintWAL(path, opts, out);
  if (kind == "snapshot") return PrintSnapshot(path, opts, out);
  if (kind == "index") return PrintIndex(path, opts, out);
  if (kind == "chunks") return PrintChunks(path, opts, out);
  if (kind == "tombstones") return PrintTombstones(path, opts, out);
  if (kind == "meta") return PrintMeta(path, opts, out);
  return Status::InvalidArgument(fmt::format("unknown kind \"{}\" (want one of: {})", kind,
                                             kPrintKinds));
}

}  // namespace ward::wardtool
