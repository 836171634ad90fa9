// WAL reader: fragment reassembly, checksum and structure checks,
// decompression. Semantics follow Prometheus's tsdb/wlog/reader.go.
#include "tsdb/wlog/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <snappy.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "tsdb/wlog/wlog.h"
#include "util/crc32c.h"
#include "util/varint.h"

namespace ward::tsdb::wlog {

namespace {
constexpr size_t kDropChunk = 8 << 20;  // release consumed mmap pages in 8 MiB steps
constexpr size_t kMaxRecordSize = size_t{1} << 30;
}  // namespace

Result<std::unique_ptr<Reader>> Reader::Open(const std::string& dir, int first, int last,
                                             int64_t first_offset) {
  WARD_ASSIGN_OR_RETURN(auto segs, ListSegments(dir));
  std::vector<SegmentFile> files;
  for (const auto& [idx, name] : segs) {
    if (first >= 0 && idx < first) continue;
    if (last >= 0 && idx > last) break;
    files.push_back({idx, dir + "/" + name});
  }
  return std::make_unique<Reader>(std::move(files), first_offset);
}

Reader::Reader(std::vector<SegmentFile> segments, int64_t first_offset)
    : segs_(std::move(segments)), first_offset_(first_offset < 0 ? 0 : first_offset) {}

Reader::~Reader() {
  CloseSegment();
  if (zstd_dctx_ != nullptr) ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(zstd_dctx_));
}

int Reader::Segment() const {
  if (segs_.empty()) return -1;
  return segs_[cur_ < segs_.size() ? cur_ : segs_.size() - 1].index;
}

bool Reader::OpenSegment(size_t i) {
  const std::string& path = segs_[i].path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err_ = Status::IOError("open WAL segment " + path + ": " + std::strerror(errno));
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    err_ = Status::IOError("stat WAL segment " + path + ": " + std::strerror(errno));
    ::close(fd);
    return false;
  }
  size_ = static_cast<size_t>(st.st_size);
  data_ = nullptr;
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      err_ = Status::IOError("mmap WAL segment " + path + ": " + std::strerror(errno));
      ::close(fd);
      return false;
    }
    ::madvise(p, size_, MADV_SEQUENTIAL);
    data_ = static_cast<const char*>(p);
  }
  ::close(fd);
  pos_ = 0;
  if (i == 0 && first_offset_ > 0) {
    // Past the end is an empty rest of segment, not an error.
    pos_ = std::min(size_, static_cast<size_t>(first_offset_));
  }
  dropped_ = 0;
  opened_ = true;
  return true;
}

void Reader::CloseSegment() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
  pos_ = 0;
  opened_ = false;
}

bool Reader::Corrupt(int64_t at, const std::string& why) {
  offset_ = at;
  err_ = Status::Corruption("WAL corruption in segment " + std::to_string(segs_[cur_].index) +
                            " at offset " + std::to_string(at) + ": " + why + " (" +
                            segs_[cur_].path + ")");
  return false;
}

bool Reader::Decompress(uint8_t flags, std::string_view data) {
  if (flags & kSnappyFlag) {
    size_t n = 0;
    if (!snappy::GetUncompressedLength(data.data(), data.size(), &n) || n > kMaxRecordSize) {
      return false;
    }
    dec_.resize(n);
    if (!snappy::RawUncompress(data.data(), data.size(), dec_.data())) return false;
    rec_ = dec_;
    return true;
  }
  // zstd
  if (zstd_dctx_ == nullptr) zstd_dctx_ = ZSTD_createDCtx();
  auto* dctx = static_cast<ZSTD_DCtx*>(zstd_dctx_);
  unsigned long long n = ZSTD_getFrameContentSize(data.data(), data.size());
  if (n == ZSTD_CONTENTSIZE_ERROR) return false;
  if (n != ZSTD_CONTENTSIZE_UNKNOWN) {
    if (n > kMaxRecordSize) return false;
    dec_.resize(n);
    size_t got = ZSTD_decompressDCtx(dctx, dec_.data(), dec_.size(), data.data(), data.size());
    if (ZSTD_isError(got) || got != n) return false;
  } else {
    ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
    dec_.clear();
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    char tmp[64 * 1024];
    for (;;) {
      ZSTD_outBuffer out{tmp, sizeof(tmp), 0};
      size_t rc = ZSTD_decompressStream(dctx, &out, &in);
      if (ZSTD_isError(rc)) return false;
      dec_.append(tmp, out.pos);
      if (dec_.size() > kMaxRecordSize) return false;
      if (rc == 0) break;                                            // frame complete
      if (in.pos == in.size && out.pos < sizeof(tmp)) return false;  // truncated
    }
  }
  rec_ = dec_;
  return true;
}

bool Reader::Next() {
  if (!err_.ok()) return false;
  rec_ = {};
  buf_.clear();
  int frags = 0;
  uint8_t flags = 0;
  size_t rec_start = 0;
  for (;;) {
    if (!opened_) {
      if (cur_ >= segs_.size()) return false;
      if (!OpenSegment(cur_)) return false;
    } else if (frags == 0 && pos_ - dropped_ >= kDropChunk) {
      // Give back pages of records already returned.
      size_t upto = pos_ & ~size_t{4095};
      if (upto > dropped_) {
        ::madvise(const_cast<char*>(data_) + dropped_, upto - dropped_, MADV_DONTNEED);
        dropped_ = upto;
      }
    }
    if (pos_ >= size_) {
      // End of segment. Records never span segments.
      if (frags > 0) return Corrupt(static_cast<int64_t>(rec_start), "last record is torn");
      if (cur_ + 1 >= segs_.size()) {
        offset_ = static_cast<int64_t>(pos_);
        CloseSegment();
        cur_ = segs_.size();  // past the end; Segment() reports the last
        return false;
      }
      CloseSegment();
      ++cur_;
      continue;
    }
    const size_t page_left = kPageSize - pos_ % kPageSize;
    const uint8_t type = static_cast<uint8_t>(data_[pos_]);
    const uint8_t kind = type & kFragmentTypeMask;
    if (kind == kPageTerm) {
      // The rest of the page (or of the file, if it ends early) is padding.
      const size_t end = std::min(pos_ + page_left, size_);
      for (size_t i = pos_; i < end; ++i) {
        if (data_[i] != 0) {
          return Corrupt(static_cast<int64_t>(frags > 0 ? rec_start : pos_),
                         "unexpected non-zero byte in padded page");
        }
      }
      pos_ = end;
      continue;
    }
    const size_t frag_at = frags > 0 ? rec_start : pos_;
    if (pos_ + kRecordHeaderSize > size_) {
      return Corrupt(static_cast<int64_t>(frag_at), "torn fragment header");
    }
    const uint16_t len = varint::BE16(data_ + pos_ + 1);
    const uint32_t crc = varint::BE32(data_ + pos_ + 3);
    if (len > kPageSize - kRecordHeaderSize) {
      return Corrupt(static_cast<int64_t>(frag_at), "invalid record size " + std::to_string(len));
    }
    if (pos_ + kRecordHeaderSize + len > size_) {
      return Corrupt(static_cast<int64_t>(frag_at),
                     "torn record: fragment extends past end of segment");
    }
    const std::string_view data(data_ + pos_ + kRecordHeaderSize, len);
    if (uint32_t c = crc32c::Value(data.data(), data.size()); c != crc) {
      char msg[64];
      std::snprintf(msg, sizeof(msg), "unexpected checksum %08x, expected %08x", c, crc);
      return Corrupt(static_cast<int64_t>(frag_at), msg);
    }
    switch (kind) {
      case kFull:
      case kFirst:
        if (frags != 0)
          return Corrupt(static_cast<int64_t>(rec_start), "unexpected full or first record");
        rec_start = pos_;
        flags = type & (kSnappyFlag | kZstdFlag);
        break;
      case kMiddle:
      case kLast:
        if (frags == 0)
          return Corrupt(static_cast<int64_t>(pos_), "unexpected middle or last record");
        break;
      default:
        return Corrupt(static_cast<int64_t>(frag_at),
                       "unexpected record type " + std::to_string(type));
    }
    pos_ += kRecordHeaderSize + len;
    ++frags;
    if (kind == kFirst || kind == kMiddle) {
      buf_.append(data);
      continue;
    }
    // kFull or kLast: the record is complete.
    std::string_view whole = data;
    if (kind == kLast) {
      buf_.append(data);
      whole = buf_;
    }
    offset_ = static_cast<int64_t>(pos_);
    if (flags != 0 && !whole.empty()) {
      if (!Decompress(flags, whole)) {
        return Corrupt(static_cast<int64_t>(rec_start), "cannot decompress record");
      }
    } else {
      rec_ = whole;
    }
    return true;
  }
}

}  // namespace ward::tsdb::wlog
