// WAL writer, segment listing and repair. Page/fragment layout as in
// Prometheus's tsdb/wlog/wlog.go (itself modelled on LevelDB's log format).
#include "tsdb/wlog/wlog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <snappy.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "tsdb/wlog/checkpoint.h"
#include "tsdb/wlog/reader.h"
#include "util/crc32c.h"
#include "util/varint.h"

namespace ward::tsdb::wlog {

namespace {

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

Status WriteAll(int fd, const char* p, size_t n, const std::string& what) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Errno(what);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open dir " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("fsync dir " + dir);
  return Status::OK();
}

bool ParseIndex(const char* name, int* out) {
  if (*name == '\0') return false;
  int64_t v = 0;
  for (const char* p = name; *p; ++p) {
    if (*p < '0' || *p > '9') return false;
    v = v * 10 + (*p - '0');
    if (v > INT32_MAX) return false;
  }
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kZstd:
      return "zstd";
  }
  return "none";
}

Result<Compression> ParseCompression(std::string_view name) {
  if (name == "none" || name.empty()) return Compression::kNone;
  if (name == "snappy") return Compression::kSnappy;
  if (name == "zstd") return Compression::kZstd;
  return Status::InvalidArgument("unknown WAL compression \"" + std::string(name) +
                                 "\" (want none, snappy or zstd)");
}

std::string SegmentName(const std::string& dir, int index) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%08d", index);
  return dir + "/" + buf;
}

Result<std::vector<std::pair<int, std::string>>> ListSegments(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Errno("list WAL dir " + dir);
  std::vector<std::pair<int, std::string>> out;
  while (struct dirent* e = ::readdir(d)) {
    int idx;
    if (ParseIndex(e->d_name, &idx)) out.emplace_back(idx, e->d_name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i - 1].first + 1 != out[i].first) {
      return Status::Corruption("WAL segments in " + dir + " are not sequential: " +
                                out[i - 1].second + " then " + out[i].second);
    }
  }
  return out;
}

Result<std::pair<int, int>> SegmentRange(const std::string& dir) {
  WARD_ASSIGN_OR_RETURN(auto segs, ListSegments(dir));
  if (segs.empty()) return std::make_pair(-1, -1);
  return std::make_pair(segs.front().first, segs.back().first);
}

// ---- WL ----

WL::WL(std::string dir, Options opts)
    : dir_(std::move(dir)), opts_(opts), page_(new char[kPageSize]()) {}

WL::~WL() {
  std::lock_guard<std::mutex> l(mu_);
  if (!closed_) CloseLocked().IgnoreError();  // destructor: nobody to report to
  if (zstd_cctx_ != nullptr) ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(zstd_cctx_));
}

Result<std::unique_ptr<WL>> WL::Open(const std::string& dir, Options opts) {
  if (opts.segment_size <= 0 || opts.segment_size % kPageSize != 0) {
    return Status::InvalidArgument("WAL segment size must be a positive multiple of 32 KiB");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("create WAL dir " + dir + ": " + ec.message());
  WARD_ASSIGN_OR_RETURN(auto range, SegmentRange(dir));
  int next = range.second + 1;
  // Never start at or below the last checkpoint: replay skips those
  // segments (matters only when a checkpoint covers every segment).
  auto cp = LastCheckpoint(dir);
  if (cp.ok()) {
    next = std::max(next, cp->second + 1);
  } else if (!cp.status().IsNotFound()) {
    return cp.status();
  }
  std::unique_ptr<WL> w(new WL(dir, opts));
  std::lock_guard<std::mutex> l(w->mu_);
  WARD_RETURN_IF_ERROR(w->CreateSegment(next));
  return w;
}

Status WL::CreateSegment(int index) {
  std::string name = SegmentName(dir_, index);
  int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return Errno("create WAL segment " + name);
  if (fd_ >= 0) unsynced_fds_.push_back(fd_);
  fd_ = fd;
  segment_ = index;
  done_pages_ = 0;
  alloc_ = 0;
  flushed_ = 0;
  std::memset(page_.get(), 0, kPageSize);
  // Without regular Sync() calls, completed segments would pile up open fds:
  // past a few, sync and close the oldest here.
  while (unsynced_fds_.size() > 4) {
    int old = unsynced_fds_.front();
    unsynced_fds_.erase(unsynced_fds_.begin());
    int rc = ::fdatasync(old);
    ::close(old);
    if (rc != 0) return Errno("fsync completed WAL segment in " + dir_);
  }
  return SyncDir(dir_);
}

Status WL::FlushPage(bool clear) {
  // A page with less than a header's room left is done.
  if (kPageSize - alloc_ < kRecordHeaderSize) clear = true;
  if (clear) alloc_ = kPageSize;  // write the zero padding too
  if (alloc_ > flushed_) {
    Status s = WriteAll(fd_, page_.get() + flushed_, alloc_ - flushed_,
                        "write WAL segment " + SegmentName(dir_, segment_));
    if (!s.ok()) return s;
    flushed_ = alloc_;
  }
  if (clear) {
    std::memset(page_.get(), 0, kPageSize);
    alloc_ = 0;
    flushed_ = 0;
    ++done_pages_;
  }
  return Status::OK();
}

Status WL::Log(std::string_view record) {
  std::lock_guard<std::mutex> l(mu_);
  if (closed_) return Status::Unavailable("WAL is closed");
  return LogOne(record, true);
}

Status WL::Log(const std::vector<std::string_view>& records) {
  std::lock_guard<std::mutex> l(mu_);
  if (closed_) return Status::Unavailable("WAL is closed");
  for (size_t i = 0; i < records.size(); ++i) {
    WARD_RETURN_IF_ERROR(LogOne(records[i], i + 1 == records.size()));
  }
  return Status::OK();
}

Status WL::LogOne(std::string_view rec, bool final) {
  // A page left full by an earlier failed flush is flushed first.
  if (kPageSize - alloc_ < kRecordHeaderSize) WARD_RETURN_IF_ERROR(FlushPage(true));

  uint8_t flag = 0;
  if (!rec.empty() && opts_.compression == Compression::kSnappy) {
    compress_buf_.resize(snappy::MaxCompressedLength(rec.size()));
    size_t n = 0;
    snappy::RawCompress(rec.data(), rec.size(), compress_buf_.data(), &n);
    if (n < rec.size()) {
      rec = std::string_view(compress_buf_.data(), n);
      flag = kSnappyFlag;
    }
  } else if (!rec.empty() && opts_.compression == Compression::kZstd) {
    if (zstd_cctx_ == nullptr) zstd_cctx_ = ZSTD_createCCtx();
    compress_buf_.resize(ZSTD_compressBound(rec.size()));
    size_t n = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(zstd_cctx_), compress_buf_.data(),
                                 compress_buf_.size(), rec.data(), rec.size(), 1);
    if (!ZSTD_isError(n) && n < rec.size()) {
      rec = std::string_view(compress_buf_.data(), n);
      flag = kZstdFlag;
    }
  }

  // Records never span segments: if this one does not fit in what is left
  // of the segment, start the next one.
  const int64_t pages_per_segment = opts_.segment_size / kPageSize;
  int64_t left = (kPageSize - alloc_) - kRecordHeaderSize;
  left += int64_t{kPageSize - kRecordHeaderSize} * (pages_per_segment - done_pages_ - 1);
  if (static_cast<int64_t>(rec.size()) > left) WARD_RETURN_IF_ERROR(NextSegmentLocked());

  // One pass at least, so empty records are written too.
  for (int i = 0; i == 0 || !rec.empty(); ++i) {
    const size_t room = static_cast<size_t>(kPageSize - alloc_ - kRecordHeaderSize);
    const size_t l = std::min(rec.size(), room);
    const std::string_view part = rec.substr(0, l);
    uint8_t typ;
    if (i == 0 && l == rec.size()) {
      typ = kFull;
    } else if (l == rec.size()) {
      typ = kLast;
    } else if (i == 0) {
      typ = kFirst;
    } else {
      typ = kMiddle;
    }
    char* h = page_.get() + alloc_;
    h[0] = static_cast<char>(typ | flag);
    varint::EncodeBE16(h + 1, static_cast<uint16_t>(l));
    varint::EncodeBE32(h + 3, crc32c::Value(part.data(), part.size()));
    if (l > 0) std::memcpy(h + kRecordHeaderSize, part.data(), l);  // data() may be null
    alloc_ += kRecordHeaderSize + static_cast<int>(l);
    if (kPageSize - alloc_ < kRecordHeaderSize) WARD_RETURN_IF_ERROR(FlushPage(true));
    rec.remove_prefix(l);
  }
  if (final && alloc_ > 0) WARD_RETURN_IF_ERROR(FlushPage(false));
  return Status::OK();
}

Status WL::Flush() {
  std::lock_guard<std::mutex> l(mu_);
  if (closed_) return Status::Unavailable("WAL is closed");
  return FlushPage(false);
}

Status WL::SyncLocked() {
  WARD_RETURN_IF_ERROR(FlushPage(false));
  for (int fd : unsynced_fds_) {
    int rc = ::fdatasync(fd);
    ::close(fd);
    if (rc != 0) {
      unsynced_fds_.clear();
      return Errno("fsync completed WAL segment in " + dir_);
    }
  }
  unsynced_fds_.clear();
  if (::fdatasync(fd_) != 0) return Errno("fsync WAL segment " + SegmentName(dir_, segment_));
  return Status::OK();
}

Status WL::Sync() {
  // Flush under the lock, fsync outside it so concurrent Log() calls are not
  // held up by the disk (the WAL writer's group commit relies on this).
  std::vector<int> fds;
  int active;
  std::string active_name;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (closed_) return Status::Unavailable("WAL is closed");
    WARD_RETURN_IF_ERROR(FlushPage(false));
    fds.swap(unsynced_fds_);
    active = ::dup(fd_);
    active_name = SegmentName(dir_, segment_);
    if (active < 0) {
      for (int fd : fds) ::close(fd);
      return Errno("dup WAL segment fd " + active_name);
    }
  }
  Status s;
  for (int fd : fds) {
    if (::fdatasync(fd) != 0 && s.ok()) s = Errno("fsync completed WAL segment in " + dir_);
    ::close(fd);
  }
  if (::fdatasync(active) != 0 && s.ok()) s = Errno("fsync WAL segment " + active_name);
  ::close(active);
  return s;
}

Status WL::CloseLocked() {
  closed_ = true;
  Status s;
  // Pad the last page unless it is empty (an empty page must stay unwritten,
  // or the segment would look finished).
  if (alloc_ > 0) s = FlushPage(true);
  if (s.ok()) s = SyncLocked();
  for (int fd : unsynced_fds_) ::close(fd);
  unsynced_fds_.clear();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  return s;
}

Status WL::Close() {
  std::lock_guard<std::mutex> l(mu_);
  if (closed_) return Status::Unavailable("WAL already closed");
  return CloseLocked();
}

Status WL::NextSegmentLocked() {
  if (alloc_ > 0) WARD_RETURN_IF_ERROR(FlushPage(true));
  return CreateSegment(segment_ + 1);
}

Status WL::NextSegment() {
  std::lock_guard<std::mutex> l(mu_);
  if (closed_) return Status::Unavailable("WAL is closed");
  return NextSegmentLocked();
}

int WL::ActiveSegment() const {
  std::lock_guard<std::mutex> l(mu_);
  return segment_;
}

Result<std::pair<int, int>> WL::Segments() const { return SegmentRange(dir_); }

Status WL::Truncate(int i) {
  WARD_ASSIGN_OR_RETURN(auto segs, ListSegments(dir_));
  for (const auto& [idx, name] : segs) {
    if (idx >= i) break;
    std::string path = dir_ + "/" + name;
    if (::unlink(path.c_str()) != 0) return Errno("delete WAL segment " + path);
  }
  return Status::OK();
}

Status WL::Repair(const Status& corruption) {
  int seg;
  int64_t off;
  if (!ParseCorruption(corruption, &seg, &off)) {
    return Status::InvalidArgument("cannot repair WAL: error has no segment position: " +
                                   corruption.ToString());
  }
  std::lock_guard<std::mutex> l(mu_);
  if (closed_) return Status::Unavailable("WAL is closed");
  // Drop the active segment (it is after the corruption or is the corrupt
  // one, and holds nothing the caller has replayed).
  for (int fd : unsynced_fds_) ::close(fd);
  unsynced_fds_.clear();
  ::close(fd_);
  fd_ = -1;
  WARD_RETURN_IF_ERROR(wlog::Repair(dir_, seg, off, opts_));
  WARD_ASSIGN_OR_RETURN(auto range, SegmentRange(dir_));
  return CreateSegment(range.second + 1);
}

// ---- Repair ----

bool ParseCorruption(const Status& s, int* segment, int64_t* offset) {
  if (!s.IsCorruption()) return false;
  std::string_view m = s.message();
  constexpr std::string_view kTag = "WAL corruption in segment ";
  size_t p = m.find(kTag);
  if (p == std::string_view::npos) return false;
  long long seg = -1, off = -1;
  std::string tail(m.substr(p + kTag.size()));
  if (std::sscanf(tail.c_str(), "%lld at offset %lld", &seg, &off) != 2) return false;
  if (seg < 0 || off < 0) return false;
  *segment = static_cast<int>(seg);
  *offset = off;
  return true;
}

Status Repair(const std::string& dir, const Status& corruption, Options opts) {
  int seg;
  int64_t off;
  if (!ParseCorruption(corruption, &seg, &off)) {
    return Status::InvalidArgument("cannot repair WAL: error has no segment position: " +
                                   corruption.ToString());
  }
  return Repair(dir, seg, off, opts);
}

Status Repair(const std::string& dir, int segment, int64_t offset, Options opts) {
  WARD_ASSIGN_OR_RETURN(auto segs, ListSegments(dir));
  // Every segment after the corrupt one is unusable: records may depend on
  // the lost ones (series before samples).
  for (const auto& [idx, name] : segs) {
    if (idx <= segment) continue;
    std::string path = dir + "/" + name;
    if (::unlink(path.c_str()) != 0) return Errno("delete WAL segment " + path);
  }
  const std::string fn = SegmentName(dir, segment);
  const std::string tmp = fn + ".repair";
  if (::rename(fn.c_str(), tmp.c_str()) != 0) return Errno("rename " + fn);

  // Rewrite the records that end at or before the corruption.
  {
    std::unique_ptr<WL> w(new WL(dir, opts));
    std::lock_guard<std::mutex> l(w->mu_);
    WARD_RETURN_IF_ERROR(w->CreateSegment(segment));
    Reader r({{segment, tmp}});
    while (r.Next()) {
      if (r.Offset() > offset) break;
      WARD_RETURN_IF_ERROR(w->LogOne(r.Record(), true));
    }
    // r.Err() is expected to be the corruption itself.
    WARD_RETURN_IF_ERROR(w->CloseLocked());
  }
  if (::unlink(tmp.c_str()) != 0) return Errno("delete " + tmp);
  return SyncDir(dir);
}

}  // namespace ward::tsdb::wlog
