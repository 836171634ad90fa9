// Index file writer and reader. Layout: index.h and Prometheus's
// tsdb-format/index.md.
#include "tsdb/index/index.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "util/crc32c.h"
#include "util/varint.h"

namespace ward::tsdb::index {
namespace {

constexpr size_t kFlushAt = 1 << 20;

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

}  // namespace

// ---------------------------------------------------------------- writer

Result<std::unique_ptr<IndexWriter>> IndexWriter::Create(const std::string& path) {
  std::unique_ptr<IndexWriter> w(new IndexWriter(path));
  w->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd_ < 0) return Errno("create " + path);
  varint::PutBE32(&w->buf_, kMagicIndex);
  w->buf_.push_back(static_cast<char>(kFormatV2));
  w->pos_ = kHeaderLen;
  // Symbol table: len and count are patched in FinishSymbols.
  w->toc_.symbols = w->pos_;
  w->buf_.append(8, '\0');
  w->pos_ += 8;
  return w;
}

IndexWriter::~IndexWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status IndexWriter::Flush() {
  const char* p = buf_.data();
  size_t n = buf_.size();
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Errno("write " + path_);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  buf_.clear();
  return Status::OK();
}

Status IndexWriter::Write(std::string_view b) {
  buf_.append(b);
  pos_ += b.size();
  if (pos_ > 16 * uint64_t{UINT32_MAX}) return Status::InvalidArgument("index exceeds 64 GiB");
  if (buf_.size() >= kFlushAt) return Flush();
  return Status::OK();
}

Status IndexWriter::WriteAt(uint64_t pos, std::string_view b) {
  WARD_RETURN_IF_ERROR(Flush());
  if (::pwrite(fd_, b.data(), b.size(), static_cast<off_t>(pos)) !=
      static_cast<ssize_t>(b.size())) {
    return Errno("pwrite " + path_);
  }
  return Status::OK();
}

Status IndexWriter::Pad(int align) {
  uint64_t r = pos_ % align;
  if (r == 0) return Status::OK();
  static const char kZeros[16] = {};
  return Write(std::string_view(kZeros, align - r));
}

Status IndexWriter::AddSymbol(std::string_view sym) {
  if (stage_ != 0) return Status::InvalidArgument("index: symbols must be added before series");
  if (!symbols_.empty() && sym <= symbols_.back()) {
    return Status::InvalidArgument("index: symbol \"" + std::string(sym) + "\" out of order");
  }
  symbols_.emplace_back(sym);
  symbol_ids_.emplace(symbols_.back(), static_cast<uint32_t>(symbols_.size() - 1));
  scratch_.clear();
  varint::PutUvarint(&scratch_, sym.size());
  scratch_.append(sym);
  return Write(scratch_);
}

Status IndexWriter::FinishSymbols() {
  uint64_t len = pos_ - toc_.symbols - 4;
  if (len > UINT32_MAX) return Status::InvalidArgument("index: symbol table exceeds 4 GiB");
  char hdr[8];
  varint::EncodeBE32(hdr, static_cast<uint32_t>(len));
  varint::EncodeBE32(hdr + 4, static_cast<uint32_t>(symbols_.size()));
  // The CRC covers the count and the entries; recompute it from memory.
  uint32_t crc = crc32c::Value(hdr + 4, 4);
  char lb[varint::kMaxVarintLen64];
  for (const std::string& s : symbols_) {
    crc = crc32c::Extend(crc, lb, varint::EncodeUvarint(lb, s.size()));
    crc = crc32c::Extend(crc, s.data(), s.size());
  }
  WARD_RETURN_IF_ERROR(WriteAt(toc_.symbols, std::string_view(hdr, 8)));
  scratch_.clear();
  varint::PutBE32(&scratch_, crc);
  WARD_RETURN_IF_ERROR(Write(scratch_));
  toc_.series = pos_;
  stage_ = 1;
  return Status::OK();
}

std::string IndexWriter::SeriesString(std::span<const uint32_t> syms) const {
  std::vector<labels::Label> ls;
  for (size_t i = 0; i + 1 < syms.size(); i += 2) {
    ls.push_back({symbols_[syms[i]], symbols_[syms[i + 1]]});
  }
  return labels::Labels(std::move(ls)).ToString();
}

Status IndexWriter::AddSeries(const labels::Labels& lset, std::span<const ChunkMeta> chunks,
                              uint32_t* id) {
  std::vector<uint32_t> syms;
  syms.reserve(2 * lset.size());
  for (const labels::Label& l : lset) {
    auto n = symbol_ids_.find(l.name);
    auto v = symbol_ids_.find(l.value);
    if (n == symbol_ids_.end() || v == symbol_ids_.end()) {
      return Status::InvalidArgument("index: symbol missing for label " + l.name + "=" + l.value);
    }
    syms.push_back(n->second);
    syms.push_back(v->second);
  }
  return AddSeriesSymbols(syms, chunks, id);
}

Status IndexWriter::AddSeriesSymbols(std::span<const uint32_t> syms,
                                     std::span<const ChunkMeta> chunks, uint32_t* id) {
  if (stage_ == 0) WARD_RETURN_IF_ERROR(FinishSymbols());
  if (stage_ != 1) return Status::InvalidArgument("index: series added after Close");
  if (syms.size() % 2 != 0) return Status::InvalidArgument("index: odd number of label symbols");
  for (size_t i = 0; i < syms.size(); ++i) {
    if (syms[i] >= symbols_.size()) return Status::InvalidArgument("index: unknown symbol number");
    if (i % 2 == 0 && i > 0 && syms[i] <= syms[i - 2]) {
      return Status::InvalidArgument("index: label names not sorted and unique in series " +
                                     SeriesString(syms));
    }
  }
  // Symbol numbers sort like their strings, so comparing them compares the
  // label sets (as labels::Labels::Compare).
  if (have_series_ && !std::lexicographical_compare(last_series_.begin(), last_series_.end(),
                                                    syms.begin(), syms.end())) {
    return Status::InvalidArgument("index: out-of-order series " + SeriesString(syms) + " after " +
                                   SeriesString(last_series_));
  }
  uint64_t last_ref = last_chunk_ref_;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const ChunkMeta& c = chunks[i];
    if (c.ref < last_ref) return Status::InvalidArgument("index: unsorted chunk reference");
    if (c.maxt < c.mint) return Status::InvalidArgument("index: chunk maxt < mint");
    if (i > 0 && c.mint <= chunks[i - 1].maxt) {
      return Status::InvalidArgument("index: overlapping chunks in series " + SeriesString(syms));
    }
    last_ref = c.ref;
  }
  WARD_RETURN_IF_ERROR(Pad(kSeriesByteAlign));
  uint64_t sid = pos_ / kSeriesByteAlign;
  if (sid > UINT32_MAX) return Status::InvalidArgument("index: series id exceeds 32 bits");

  std::string& e = scratch_;
  e.clear();
  varint::PutUvarint(&e, syms.size() / 2);
  for (size_t i = 0; i < syms.size(); i += 2) {
    varint::PutUvarint(&e, syms[i]);
    varint::PutUvarint(&e, syms[i + 1]);
    postings_[(uint64_t{syms[i]} << 32) | syms[i + 1]].push_back(static_cast<uint32_t>(sid));
  }
  varint::PutUvarint(&e, chunks.size());
  if (!chunks.empty()) {
    varint::PutVarint(&e, chunks[0].mint);
    varint::PutUvarint(&e, static_cast<uint64_t>(chunks[0].maxt - chunks[0].mint));
    varint::PutUvarint(&e, chunks[0].ref);
    for (size_t i = 1; i < chunks.size(); ++i) {
      varint::PutUvarint(&e, static_cast<uint64_t>(chunks[i].mint - chunks[i - 1].maxt));
      varint::PutUvarint(&e, static_cast<uint64_t>(chunks[i].maxt - chunks[i].mint));
      varint::PutVarint(&e, static_cast<int64_t>(chunks[i].ref - chunks[i - 1].ref));
    }
  }
  char lb[varint::kMaxVarintLen64 + 4];
  int n = varint::EncodeUvarint(lb, e.size());
  WARD_RETURN_IF_ERROR(Write(std::string_view(lb, n)));
  uint32_t crc = crc32c::Value(e);
  WARD_RETURN_IF_ERROR(Write(e));
  varint::EncodeBE32(lb, crc);
  WARD_RETURN_IF_ERROR(Write(std::string_view(lb, 4)));

  all_series_.push_back(static_cast<uint32_t>(sid));
  last_series_.assign(syms.begin(), syms.end());
  have_series_ = true;
  last_chunk_ref_ = last_ref;
  if (id) *id = static_cast<uint32_t>(sid);
  return Status::OK();
}

Status IndexWriter::WritePostingsAndTables() {
  // Postings keys sorted by (name, value): symbol ids sort like strings.
  std::vector<uint64_t> keys;
  keys.reserve(postings_.size());
  for (const auto& [k, ids] : postings_) keys.push_back(k);
  std::sort(keys.begin(), keys.end());

  std::string sec;
  auto finish_section = [&](std::string* s) {
    // s holds 4 placeholder bytes, then the body.
    uint32_t len = static_cast<uint32_t>(s->size() - 4);
    varint::EncodeBE32(s->data(), len);
    uint32_t crc = crc32c::Value(s->data() + 4, len);
    varint::PutBE32(s, crc);
  };

  // Label indices (deprecated, still written as Prometheus 2.x does): one
  // per label name, its values as symbol ids.
  toc_.label_indices = pos_;
  struct LabelIndexEntry {
    uint32_t name;
    uint64_t offset;
  };
  std::vector<LabelIndexEntry> label_indices;
  for (size_t i = 0; i < keys.size();) {
    uint32_t name = static_cast<uint32_t>(keys[i] >> 32);
    size_t j = i;
    while (j < keys.size() && (keys[j] >> 32) == name) ++j;
    WARD_RETURN_IF_ERROR(Pad(4));
    label_indices.push_back({name, pos_});
    sec.assign(4, '\0');
    varint::PutBE32(&sec, 1);
    varint::PutBE32(&sec, static_cast<uint32_t>(j - i));
    for (size_t k = i; k < j; ++k) varint::PutBE32(&sec, static_cast<uint32_t>(keys[k]));
    finish_section(&sec);
    WARD_RETURN_IF_ERROR(Write(sec));
    i = j;
  }

  // Postings: the all-postings list (key "", "") first, then every pair.
  toc_.postings = pos_;
  struct OffsetEntry {
    std::string_view name, value;
    uint64_t offset;
  };
  std::vector<OffsetEntry> offsets;
  offsets.reserve(keys.size() + 1);
  auto write_postings = [&](std::string_view name, std::string_view value,
                            const std::vector<uint32_t>& ids) -> Status {
    WARD_RETURN_IF_ERROR(Pad(4));
    offsets.push_back({name, value, pos_});
    sec.assign(4, '\0');
    varint::PutBE32(&sec, static_cast<uint32_t>(ids.size()));
    for (uint32_t id : ids) varint::PutBE32(&sec, id);
    finish_section(&sec);
    return Write(sec);
  };
  WARD_RETURN_IF_ERROR(write_postings("", "", all_series_));
  for (uint64_t k : keys) {
    WARD_RETURN_IF_ERROR(
        write_postings(symbols_[k >> 32], symbols_[static_cast<uint32_t>(k)], postings_[k]));
  }

  // Label offset table.
  toc_.label_indices_table = pos_;
  sec.assign(4, '\0');
  varint::PutBE32(&sec, static_cast<uint32_t>(label_indices.size()));
  for (const LabelIndexEntry& e : label_indices) {
    varint::PutUvarint(&sec, 1);
    varint::PutUvarint(&sec, symbols_[e.name].size());
    sec.append(symbols_[e.name]);
    varint::PutUvarint(&sec, e.offset);
  }
  finish_section(&sec);
  WARD_RETURN_IF_ERROR(Write(sec));

  // Postings offset table.
  toc_.postings_table = pos_;
  sec.assign(4, '\0');
  varint::PutBE32(&sec, static_cast<uint32_t>(offsets.size()));
  for (const OffsetEntry& e : offsets) {
    varint::PutUvarint(&sec, 2);
    varint::PutUvarint(&sec, e.name.size());
    sec.append(e.name);
    varint::PutUvarint(&sec, e.value.size());
    sec.append(e.value);
    varint::PutUvarint(&sec, e.offset);
  }
  if (sec.size() - 4 > UINT32_MAX)
    return Status::InvalidArgument("index: postings table too large");
  finish_section(&sec);
  WARD_RETURN_IF_ERROR(Write(sec));

  // TOC.
  sec.clear();
  for (uint64_t v : {toc_.symbols, toc_.series, toc_.label_indices, toc_.label_indices_table,
                     toc_.postings, toc_.postings_table}) {
    varint::PutBE64(&sec, v);
  }
  varint::PutBE32(&sec, crc32c::Value(sec));
  return Write(sec);
}

Status IndexWriter::Close() {
  if (stage_ == 2) return Status::OK();
  if (stage_ == 0) WARD_RETURN_IF_ERROR(FinishSymbols());
  stage_ = 2;
  WARD_RETURN_IF_ERROR(WritePostingsAndTables());
  WARD_RETURN_IF_ERROR(Flush());
  if (::fsync(fd_) != 0) return Errno("fsync " + path_);
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Errno("close " + path_);
  postings_.clear();
  return Status::OK();
}

// ---------------------------------------------------------------- reader

namespace {

// A section starting with a 4-byte length, followed by its CRC32C. On
// success *body is the `len` bytes after the length field.
bool Section(std::string_view b, uint64_t off, std::string_view* body, std::string* why) {
  if (off > b.size() || b.size() - off < 4) {
    *why = "section at " + std::to_string(off) + " out of bounds";
    return false;
  }
  uint64_t len = varint::BE32(b.data() + off);
  if (b.size() - off - 4 < len + 4) {
    *why = "section at " + std::to_string(off) + " truncated";
    return false;
  }
  const char* p = b.data() + off + 4;
  if (crc32c::Value(p, len) != varint::BE32(p + len)) {
    *why = "checksum mismatch in section at " + std::to_string(off);
    return false;
  }
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

}  // namespace

Status IndexReader::Corrupt(const std::string& why) const {
  return Status::Corruption("index " + file_->path() + ": " + why);
}

Result<std::unique_ptr<IndexReader>> IndexReader::Open(const std::string& path) {
  std::unique_ptr<IndexReader> r(new IndexReader());
  WARD_ASSIGN_OR_RETURN(r->file_, chunks::MmapFile::Open(path));
  std::string_view b = r->file_->data();
  r->b_ = b;
  if (b.size() < kHeaderLen + kTOCLen) return r->Corrupt("file too short");
  if (varint::BE32(b.data()) != kMagicIndex) return r->Corrupt("bad magic number");
  r->version_ = static_cast<uint8_t>(b[4]);
  if (r->version_ != kFormatV2) {
    return r->Corrupt("unsupported index version " + std::to_string(r->version_));
  }
  const char* t = b.data() + b.size() - kTOCLen;
  if (crc32c::Value(t, kTOCLen - 4) != varint::BE32(t + kTOCLen - 4)) {
    return r->Corrupt("TOC checksum mismatch");
  }
  TOC& toc = r->toc_;
  toc.symbols = varint::BE64(t);
  toc.series = varint::BE64(t + 8);
  toc.label_indices = varint::BE64(t + 16);
  toc.label_indices_table = varint::BE64(t + 24);
  toc.postings = varint::BE64(t + 32);
  toc.postings_table = varint::BE64(t + 40);
  uint64_t toc_start = b.size() - kTOCLen;
  for (uint64_t o : {toc.symbols, toc.series, toc.label_indices, toc.label_indices_table,
                     toc.postings, toc.postings_table}) {
    if (o > toc_start) return r->Corrupt("TOC points past the end of the file");
  }

  // Symbols: remember each entry's offset.
  std::string why;
  std::string_view body;
  if (!Section(b, toc.symbols, &body, &why)) return r->Corrupt("symbol table: " + why);
  if (body.size() < 4) return r->Corrupt("symbol table too short");
  uint32_t count = varint::BE32(body.data());
  const char* p = body.data() + 4;
  const char* end = body.data() + body.size();
  r->symbol_offsets_.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    r->symbol_offsets_.push_back(static_cast<uint32_t>(p - b.data()));
    std::string_view s;
    if (!GetStr(&p, end, &s)) return r->Corrupt("symbol table: bad entry " + std::to_string(i));
  }

  // Postings offset table, kept as views into the mapping.
  if (!Section(b, toc.postings_table, &body, &why)) {
    return r->Corrupt("postings offset table: " + why);
  }
  if (body.size() < 4) return r->Corrupt("postings offset table too short");
  count = varint::BE32(body.data());
  p = body.data() + 4;
  end = body.data() + body.size();
  r->entries_.reserve(count);
  std::string_view last_name, last_value;
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t keys, off;
    std::string_view name, value;
    if (!varint::GetUvarint(&p, end, &keys) || keys != 2 || !GetStr(&p, end, &name) ||
        !GetStr(&p, end, &value) || !varint::GetUvarint(&p, end, &off)) {
      return r->Corrupt("postings offset table: bad entry " + std::to_string(i));
    }
    if (i > 0 && (name < last_name || (name == last_name && value <= last_value))) {
      return r->Corrupt("postings offset table: entries out of order");
    }
    if (off >= toc_start) return r->Corrupt("postings offset table: offset out of range");
    if (r->names_.empty() || r->names_.back().name != name) {
      if (!r->names_.empty()) r->names_.back().end = r->entries_.size();
      r->names_.push_back({name, r->entries_.size(), 0});
    }
    r->entries_.push_back({value, off});
    last_name = name;
    last_value = value;
  }
  if (!r->names_.empty()) r->names_.back().end = r->entries_.size();
  return r;
}

Result<std::string_view> IndexReader::Symbol(uint32_t i) const {
  if (i >= symbol_offsets_.size()) return Corrupt("unknown symbol " + std::to_string(i));
  const char* p = b_.data() + symbol_offsets_[i];
  std::string_view s;
  if (!GetStr(&p, b_.data() + b_.size(), &s)) return Corrupt("bad symbol");
  return s;
}

Result<uint32_t> IndexReader::LookupSymbol(std::string_view s) const {
  uint32_t lo = 0, hi = static_cast<uint32_t>(symbol_offsets_.size());
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    WARD_ASSIGN_OR_RETURN(std::string_view v, Symbol(mid));
    if (v < s) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < symbol_offsets_.size()) {
    WARD_ASSIGN_OR_RETURN(std::string_view v, Symbol(lo));
    if (v == s) return lo;
  }
  return Status::NotFound("symbol not in index");
}

Result<std::vector<std::string_view>> IndexReader::Symbols() const {
  std::vector<std::string_view> out;
  out.reserve(symbol_offsets_.size());
  for (uint32_t i = 0; i < symbol_offsets_.size(); ++i) {
    WARD_ASSIGN_OR_RETURN(std::string_view s, Symbol(i));
    out.push_back(s);
  }
  return out;
}

const IndexReader::NameRange* IndexReader::FindName(std::string_view name) const {
  auto it = std::lower_bound(names_.begin(), names_.end(), name,
                             [](const NameRange& r, std::string_view n) { return r.name < n; });
  if (it == names_.end() || it->name != name) return nullptr;
  return &*it;
}

std::vector<std::string_view> IndexReader::LabelNames() const {
  std::vector<std::string_view> out;
  out.reserve(names_.size());
  for (const NameRange& r : names_) {
    if (!r.name.empty()) out.push_back(r.name);
  }
  return out;
}

std::vector<std::string_view> IndexReader::LabelValues(std::string_view name) const {
  std::vector<std::string_view> out;
  if (name.empty()) return out;
  const NameRange* r = FindName(name);
  if (r == nullptr) return out;
  out.reserve(r->end - r->begin);
  for (size_t i = r->begin; i < r->end; ++i) out.push_back(entries_[i].value);
  return out;
}

Status IndexReader::ReadPostingsList(uint64_t off, std::vector<uint32_t>* out) const {
  std::string why;
  std::string_view body;
  if (!Section(b_, off, &body, &why)) return Corrupt("postings: " + why);
  if (body.size() < 4) return Corrupt("postings list too short");
  uint32_t n = varint::BE32(body.data());
  if ((body.size() - 4) / 4 != n || (body.size() - 4) % 4 != 0) {
    return Corrupt("postings list length does not match its entry count");
  }
  const char* p = body.data() + 4;
  size_t base = out->size();
  out->resize(base + n);
  uint32_t* dst = out->data() + base;
  for (uint32_t i = 0; i < n; ++i) dst[i] = varint::BE32(p + 4 * i);
  return Status::OK();
}

Status IndexReader::Postings(std::string_view name, std::string_view value,
                             std::vector<uint32_t>* out) const {
  const NameRange* r = FindName(name);
  if (r == nullptr) return Status::OK();
  auto first = entries_.begin() + r->begin, last = entries_.begin() + r->end;
  auto it = std::lower_bound(
      first, last, value, [](const PostingsEntry& e, std::string_view v) { return e.value < v; });
  if (it == last || it->value != value) return Status::OK();
  return ReadPostingsList(it->offset, out);
}

Status IndexReader::SeriesRefs(uint32_t id, std::vector<uint32_t>* syms,
                               std::vector<ChunkMeta>* chunks) const {
  uint64_t off = uint64_t{id} * kSeriesByteAlign;
  std::string why = "series " + std::to_string(id) + ": ";
  if (off < toc_.series || off >= b_.size()) return Corrupt(why + "reference out of range");
  const char* p = b_.data() + off;
  const char* end = b_.data() + b_.size();
  uint64_t len;
  if (!varint::GetUvarint(&p, end, &len) || len > static_cast<uint64_t>(end - p) ||
      static_cast<uint64_t>(end - p) - len < 4) {
    return Corrupt(why + "truncated");
  }
  if (crc32c::Value(p, len) != varint::BE32(p + len)) return Corrupt(why + "checksum mismatch");
  end = p + len;
  uint64_t nl;
  if (!varint::GetUvarint(&p, end, &nl) || nl > len) return Corrupt(why + "bad label count");
  syms->clear();
  syms->reserve(2 * nl);
  for (uint64_t i = 0; i < 2 * nl; ++i) {
    uint64_t s;
    if (!varint::GetUvarint(&p, end, &s) || s > UINT32_MAX) return Corrupt(why + "bad label ref");
    syms->push_back(static_cast<uint32_t>(s));
  }
  uint64_t nc;
  if (!varint::GetUvarint(&p, end, &nc) || nc > len) return Corrupt(why + "bad chunk count");
  chunks->clear();
  chunks->reserve(nc);
  int64_t t0 = 0;
  uint64_t ref0 = 0;
  for (uint64_t i = 0; i < nc; ++i) {
    ChunkMeta c;
    uint64_t d, ref;
    if (i == 0) {
      if (!varint::GetVarint(&p, end, &c.mint) || !varint::GetUvarint(&p, end, &d) ||
          !varint::GetUvarint(&p, end, &ref)) {
        return Corrupt(why + "bad chunk meta");
      }
      c.maxt = c.mint + static_cast<int64_t>(d);
      c.ref = ref;
    } else {
      uint64_t dm;
      int64_t dref;
      if (!varint::GetUvarint(&p, end, &dm) || !varint::GetUvarint(&p, end, &d) ||
          !varint::GetVarint(&p, end, &dref)) {
        return Corrupt(why + "bad chunk meta");
      }
      c.mint = t0 + static_cast<int64_t>(dm);
      c.maxt = c.mint + static_cast<int64_t>(d);
      c.ref = ref0 + static_cast<uint64_t>(dref);
    }
    t0 = c.maxt;
    ref0 = c.ref;
    chunks->push_back(c);
  }
  return Status::OK();
}

Status IndexReader::Series(uint32_t id, labels::Labels* lset,
                           std::vector<ChunkMeta>* chunks) const {
  std::vector<uint32_t> syms;
  WARD_RETURN_IF_ERROR(SeriesRefs(id, &syms, chunks));
  std::vector<labels::Label> ls;
  ls.reserve(syms.size() / 2);
  for (size_t i = 0; i + 1 < syms.size(); i += 2) {
    WARD_ASSIGN_OR_RETURN(std::string_view n, Symbol(syms[i]));
    WARD_ASSIGN_OR_RETURN(std::string_view v, Symbol(syms[i + 1]));
    ls.push_back(labels::Label{std::string(n), std::string(v)});
  }
  *lset = labels::Labels(std::move(ls));
  return Status::OK();
}

}  // namespace ward::tsdb::index
